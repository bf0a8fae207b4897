package io.servingkit.python;

import io.servingkit.ModelLoadException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The interpreter a model's workers run and the extra import folders they need, after the model's one-time
 * setup: an optional virtual environment ({@code option.enable_venv=true}, created with
 * {@code --system-site-packages}) and its {@code requirements.txt}.
 *
 * <p>Requirements go into the venv when there is one, else into a private prefix folder put on the workers'
 * {@code PYTHONPATH} (never into the interpreter's own site-packages). The venv is made without its own pip
 * (seconds faster): the interpreter's pip, visible through the system site-packages, installs into it. Wheels in the model's
 * {@code requirements/} or {@code local_wheels/} folder are offered to pip; when {@code offline} pip is given
 * {@code --no-index}, so only those wheels (and pip's configured find-links) are used.
 *
 * <p>A failed {@code pip install} does not fail the load, as in DJL Serving (djl-demo's walkthrough pins
 * {@code torchvision==0.12.0}, which the installed torchvision serves just as well): pip's message is logged as a
 * warning and kept in {@link #requirementsFailure()}, so that a handler that then cannot import what it needs fails
 * with pip's reason next to its own. pip runs under its own time bound, {@link #INSTALL_LIMIT}, not
 * {@code option.model_loading_timeout}, which counts only the workers' start.
 *
 * @param executable the interpreter to start workers with
 * @param importPaths folders to put on {@code PYTHONPATH} before the model folder
 * @param requirementsFailure what pip said when {@code requirements.txt} failed to install, else null
 */
record PythonEnvironment(String executable, List<Path> importPaths, String requirementsFailure) {

  private static final String READY = ".servingkit-ready";
  private static final Logger LOG = LoggerFactory.getLogger(PythonEnvironment.class);

  /** How long {@code pip install -r requirements.txt} may run. */
  static final Duration INSTALL_LIMIT = Duration.ofMinutes(30);

  /**
   * Prepares the environment of one model copy, once: a folder already marked ready is reused.
   *
   * @param key names the model copy's folders under {@code workDir} (model name and device)
   * @throws ModelLoadException with the tool's output when venv creation or pip fails
   */
  static PythonEnvironment prepare(
      PythonOptions options,
      Path modelDir,
      Path workDir,
      String key,
      String model,
      boolean offline,
      ScheduledExecutorService timer) {
    String id = key + "-" + hash(modelDir.toAbsolutePath() + "\n" + options.pythonExecutable());
    Path envRoot = workDir.resolve("python-env");
    String executable = options.pythonExecutable();
    Map<String, String> env = options.env();
    if (options.enableVenv()) {
      Path venv = envRoot.resolve(id + "-venv");
      if (!Files.exists(venv.resolve(READY))) {
        BundledPython.deleteTree(venv);
        createDirectories(envRoot);
        SetupCommand.run(
            List.of(executable, "-m", "venv", "--system-site-packages", "--without-pip", venv.toString()),
            modelDir, env, options.loadingTimeout(), "option.model_loading_timeout",
            "creating virtual environment " + venv, model, timer);
      }
      executable = venv.resolve("bin").resolve("python").toString();
      String failure = null;
      if (!Files.exists(venv.resolve(READY))) {
        failure = installRequirements(executable, null, modelDir, options, model, offline, timer);
        if (failure == null) {
          markReady(venv);
        }
      }
      return new PythonEnvironment(executable, List.of(), failure);
    }
    Path requirements = modelDir.resolve("requirements.txt");
    if (!Files.isRegularFile(requirements)) {
      return new PythonEnvironment(executable, List.of(), null);
    }
    Path prefix = envRoot.resolve(id + "-deps");
    String failure = null;
    if (!Files.exists(prefix.resolve(READY))) {
      BundledPython.deleteTree(prefix);
      createDirectories(prefix);
      failure = installRequirements(executable, prefix, modelDir, options, model, offline, timer);
      if (failure == null) {
        markReady(prefix);
      }
    }
    return new PythonEnvironment(executable, sitePackages(prefix), failure);
  }

  /** Runs pip; returns null when it succeeded (or there is nothing to install), else pip's failure. */
  private static String installRequirements(
      String executable,
      Path prefix,
      Path modelDir,
      PythonOptions options,
      String model,
      boolean offline,
      ScheduledExecutorService timer) {
    Path requirements = modelDir.resolve("requirements.txt");
    if (!Files.isRegularFile(requirements)) {
      return null;
    }
    List<String> command = new ArrayList<>(List.of(
        executable, "-m", "pip", "install", "--disable-pip-version-check", "--no-input",
        "-r", requirements.toAbsolutePath().toString()));
    if (prefix != null) {
      command.add("--prefix");
      command.add(prefix.toString());
    }
    for (String folder : List.of("requirements", "local_wheels")) {
      Path wheels = modelDir.resolve(folder);
      if (Files.isDirectory(wheels)) {
        command.add("--find-links");
        command.add(wheels.toAbsolutePath().toString());
      }
    }
    if (offline) {
      command.add("--no-index");
    }
    try {
      SetupCommand.run(
          command, modelDir, options.env(), INSTALL_LIMIT, "the limit of a requirements install",
          "pip install -r requirements.txt", model, timer);
      return null;
    } catch (ModelLoadException e) {
      LOG.warn("{}; loading the model anyway, as DJL Serving does", e.getMessage());
      return e.getMessage();
    }
  }

  /** The site-packages / dist-packages folders pip created under a prefix (their layout differs by distribution). */
  private static List<Path> sitePackages(Path prefix) {
    try (Stream<Path> paths = Files.walk(prefix, 6)) {
      return paths
          .filter(Files::isDirectory)
          .filter(p -> {
            String name = p.getFileName().toString();
            return name.equals("site-packages") || name.equals("dist-packages");
          })
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new ModelLoadException("cannot list the installed requirements in " + prefix + ": " + e, e);
    }
  }

  private static void markReady(Path folder) {
    try {
      Files.writeString(folder.resolve(READY), "ok\n");
    } catch (IOException e) {
      throw new ModelLoadException("cannot write " + folder.resolve(READY) + ": " + e, e);
    }
  }

  private static void createDirectories(Path folder) {
    try {
      Files.createDirectories(folder);
    } catch (IOException e) {
      throw new ModelLoadException("cannot create " + folder + ": " + e, e);
    }
  }

  private static String hash(String text) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 4);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
