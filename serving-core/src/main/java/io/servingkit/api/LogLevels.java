package io.servingkit.api;

/**
 * Changes the level of ServingKit's loggers for {@code POST /server/logging?level=...}, DJL Serving's endpoint for
 * it. A library must not reconfigure its host's logging by itself, so {@link ServingApi} has no way of its own to do
 * this: the application that owns the logging backend passes one to {@link ApiConfig.Builder#logLevels} (the
 * standalone server passes one for Logback). Without one, {@code /server/logging} answers 404 like any endpoint
 * that is not served.
 *
 * <p>Threading: called from request threads, possibly at the same time; implementations must be thread-safe.
 */
@FunctionalInterface
public interface LogLevels {

  /**
   * Sets the level of the serving loggers.
   *
   * @param level {@code TRACE}, {@code DEBUG}, {@code INFO}, {@code WARN}, {@code ERROR} or {@code OFF} (upper case,
   *     already checked), or null to put back the levels they had before the first change
   */
  void set(String level);
}
