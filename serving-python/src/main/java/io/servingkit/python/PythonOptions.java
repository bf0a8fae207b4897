package io.servingkit.python;

import io.servingkit.InvalidSpecException;
import io.servingkit.ModelLoadException;
import io.servingkit.ModelSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The Python-mode settings of one model, read from its spec.
 *
 * @param pythonExecutable {@code option.pythonExecutable}, default {@code python3}
 * @param entryPoint the handler's file (relative to the model folder), module name or absolute path
 * @param handler {@code option.handler}, default {@code handle}
 * @param predictTimeout {@code option.predict_timeout} seconds, default 120
 * @param loadingTimeout {@code option.model_loading_timeout} seconds, default 240; bounds each setup step and
 *     each worker's start up to its answered initialisation call
 * @param env {@code option.env}: {@code K=V,K2=V2} added to the process environment
 * @param enableVenv {@code option.enable_venv}: a per-model virtual environment
 * @param initProperties the properties of the initialisation call: every model argument and every option
 *     without its {@code option.} prefix ({@code env} excepted)
 */
record PythonOptions(
    String pythonExecutable,
    String entryPoint,
    String handler,
    Duration predictTimeout,
    Duration loadingTimeout,
    Map<String, String> env,
    boolean enableVenv,
    Map<String, String> initProperties) {

  private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  /**
   * Reads the options of {@code spec}, finding the entry point in {@code modelDir}.
   *
   * @throws InvalidSpecException naming key and value when an option is malformed
   * @throws ModelLoadException when the folder holds no entry point
   */
  static PythonOptions of(ModelSpec spec, Path modelDir) {
    String executable = spec.getString("option.pythonExecutable", "python3").strip();
    if (executable.isEmpty()) {
      throw new InvalidSpecException("option.pythonExecutable is empty");
    }
    String handler = spec.getString("option.handler", "handle").strip();
    if (!IDENTIFIER.matcher(handler).matches()) {
      throw new InvalidSpecException("option.handler=" + handler + ": not a Python function name");
    }
    Map<String, String> init = new LinkedHashMap<>(spec.arguments());
    spec.options().forEach((k, v) -> {
      if (!k.equals("env")) {
        init.put(k, v);
      }
    });
    return new PythonOptions(
        executable,
        entryPoint(spec, modelDir),
        handler,
        spec.getDuration("option.predict_timeout", Duration.ofSeconds(120)),
        spec.getDuration("option.model_loading_timeout", Duration.ofSeconds(240)),
        parseEnv(spec.getString("option.env", "")),
        spec.getBoolean("option.enable_venv", false),
        Collections.unmodifiableMap(init));
  }

  /** {@code option.entryPoint} as given, else {@code <prefix>.py}, else {@code model.py}. */
  private static String entryPoint(ModelSpec spec, Path modelDir) {
    String given = spec.getString("option.entryPoint", "").strip();
    if (!given.isEmpty()) {
      if (given.endsWith(".py") && !Path.of(given).isAbsolute()
          && !Files.isRegularFile(modelDir.resolve(given))) {
        throw new ModelLoadException(
            "option.entryPoint=" + given + ": no such file in " + modelDir);
      }
      if (Path.of(given).isAbsolute() && !Files.isRegularFile(Path.of(given))) {
        throw new ModelLoadException("option.entryPoint=" + given + ": no such file");
      }
      return given;
    }
    String prefix = spec.getString("option.modelName", spec.name());
    if (Files.isRegularFile(modelDir.resolve(prefix + ".py"))) {
      return prefix + ".py";
    }
    if (Files.isRegularFile(modelDir.resolve("model.py"))) {
      return "model.py";
    }
    throw new ModelLoadException(
        "no Python entry point in " + modelDir + ": expected model.py, " + prefix
            + ".py or option.entryPoint");
  }

  /** Parses {@code K=V,K2=V2}; blank entries are skipped. */
  static Map<String, String> parseEnv(String text) {
    Map<String, String> env = new LinkedHashMap<>();
    for (String entry : text.split(",")) {
      if (entry.isBlank()) {
        continue;
      }
      int eq = entry.indexOf('=');
      String name = eq < 0 ? "" : entry.substring(0, eq).strip();
      if (!ENV_NAME.matcher(name).matches()) {
        throw new InvalidSpecException(
            "option.env=" + text + ": entry '" + entry.strip() + "' is not NAME=value");
      }
      env.put(name, entry.substring(eq + 1).strip());
    }
    return Collections.unmodifiableMap(env);
  }

  /** A timeout for a message, exact: {@code 120 s}, {@code 500 ms}, {@code 1500 us}. */
  static String words(Duration d) {
    if (d.getNano() == 0) {
      return d.getSeconds() + " s";
    }
    long nanos = d.toNanos();
    if (nanos % 1_000_000 == 0) {
      return nanos / 1_000_000 + " ms";
    }
    return nanos % 1_000 == 0 ? nanos / 1_000 + " us" : nanos + " ns";
  }
}
