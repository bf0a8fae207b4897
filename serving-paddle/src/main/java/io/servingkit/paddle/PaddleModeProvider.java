package io.servingkit.paddle;

import ai.djl.Device;
import io.servingkit.spi.LoadedModel;
import io.servingkit.spi.ModeProvider;
import io.servingkit.spi.ModelContext;

/**
 * Serves PaddlePaddle models ({@code engine=PaddlePaddle}, or a folder with {@code inference.pdmodel} /
 * {@code <prefix>.pdmodel}): the model runs in a worker JVM on DJL 0.27's PaddlePaddle engine, the translator runs
 * here, and only tensors cross between the two.
 *
 * <p>The model is loaded through the core's one DJL loading path with the translator the Java mode picks (a
 * {@code translatorFactory}, {@code translator}, a translator in {@code libs/}, {@code application}, or else
 * tensors in, tensors out with {@code batchifier=stack} for {@code batch_size > 1}): DJL finds the
 * {@code PaddlePaddle} engine this module registers ({@link PaddleEngineProvider}). What this provider adds is the
 * routing: priority 5, above the Java mode (0), so that a PaddlePaddle model lands here whatever else is on the
 * class path.
 *
 * <p>Threading: stateless; {@link #supports} and {@link #load} may run concurrently for different models.
 */
public final class PaddleModeProvider implements ModeProvider {

  private final ModeProvider javaMode = ModeProvider.javaMode();

  /** Creates the provider; called by {@link java.util.ServiceLoader}. */
  public PaddleModeProvider() {}

  @Override
  public String name() {
    return "paddle";
  }

  @Override
  public int priority() {
    return 5;
  }

  @Override
  public boolean supports(ModelContext context) {
    return context.engine().equals(PaddleEngine.ENGINE_NAME);
  }

  /**
   * Starts the model's worker JVM and waits until it has loaded the model.
   *
   * @throws io.servingkit.ModelLoadException when the folder holds no PaddlePaddle model, the worker cannot start
   *     or Paddle cannot load the model (with the worker's last output), or the translator cannot be made
   * @throws io.servingkit.InvalidSpecException for a malformed option (e.g. {@code option.CMLNumThreads=x})
   */
  @Override
  public LoadedModel load(ModelContext context, Device device) throws Exception {
    return javaMode.load(context, device);
  }
}
