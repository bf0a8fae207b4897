package io.servingkit.internal.javamode;

import ai.djl.Model;
import ai.djl.modality.Input;
import ai.djl.modality.Output;
import ai.djl.ndarray.NDList;
import ai.djl.translate.Batchifier;
import ai.djl.translate.TranslateException;
import ai.djl.translate.Translator;
import ai.djl.translate.TranslatorContext;
import ai.djl.translate.TranslatorFactory;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A translator made by a {@link TranslatorFactory} once the model it needs is loaded.
 *
 * <p>DJL factories build their translator from the loaded {@link Model} (to read {@code synset.txt}, for example),
 * but {@link io.servingkit.spi.ModelContext#loadDjlModel} takes a translator. This class stands in for the
 * factory's translator during the load; {@link #bind} then asks the factory for the real one, and every call is
 * forwarded to it (through {@link HuggingFaceInputCheck} for DJL's Hugging Face NLP factories).
 *
 * <p>Threading: {@link #bind} may race with {@link #prepare} from several predictors; the first one builds the
 * translator under a lock and the rest reuse it.
 */
final class FactoryTranslator implements Translator<Input, Output> {

  private final TranslatorFactory factory;
  private final Map<String, ?> arguments;
  private final ReentrantLock lock = new ReentrantLock();
  private volatile Translator<Input, Output> delegate;

  FactoryTranslator(TranslatorFactory factory, Map<String, ?> arguments) {
    this.factory = factory;
    this.arguments = arguments;
  }

  /** Builds the factory's translator for {@code model} unless done already. */
  void bind(Model model) throws TranslateException {
    if (delegate != null) {
      return;
    }
    lock.lock();
    try {
      if (delegate == null) {
        Translator<Input, Output> made = factory.newInstance(Input.class, Output.class, model, arguments);
        delegate = HuggingFaceInputCheck.wrap(factoryName(), made);
      }
    } finally {
      lock.unlock();
    }
  }

  /** The factory's class name. */
  String factoryName() {
    return factory.getClass().getName();
  }

  private Translator<Input, Output> delegate() {
    Translator<Input, Output> d = delegate;
    if (d == null) {
      throw new IllegalStateException("translator of " + factoryName() + " used before the model was loaded");
    }
    return d;
  }

  @Override
  public void prepare(TranslatorContext ctx) throws Exception {
    bind(ctx.getModel());
    delegate().prepare(ctx);
  }

  @Override
  public Batchifier getBatchifier() {
    return delegate().getBatchifier();
  }

  @Override
  public NDList processInput(TranslatorContext ctx, Input input) throws Exception {
    return delegate().processInput(ctx, input);
  }

  @Override
  public Output processOutput(TranslatorContext ctx, NDList list) throws Exception {
    return delegate().processOutput(ctx, list);
  }

  @Override
  public NDList batchProcessInput(TranslatorContext ctx, List<Input> inputs) throws Exception {
    return delegate().batchProcessInput(ctx, inputs);
  }

  @Override
  public List<Output> batchProcessOutput(TranslatorContext ctx, NDList list) throws Exception {
    return delegate().batchProcessOutput(ctx, list);
  }
}
