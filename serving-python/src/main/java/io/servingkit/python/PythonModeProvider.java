package io.servingkit.python;

import ai.djl.Device;
import io.servingkit.spi.LoadedModel;
import io.servingkit.spi.ModeProvider;
import io.servingkit.spi.ModelContext;

/**
 * The Python mode: serves models whose engine is {@code Python} by running their DJL-style handler
 * ({@code model.py} with {@code handle(inputs)}, or {@code option.entryPoint} / {@code option.handler}) in one
 * Python process per worker. The processes import {@code djl_python} from a package this module ships, so
 * DJL Serving handlers run unchanged.
 *
 * <p>Loading a model prepares its interpreter once: with {@code option.enable_venv=true} a virtual environment
 * in the server's work folder, and the model's {@code requirements.txt} installed with pip (wheels from its
 * {@code requirements/} or {@code local_wheels/} folder; pip gets {@code --no-index} when the system property
 * {@code ai.djl.offline} is true). Each worker then starts {@code option.pythonExecutable} (default
 * {@code python3}) in the model folder, connects it over a Unix domain socket in the work folder and sends the
 * initialisation call, bounded by {@code option.model_loading_timeout}. See the module's README for the
 * protocol, timeouts and failure mapping.
 *
 * <p>Threading: stateless; {@link #supports} and {@link #load} may run concurrently for different models.
 */
public final class PythonModeProvider implements ModeProvider {

  /** Creates the provider; used by {@link java.util.ServiceLoader}. */
  public PythonModeProvider() {}

  /** {@code python}. */
  @Override
  public String name() {
    return "python";
  }

  /** 20: asked before the Java mode (0). */
  @Override
  public int priority() {
    return 20;
  }

  /** True when the model's engine is {@code Python}. */
  @Override
  public boolean supports(ModelContext context) {
    return "Python".equals(context.engine());
  }

  /**
   * Prepares the model for {@code device}; workers start with {@link LoadedModel#newWorker}.
   *
   * @throws io.servingkit.InvalidSpecException when a Python option is malformed
   * @throws io.servingkit.ModelLoadException when there is no entry point or the environment setup fails
   */
  @Override
  public LoadedModel load(ModelContext context, Device device) {
    PythonOptions options = PythonOptions.of(context.spec(), context.modelDir());
    return PythonModel.load(context, device, options, Boolean.getBoolean("ai.djl.offline"));
  }
}
