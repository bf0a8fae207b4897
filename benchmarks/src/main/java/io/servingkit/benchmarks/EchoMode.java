package io.servingkit.benchmarks;

import ai.djl.Device;
import ai.djl.modality.Input;
import ai.djl.modality.Output;
import io.servingkit.spi.LoadedModel;
import io.servingkit.spi.ModeProvider;
import io.servingkit.spi.ModelContext;
import io.servingkit.spi.ModelWorker;
import java.util.ArrayList;
import java.util.List;

/** A mode whose workers answer each input with its own data: measures the scheduler without a model. */
public final class EchoMode implements ModeProvider {
  @Override
  public String name() {
    return "echo";
  }

  @Override
  public int priority() {
    return 100;
  }

  @Override
  public boolean supports(ModelContext context) {
    return context.spec().getBoolean("echo", false);
  }

  @Override
  public LoadedModel load(ModelContext context, Device device) {
    return new LoadedModel() {
      @Override
      public ModelWorker newWorker(int workerId) {
        return new ModelWorker() {
          @Override
          public List<Output> predict(List<Input> batch) {
            List<Output> out = new ArrayList<>(batch.size());
            for (Input in : batch) {
              Output o = new Output();
              o.add(in.getData());
              out.add(o);
            }
            return out;
          }

          @Override
          public void close() {}
        };
      }

      @Override
      public void close() {}
    };
  }
}
