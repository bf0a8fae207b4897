package io.servingkit.undertow;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import io.servingkit.api.LogLevels;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.ILoggerFactory;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /server/logging} for the standalone server, which owns its JVM and its Logback: sets the
 * {@code io.servingkit} and {@code ai.djl} loggers to the level asked for, and puts back the levels they had before
 * the first change when no level is given (DJL Serving's endpoint behaves the same way).
 *
 * <p>Threading: {@link #set} is synchronized; the remembered levels belong to this object.
 */
final class LogbackLevels implements LogLevels {

  private static final List<String> LOGGERS = List.of("io.servingkit", "ai.djl");

  private final LoggerContext context;
  /** Level of each logger before the first change (null when it inherited one); empty when nothing is changed. */
  private final Map<String, Level> before = new HashMap<>();

  private LogbackLevels(LoggerContext context) {
    this.context = context;
  }

  /** The levels control when SLF4J is bound to Logback (the launcher's case), else empty. */
  static Optional<LogLevels> ofCurrentBackend() {
    ILoggerFactory factory = LoggerFactory.getILoggerFactory();
    return factory instanceof LoggerContext c ? Optional.of(new LogbackLevels(c)) : Optional.empty();
  }

  @Override
  public synchronized void set(String level) {
    for (String name : LOGGERS) {
      Logger logger = context.getLogger(name);
      if (level == null) {
        if (before.containsKey(name)) {
          logger.setLevel(before.get(name));
        }
      } else {
        if (!before.containsKey(name)) {
          before.put(name, logger.getLevel());
        }
        logger.setLevel(Level.toLevel(level));
      }
    }
    if (level == null) {
      before.clear();
    }
  }
}
