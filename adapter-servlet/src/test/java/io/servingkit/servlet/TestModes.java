package io.servingkit.servlet;

import ai.djl.Device;
import ai.djl.inference.streaming.ChunkedBytesSupplier;
import ai.djl.modality.Input;
import ai.djl.modality.Output;
import io.servingkit.spi.LoadedModel;
import io.servingkit.spi.ModeProvider;
import io.servingkit.spi.ModelContext;
import io.servingkit.spi.ModelWorker;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * A real mode for the adapter tests, chosen by the model property {@code test_mode}:
 *
 * <ul>
 *   <li>{@code echo}: answers each input's {@code data} with its content type;
 *   <li>{@code gate}: signals {@link #arrived}, waits until the test releases {@link #gate}, then echoes;
 *   <li>{@code delay}: waits the request header {@code x-delay-ms} or the property {@code delay_ms} (the
 *       point of the race tests), then echoes;
 *   <li>{@code stream}: answers a {@link ChunkedBytesSupplier} that the test fills through {@link #streams}.
 * </ul>
 *
 * <p>Found with ServiceLoader (for listener tests); tests that drive gates and streams pass their own
 * instance to the builder, which wins over the loaded one.
 */
public final class TestModes implements ModeProvider {

  final Semaphore arrived = new Semaphore(0);
  final Semaphore gate = new Semaphore(0);
  final BlockingQueue<ChunkedBytesSupplier> streams = new LinkedBlockingQueue<>();

  /** For ServiceLoader. */
  public TestModes() {}

  @Override
  public String name() {
    return "servlet-test";
  }

  @Override
  public int priority() {
    return 1000;
  }

  @Override
  public boolean supports(ModelContext context) {
    return context.spec().property("test_mode").isPresent();
  }

  @Override
  public LoadedModel load(ModelContext context, Device device) {
    String mode = context.spec().property("test_mode").orElseThrow();
    long delayMs = context.spec().getInt("delay_ms", 0);
    return new LoadedModel() {
      @Override
      public ModelWorker newWorker(int workerId) {
        return new ModelWorker() {
          @Override
          public List<Output> predict(List<Input> batch) throws Exception {
            List<Output> outputs = new ArrayList<>();
            for (Input in : batch) {
              outputs.add(run(mode, delayMs, in));
            }
            return outputs;
          }

          @Override
          public void close() {}
        };
      }

      @Override
      public void close() {}
    };
  }

  private Output run(String mode, long delayMs, Input in) throws Exception {
    switch (mode) {
      case "echo":
        return echo(in);
      case "gate":
        arrived.release();
        if (!gate.tryAcquire(30, TimeUnit.SECONDS)) {
          throw new IllegalStateException("the test never opened the gate");
        }
        return echo(in);
      case "delay":
        Thread.sleep(Long.parseLong(in.getProperty("x-delay-ms", Long.toString(delayMs))));
        return echo(in);
      case "stream":
        ChunkedBytesSupplier chunks = new ChunkedBytesSupplier();
        Output out = new Output();
        out.addProperty("Content-Type", "text/plain");
        out.add(chunks);
        streams.add(chunks);
        return out;
      default:
        throw new IllegalArgumentException("unknown test_mode " + mode);
    }
  }

  private static Output echo(Input in) {
    Output out = new Output();
    String type = in.getProperty("content-type", "application/octet-stream");
    out.addProperty("Content-Type", type);
    out.add(in.getData() == null ? new byte[0] : in.getData().getAsBytes());
    return out;
  }
}
