package io.servingkit.paddle;

import io.servingkit.InvalidSpecException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The load options of a PaddlePaddle model ({@code option.*} keys of serving.properties, or DJL {@code Criteria}
 * options), checked once.
 *
 * <ul>
 *   <li>Paddle's own, passed to DJL 0.27's {@code PpModel} in the worker: {@code DisableGlog} (default
 *       {@code true}: Paddle's INFO logging off; the worker also starts with {@code GLOG_minloglevel=2}, which
 *       silences its warnings), {@code CMLNumThreads} (CPU math threads per predictor; Paddle's default is 1),
 *       {@code SwitchIrOptim}, {@code enableMKLDNN}, {@code removePass};
 *   <li>{@code model_loading_timeout}: seconds the worker may take to start and load (default 240);
 *   <li>{@code workerJvmOptions}: the worker JVM's options, separated by spaces (default {@value
 *       #DEFAULT_JVM_OPTIONS}).
 * </ul>
 *
 * <p>Threading: immutable.
 */
record WorkerOptions(Map<String, String> paddleOptions, boolean quietGlog, Duration loadingTimeout, List<String> jvmOptions) {

  static final String DEFAULT_JVM_OPTIONS = "-Xmx512m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss1m";
  private static final Duration DEFAULT_LOADING_TIMEOUT = Duration.ofSeconds(240);

  WorkerOptions {
    paddleOptions = Map.copyOf(paddleOptions);
    jvmOptions = List.copyOf(jvmOptions);
  }

  /**
   * Reads the options a DJL {@code Model.load} received.
   *
   * @throws InvalidSpecException for a value of the wrong type, naming the key and the value
   */
  static WorkerOptions parse(Map<String, ?> options) {
    Map<String, ?> given = options == null ? Map.of() : options;
    Map<String, String> paddle = new LinkedHashMap<>();
    String glog = text(given.get("DisableGlog"));
    boolean quiet = glog == null || !glog.equalsIgnoreCase("false");
    if (quiet) {
      paddle.put("DisableGlog", "true");
    }
    String threads = text(given.get("CMLNumThreads"));
    if (threads != null) {
      paddle.put("CMLNumThreads", String.valueOf(positive("CMLNumThreads", threads)));
    }
    String irOptim = text(given.get("SwitchIrOptim"));
    if (irOptim != null) {
      if (!irOptim.equalsIgnoreCase("true") && !irOptim.equalsIgnoreCase("false")) {
        throw new InvalidSpecException("option.SwitchIrOptim=" + irOptim + ": expected true or false");
      }
      paddle.put("SwitchIrOptim", irOptim.toLowerCase(java.util.Locale.ROOT));
    }
    String mkldnn = text(given.get("enableMKLDNN"));
    if (mkldnn != null && !mkldnn.equalsIgnoreCase("false")) {
      paddle.put("enableMKLDNN", "true");
    }
    String removePass = text(given.get("removePass"));
    if (removePass != null) {
      paddle.put("removePass", removePass);
    }
    String timeout = text(given.get("model_loading_timeout"));
    Duration loading = timeout == null ? DEFAULT_LOADING_TIMEOUT : Duration.ofSeconds(positive("model_loading_timeout", timeout));
    String jvm = text(given.get("workerJvmOptions"));
    List<String> jvmOptions = new ArrayList<>(Arrays.asList((jvm == null ? DEFAULT_JVM_OPTIONS : jvm).split("\\s+")));
    jvmOptions.removeIf(String::isEmpty);
    return new WorkerOptions(paddle, quiet, loading, jvmOptions);
  }

  private static int positive(String key, String value) {
    try {
      int n = Integer.parseInt(value);
      if (n > 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new InvalidSpecException("option." + key + "=" + value + ": expected a positive integer");
  }

  private static String text(Object value) {
    if (value == null) {
      return null;
    }
    String s = value.toString().strip();
    return s.isEmpty() ? null : s;
  }
}
