package io.servingkit.spi;

import ai.djl.Device;
import io.servingkit.internal.javamode.JavaModeProvider;

/**
 * An operation mode: decides whether it serves a model and loads it.
 *
 * <p>Implementations are registered in {@code META-INF/services/io.servingkit.spi.ModeProvider} and must have a
 * public no-argument constructor. They hold no per-model state themselves.
 *
 * <p>Threading: {@link #supports} and {@link #load} may be called from several threads at once for different
 * models.
 */
public interface ModeProvider {

  /** Short name of the mode, e.g. {@code java}, {@code binary}, {@code python}. */
  String name();

  /** Providers with a higher priority are asked first. The core Java mode uses 0. */
  int priority();

  /** Whether this mode serves the model described by {@code context} (its engine, folder and properties). */
  boolean supports(ModelContext context);

  /**
   * Loads one copy of the model for {@code device}. Called once per device group at registration.
   *
   * @throws io.servingkit.ServingException (typically {@link io.servingkit.ModelLoadException}) on failure;
   *     other exceptions are wrapped in a {@code ModelLoadException} by the caller
   */
  LoadedModel load(ModelContext context, Device device) throws Exception;

  /**
   * The core's Java mode: loads the model with DJL {@code Criteria} and the translator its folder names (a
   * {@code translatorFactory}, {@code translator}, a translator in {@code libs/}, {@code application}, or else
   * tensors in, tensors out). A mode that only routes some models to itself and serves them as the Java mode does
   * (serving-paddle) delegates {@link #load} to it.
   *
   * @return a new stateless provider named {@code java}, priority 0
   */
  static ModeProvider javaMode() {
    return new JavaModeProvider();
  }
}
