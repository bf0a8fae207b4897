package io.servingkit.undertow;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import org.slf4j.ILoggerFactory;
import org.slf4j.LoggerFactory;
import org.slf4j.Marker;

/**
 * Drops the warnings DJL's engines print on a machine without a usable GPU — {@code CudaUtils}' "Failed to detect GPU
 * count" (once per engine that asks) and ONNX Runtime's "CUDA is not supported OnnxRuntime engine" — since the model
 * server already says {@code no GPU, serving on CPU} once. Only these two messages of these two loggers are dropped.
 *
 * <p>The standalone server owns its JVM and its Logback, so it installs this filter itself ({@link #install}). The
 * library never touches its host's logging; an application that wants the same quiet adds
 * {@code <turboFilter class="io.servingkit.undertow.CudaNoiseFilter"/>} to its own {@code logback.xml}.
 *
 * <p>Threading: stateless; Logback calls it from any thread.
 */
public final class CudaNoiseFilter extends TurboFilter {

  /** Creates the filter; Logback's configurator calls this. */
  public CudaNoiseFilter() {}

  /** Adds the filter to Logback when SLF4J is bound to it (the launcher's case); otherwise does nothing. */
  static void install() {
    ILoggerFactory factory = LoggerFactory.getILoggerFactory();
    if (factory instanceof LoggerContext context) {
      CudaNoiseFilter filter = new CudaNoiseFilter();
      filter.setContext(context);
      filter.start();
      context.addTurboFilter(filter);
    }
  }

  @Override
  public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
    if (level != Level.WARN || format == null || logger == null) {
      return FilterReply.NEUTRAL;
    }
    String name = logger.getName();
    if (name.equals("ai.djl.util.cuda.CudaUtils") && format.startsWith("Failed to detect GPU count")) {
      return FilterReply.DENY;
    }
    if (name.equals("ai.djl.onnxruntime.engine.OrtEngine") && format.startsWith("CUDA is not supported")) {
      return FilterReply.DENY;
    }
    return FilterReply.NEUTRAL;
  }
}
