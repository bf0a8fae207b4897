package io.servingkit.internal.config;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * DJL Serving's environment variable names and the configuration keys they stand for: {@code SERVING_<KEY>} is
 * the server setting {@code <key>}, {@code OPTION_<X>} the model option {@code option.<x>} (with DJL's camel-case
 * spelling where it has one, and {@code OPTION_ENGINE} the model's {@code engine}), {@code ARGS_<X>} the model
 * argument {@code <x>}. The library never reads the environment: whoever owns the process passes it in.
 *
 * <p>Threading: stateless.
 */
public final class EnvironmentNames {

  /** Prefix of server settings. */
  public static final String SERVING = "SERVING_";

  /** The launcher's JVM options, not a setting. */
  public static final String SERVING_OPTS = "SERVING_OPTS";

  /** DJL Serving's name for the Python interpreter of Python-mode models. */
  public static final String PYTHON_EXECUTABLE = "PYTHON_EXECUTABLE";

  private static final String OPTION = "OPTION_";
  private static final String ARGS = "ARGS_";

  /** Engine option names whose DJL spelling is camel case, by their lower-case form. */
  private static final Map<String, String> CAMEL_OPTIONS =
      camel(
          "entryPoint", "modelName", "pythonExecutable", "mapLocation", "extraFiles", "interOpNumThreads",
          "intraOpNumThreads", "executionMode", "optLevel", "memoryPatternOptimization", "cpuArenaAllocator",
          "disablePerSessionThreads", "customOpLibrary", "ortDevice", "translatorFactory");

  private EnvironmentNames() {}

  /** The server setting a {@code SERVING_<KEY>} variable names, if {@code name} is one. */
  public static Optional<String> settingKey(String name) {
    if (name.startsWith(SERVING) && name.length() > SERVING.length() && !name.equals(SERVING_OPTS)) {
      return Optional.of(name.substring(SERVING.length()).toLowerCase(Locale.ROOT));
    }
    return Optional.empty();
  }

  /** The model property an {@code OPTION_<X>} or {@code ARGS_<X>} variable names, if {@code name} is one. */
  public static Optional<String> modelKey(String name) {
    if (name.startsWith(OPTION) && name.length() > OPTION.length()) {
      String option = name.substring(OPTION.length()).toLowerCase(Locale.ROOT);
      return Optional.of(option.equals("engine") ? "engine" : "option." + CAMEL_OPTIONS.getOrDefault(option, option));
    }
    if (name.startsWith(ARGS) && name.length() > ARGS.length()) {
      return Optional.of(name.substring(ARGS.length()).toLowerCase(Locale.ROOT));
    }
    return Optional.empty();
  }

  private static Map<String, String> camel(String... names) {
    Map<String, String> map = new LinkedHashMap<>();
    for (String n : names) {
      map.put(n.toLowerCase(Locale.ROOT), n);
    }
    return Map.copyOf(map);
  }
}
