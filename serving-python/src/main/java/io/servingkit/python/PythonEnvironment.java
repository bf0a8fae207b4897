package io.servingkit.python;

import io.servingkit.ModelLoadException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.stream.Stream;

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
 * @param executable the interpreter to start workers with
 * @param importPaths folders to put on {@code PYTHONPATH} before the model folder
 */
record PythonEnvironment(String executable, List<Path> importPaths) {

  private static final String READY = ".servingkit-ready";

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
            modelDir, env, options.loadingTimeout(), "creating virtual environment " + venv, model, timer);
      }
      executable = venv.resolve("bin").resolve("python").toString();
      if (!Files.exists(venv.resolve(READY))) {
        installRequirements(executable, null, modelDir, options, model, offline, timer);
        markReady(venv);
      }
      return new PythonEnvironment(executable, List.of());
    }
    Path requirements = modelDir.resolve("requirements.txt");
    if (!Files.isRegularFile(requirements)) {
      return new PythonEnvironment(executable, List.of());
    }
    Path prefix = envRoot.resolve(id + "-deps");
    if (!Files.exists(prefix.resolve(READY))) {
      BundledPython.deleteTree(prefix);
      createDirectories(prefix);
      installRequirements(executable, prefix, modelDir, options, model, offline, timer);
      markReady(prefix);
    }
    return new PythonEnvironment(executable, sitePackages(prefix));
  }

  private static void installRequirements(
      String executable,
      Path prefix,
      Path modelDir,
      PythonOptions options,
      String model,
      boolean offline,
      ScheduledExecutorService timer) {
    Path requirements = modelDir.resolve("requirements.txt");
    if (!Files.isRegularFile(requirements)) {
      return;
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
    SetupCommand.run(
        command, modelDir, options.env(), options.loadingTimeout(),
        "pip install -r requirements.txt", model, timer);
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
