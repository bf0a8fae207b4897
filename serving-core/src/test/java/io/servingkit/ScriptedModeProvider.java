package io.servingkit;

import ai.djl.Device;
import ai.djl.modality.Input;
import ai.djl.modality.Output;
import io.servingkit.spi.LoadedModel;
import io.servingkit.spi.ModeProvider;
import io.servingkit.spi.ModelContext;
import io.servingkit.spi.ModelWorker;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real mode whose workers run a script given by the test: they echo every input's "data" with the worker id,
 * unless the script says otherwise. It serves models whose spec sets {@code scripted=true}.
 */
class ScriptedModeProvider implements ModeProvider {

  /** What a worker does with a batch. */
  interface Script {
    List<Output> run(int workerId, List<Input> batch) throws Exception;
  }

  final ConcurrentLinkedQueue<List<String>> batches = new ConcurrentLinkedQueue<>();
  final AtomicInteger workersCreated = new AtomicInteger();
  final AtomicInteger workersClosed = new AtomicInteger();
  final AtomicInteger modelsClosed = new AtomicInteger();
  volatile Script script = ScriptedModeProvider::echo;
  volatile RuntimeException failNewWorker;
  /** When set, a new worker's start waits (up to 10 s) until it is counted down. */
  volatile java.util.concurrent.CountDownLatch holdNewWorker;

  static List<Output> echo(int workerId, List<Input> batch) {
    List<Output> outputs = new ArrayList<>();
    for (Input in : batch) {
      Output out = new Output();
      out.add(in.getData().getAsString());
      out.addProperty("worker", Integer.toString(workerId));
      outputs.add(out);
    }
    return outputs;
  }

  static Input input(String text) {
    Input input = new Input();
    input.add(text);
    return input;
  }

  @Override
  public String name() {
    return "scripted";
  }

  @Override
  public int priority() {
    return 100;
  }

  @Override
  public boolean supports(ModelContext context) {
    return context.spec().getBoolean("scripted", false);
  }

  @Override
  public LoadedModel load(ModelContext context, Device device) {
    return new LoadedModel() {
      @Override
      public ModelWorker newWorker(int workerId) {
        RuntimeException fail = failNewWorker;
        if (fail != null) {
          throw fail;
        }
        java.util.concurrent.CountDownLatch hold = holdNewWorker;
        if (hold != null) {
          try {
            hold.await(10, java.util.concurrent.TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
        workersCreated.incrementAndGet();
        return new ModelWorker() {
          @Override
          public List<Output> predict(List<Input> batch) throws Exception {
            List<String> texts = new ArrayList<>();
            for (Input in : batch) {
              texts.add(in.getData().getAsString());
            }
            batches.add(texts);
            return script.run(workerId, batch);
          }

          @Override
          public void close() {
            workersClosed.incrementAndGet();
          }
        };
      }

      @Override
      public void close() {
        modelsClosed.incrementAndGet();
      }
    };
  }
}
