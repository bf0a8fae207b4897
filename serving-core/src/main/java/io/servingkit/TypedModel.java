package io.servingkit;

import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * A model registered with the caller's own DJL translator, taking {@code I} and answering {@code O} through the
 * same bounded queue, dynamic batching and worker pool as every other model. Obtain one from
 * {@link ModelServer#register(ModelSpec, Class, Class, ai.djl.translate.Translator)}.
 *
 * <p>Threading: safe to use from any thread; {@link #predict} may run a quick job on the calling thread before it
 * returns, exactly as {@link ModelServer#predict(String, String, ai.djl.modality.Input)} does; {@link
 * #predictAndWait} waits for the same path.
 *
 * @param <I> the translator's input type
 * @param <O> the translator's output type
 */
public final class TypedModel<I, O> {
  private final ModelServer server;
  private final String name;
  private final String version;
  private final Class<I> inputType;

  TypedModel(ModelServer server, String name, String version, Class<I> inputType) {
    this.server = server;
    this.name = name;
    this.version = version;
    this.inputType = inputType;
  }

  /** The model name. */
  public String name() {
    return name;
  }

  /** The model version, or null. */
  public String version() {
    return version;
  }

  /**
   * Runs one input; fails on the future with a {@link ServingException} (for example {@link QueueFullException},
   * or {@link BadInputException} when the translator rejects the input).
   */
  @SuppressWarnings("unchecked")
  public CompletableFuture<O> predict(I input) {
    return (CompletableFuture<O>) submit(input);
  }

  /**
   * {@link #predict} and waits for its output.
   *
   * @throws ServingException the failure {@link #predict}'s future would carry
   */
  @SuppressWarnings("unchecked")
  public O predictAndWait(I input) {
    return (O) ModelServer.await(submit(input));
  }

  private CompletableFuture<Object> submit(I input) {
    Objects.requireNonNull(input, "input");
    if (!inputType.isInstance(input)) {
      return CompletableFuture.failedFuture(
          new BadInputException("model " + name + " takes " + inputType.getName() + " inputs, got " + input.getClass().getName()));
    }
    return server.submit(name, version, input, inputType);
  }
}
