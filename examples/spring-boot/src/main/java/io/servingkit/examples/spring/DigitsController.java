package io.servingkit.examples.spring;

import io.servingkit.TypedModel;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * The application's own endpoint: {@code POST /digits} with an image answers {@code {"digit":3,"probability":...}}
 * from the typed model, without holding a Tomcat thread while the job waits (Spring MVC completes the
 * {@link CompletableFuture}).
 */
@RestController
public class DigitsController {
  private static final Logger LOG = LoggerFactory.getLogger(DigitsController.class);

  private final TypedModel<byte[], Digit> reader;

  /** Created by Spring. */
  public DigitsController(TypedModel<byte[], Digit> reader) {
    this.reader = reader;
  }

  /** Reads the digit in an image. */
  @PostMapping(path = "/digits")
  public CompletableFuture<Digit> read(@RequestBody byte[] image) {
    LOG.info("reading a {}-byte image", image.length);
    return reader.predict(image);
  }
}
