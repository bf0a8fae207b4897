package io.servingkit.examples.spring;

import io.servingkit.ModelServer;
import io.servingkit.ModelSpec;
import io.opentelemetry.exporter.logging.LoggingSpanExporter;
import io.servingkit.TypedModel;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;

/**
 * A Spring Boot application that serves the digits classifier two ways: the ServingKit REST API under
 * {@code /serving} (from {@code servingkit.*} in application.yml), and its own controller ({@link
 * DigitsController}) calling a typed model registered here on the same {@link ModelServer}. With Micrometer Tracing
 * over OpenTelemetry on the class path, every request is a trace whose server span has ServingKit's
 * {@code servingkit.queue} and {@code servingkit.inference} spans as children; this application writes finished
 * spans to its log.
 *
 * <p>Run: see examples/spring-boot/README.md.
 */
@SpringBootApplication
public class DigitsApplication {

  /** Starts the application. */
  public static void main(String[] args) {
    SpringApplication.run(DigitsApplication.class, args);
  }

  /** Writes every finished span to the log (through java.util.logging, which Spring Boot routes to Logback). */
  @Bean
  LoggingSpanExporter spanLog() {
    return LoggingSpanExporter.create();
  }

  /** The model files of {@code classpath:models/digits/}, registered again with a typed translator. */
  @Bean
  TypedModel<byte[], Digit> digitReader(ModelServer server) {
    return server.register(
        ModelSpec.parse("digit_reader=classpath:models/digits/"), byte[].class, Digit.class, new DigitTranslator());
  }
}
