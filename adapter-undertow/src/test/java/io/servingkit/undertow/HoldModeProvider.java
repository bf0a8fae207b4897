package io.servingkit.undertow;

import ai.djl.Device;
import ai.djl.modality.Input;
import ai.djl.modality.Output;
import io.servingkit.spi.LoadedModel;
import io.servingkit.spi.ModeProvider;
import io.servingkit.spi.ModelContext;
import io.servingkit.spi.ModelWorker;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real mode for tests that run the server in another process: it serves models whose serving.properties set
 * {@code hold.dir}. Each job writes {@code entered-N} into that folder, then waits (watching the folder, at
 * most 60 s) until the test creates {@code release} there, and answers {@code released:<body>}. With
 * {@code hold.load} set, loading the model writes {@code loading} and waits for {@code release} the same way; with
 * {@code hold.error} set, loading throws a {@link NoClassDefFoundError} naming it (an Error, not an exception). Registered
 * through META-INF/services in the test classes, so a server started on the test class path finds it.
 */
public final class HoldModeProvider implements ModeProvider {

  private static final AtomicInteger JOBS = new AtomicInteger();

  @Override
  public String name() {
    return "hold";
  }

  @Override
  public int priority() {
    return 1_000_000;
  }

  @Override
  public boolean supports(ModelContext context) {
    return context.spec().property("hold.dir").isPresent();
  }

  @Override
  public LoadedModel load(ModelContext context, Device device) {
    Path dir = Path.of(context.spec().property("hold.dir").orElseThrow());
    if (context.spec().property("hold.error").isPresent()) {
      throw new NoClassDefFoundError("hold.error: " + context.spec().property("hold.error").orElseThrow());
    }
    if (context.spec().property("hold.load").isPresent()) {
      // the load itself is held: a registration that does not return until the test releases it
      try {
        Files.writeString(dir.resolve("loading"), "");
        awaitRelease(dir);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while the load was held", e);
      }
    }
    return new LoadedModel() {
      @Override
      public ModelWorker newWorker(int workerId) {
        return new ModelWorker() {
          @Override
          public List<Output> predict(List<Input> batch) throws Exception {
            List<Output> outputs = new ArrayList<>();
            for (Input input : batch) {
              Files.writeString(dir.resolve("entered-" + JOBS.incrementAndGet()), "");
              awaitRelease(dir);
              Output out = new Output();
              out.add("released:" + input.getData().getAsString());
              outputs.add(out);
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

  private static void awaitRelease(Path dir) throws IOException, InterruptedException {
    Path release = dir.resolve("release");
    try (WatchService watch = FileSystems.getDefault().newWatchService()) {
      dir.register(watch, StandardWatchEventKinds.ENTRY_CREATE);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (!Files.exists(release)) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new IllegalStateException("release file never appeared in " + dir);
        }
        var key = watch.poll(left, TimeUnit.NANOSECONDS);
        if (key != null) {
          key.pollEvents();
          key.reset();
        }
      }
    }
  }
}
