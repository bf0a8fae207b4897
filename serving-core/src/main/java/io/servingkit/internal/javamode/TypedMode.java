package io.servingkit.internal.javamode;

import ai.djl.Device;
import ai.djl.inference.Predictor;
import ai.djl.modality.Input;
import ai.djl.modality.Output;
import ai.djl.repository.zoo.ZooModel;
import ai.djl.translate.TranslateException;
import ai.djl.translate.Translator;
import io.servingkit.BadInputException;
import io.servingkit.TypedModel;
import io.servingkit.internal.loading.DefaultModelContext;
import io.servingkit.spi.LoadedModel;
import io.servingkit.spi.ModeProvider;
import io.servingkit.spi.ModelContext;
import io.servingkit.spi.ModelWorker;
import java.util.List;

/**
 * The mode of a {@link TypedModel}: the caller's own DJL translator on the model folder. Its workers receive the
 * caller's input objects through the pool's erased job lists and return the translator's outputs the same way.
 */
public final class TypedMode<I, O> implements ModeProvider {
  private final Class<I> inputType;
  private final Class<O> outputType;
  private final Translator<I, O> translator;

  /** A mode that loads one model with {@code translator} for these types, whatever its folder says. */
  public TypedMode(Class<I> inputType, Class<O> outputType, Translator<I, O> translator) {
    this.inputType = inputType;
    this.outputType = outputType;
    this.translator = translator;
  }

  @Override
  public String name() {
    return "typed";
  }

  @Override
  public int priority() {
    return Integer.MAX_VALUE;
  }

  @Override
  public boolean supports(ModelContext context) {
    return true;
  }

  @Override
  public LoadedModel load(ModelContext context, Device device) {
    ZooModel<I, O> model =
        ((DefaultModelContext) context).loadDjlModel(inputType, outputType, translator, device);
    return new LoadedModel() {
      @Override
      public ModelWorker newWorker(int workerId) {
        return new TypedWorker(model.newPredictor());
      }

      @Override
      public void close() {
        model.close();
      }
    };
  }

  /** Runs batches of the caller's objects through one DJL predictor. */
  private final class TypedWorker implements ModelWorker {
    private final Predictor<I, O> predictor;

    TypedWorker(Predictor<I, O> predictor) {
      this.predictor = predictor;
    }

    @Override
    @SuppressWarnings("unchecked")
    public List<Output> predict(List<Input> batch) {
      List<I> inputs = (List<I>) (List<?>) batch;
      try {
        List<O> outputs = inputs.size() == 1 ? List.of(predictor.predict(inputs.get(0))) : predictor.batchPredict(inputs);
        return (List<Output>) (List<?>) outputs;
      } catch (TranslateException e) {
        throw new BadInputException(DefaultModelContext.rootMessage(e), e);
      }
    }

    @Override
    public void close() {
      predictor.close();
    }
  }
}
