package io.servingkit.python;

import ai.djl.modality.Output;
import java.util.List;
import java.util.Map;

/** What a Python worker answered to one request. */
sealed interface Reply {

  /**
   * The handler returned an Output.
   *
   * @param code the status code (204 when the handler returned None)
   * @param message the status message
   * @param properties the output's properties, in order
   * @param keys the content keys (null allowed), parallel to {@code values}
   * @param values the content values
   * @param streaming true when chunks follow instead of content
   */
  record Answer(
      int code,
      String message,
      Map<String, String> properties,
      List<String> keys,
      List<byte[]> values,
      boolean streaming)
      implements Reply {

    /** A new DJL Output holding this answer's code, message, properties and content. */
    Output toOutput() {
      Output output = new Output(code, message);
      copyProperties(output);
      for (int i = 0; i < keys.size(); i++) {
        output.add(keys.get(i), values.get(i));
      }
      return output;
    }

    /** Adds this answer's properties to {@code output}, skipping any without a name. */
    void copyProperties(Output output) {
      properties.forEach((key, value) -> {
        if (key != null) {
          output.addProperty(key, value);
        }
      });
    }
  }

  /**
   * The handler (or loading the entry point) raised an exception.
   *
   * @param type the Python exception's class name
   * @param message {@code str(exception)}, or the class name when that is empty
   * @param traceback the formatted traceback (may be empty)
   */
  record Failure(String type, String message, String traceback) implements Reply {}
}
