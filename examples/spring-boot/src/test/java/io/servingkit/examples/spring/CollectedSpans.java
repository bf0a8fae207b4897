package io.servingkit.examples.spring;

import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * A second span exporter for the test, next to the application's logging one: keeps every span the OpenTelemetry
 * SDK exports, so that the test can read the traces that Spring Boot's tracing auto-configuration produced.
 */
@Configuration(proxyBeanMethods = false)
class CollectedSpans {

  /** The exporter, as a bean: Spring Boot feeds every SpanExporter bean from its batch span processor. */
  @Bean
  Exporter collectedSpanExporter() {
    return new Exporter();
  }

  /** Keeps exported spans in memory. Threading: safe for concurrent use. */
  static final class Exporter implements SpanExporter {
    private final List<SpanData> spans = new CopyOnWriteArrayList<>();

    /** The spans exported so far, in export order. */
    List<SpanData> spans() {
      return List.copyOf(spans);
    }

    @Override
    public CompletableResultCode export(Collection<SpanData> batch) {
      spans.addAll(batch);
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode flush() {
      return CompletableResultCode.ofSuccess();
    }

    @Override
    public CompletableResultCode shutdown() {
      return CompletableResultCode.ofSuccess();
    }
  }
}
