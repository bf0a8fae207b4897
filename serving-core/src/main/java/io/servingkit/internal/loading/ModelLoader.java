package io.servingkit.internal.loading;

import ai.djl.Device;
import io.servingkit.ModelLoadException;
import io.servingkit.ModelSourceException;
import io.servingkit.ModelSpec;
import io.servingkit.NotEnoughMemoryException;
import io.servingkit.RegistrationPolicy;
import io.servingkit.ServingException;
import io.servingkit.internal.source.ModelArchives;
import io.servingkit.spi.LoadedModel;
import io.servingkit.spi.ModeProvider;
import io.servingkit.spi.ModelContext;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Turns a registered spec into loaded model copies: resolves the URL to a folder, merges serving.properties and
 * server defaults under the spec, detects the engine, picks the mode, checks memory, loads one copy per device.
 *
 * <p>Threading: immutable; {@link #load} may run concurrently for different models.
 */
public final class ModelLoader {
  private final ModelArchives archives;
  private final List<ModeProvider> providers;
  private final Map<String, String> defaults;
  private final Path workDir;
  private final int gpuCount;
  private final int defaultCpuMaxWorkers;
  private final MemoryProbe memory;

  /**
   * @param archives resolves model URLs to local folders
   * @param providers the modes, highest priority first
   * @param defaults server-wide model properties, under each model's own
   * @param workDir the server's private scratch folder
   * @param gpuCount GPUs that {@code load_on_devices=*} spreads over
   * @param defaultCpuMaxWorkers {@code maxWorkers} of a CPU copy whose spec does not set it
   * @param memory the probe that {@code required_memory_mb} is checked against
   */
  public ModelLoader(
      ModelArchives archives,
      List<ModeProvider> providers,
      Map<String, String> defaults,
      Path workDir,
      int gpuCount,
      int defaultCpuMaxWorkers,
      MemoryProbe memory) {
    this.archives = archives;
    this.providers = List.copyOf(providers);
    this.defaults = Map.copyOf(defaults);
    this.workDir = workDir;
    this.gpuCount = gpuCount;
    this.defaultCpuMaxWorkers = defaultCpuMaxWorkers;
    this.memory = memory;
  }

  /**
   * What loading produced: the resolved spec, the engine, the mode and one copy per device, and {@code release},
   * which removes what the load extracted or downloaded (unless another registration still uses it) and the model's
   * work folder; run it once the workers are closed.
   */
  public record Loaded(ModelSpec spec, Path dir, String engine, String mode, List<Copy> copies, Runnable release) {}

  /** One loaded copy of a model on a device, with the worker bounds its spec gives for that device. */
  public record Copy(Device device, LoadedModel loaded, int minWorkers, int maxWorkers) {}

  /** Loads as {@link #load(ModelSpec, ModeProvider, RegistrationPolicy)} with everything trusted. */
  public Loaded load(ModelSpec spec, ModeProvider forced) {
    return load(spec, forced, RegistrationPolicy.trusted());
  }

  /**
   * Loads with {@code forced} as the mode when given, else with the first provider that supports the model; what
   * is fetched and run is bounded by {@code policy}.
   *
   * @throws ServingException when the folder, the policy, the mode, the memory check or a copy fails; copies already
   *     loaded are closed and nothing extracted is kept
   */
  public Loaded load(ModelSpec spec, ModeProvider forced, RegistrationPolicy policy) {
    Path modelWork = inside(workDir, spec.name() + spec.version().map(v -> "-" + v).orElse(""));
    List<String> held = new ArrayList<>();
    Runnable release =
        () -> {
          archives.release(held);
          deleteQuietly(modelWork);
        };
    try {
      Path dir = archives.resolve(spec.url(), policy, held);
      return load(spec, forced, policy, dir, modelWork, release);
    } catch (RuntimeException e) {
      release.run();
      throw e;
    }
  }

  private Loaded load(
      ModelSpec spec, ModeProvider forced, RegistrationPolicy policy, Path dir, Path modelWork, Runnable release) {
    ModelSpec own = spec.withDefaults(ModelSpec.readProperties(dir.resolve("serving.properties")));
    policy.checkCode(dir, own.properties());
    ModelSpec resolved = own.withDefaults(defaults);
    String engine = resolved.engine().orElseGet(() -> EngineDetector.detect(dir, resolved));
    ModelSpec withEngine = resolved.with("engine", engine);
    ModelContext context = new DefaultModelContext(withEngine, dir, engine, modelWork);
    ModeProvider provider = forced != null ? forced : select(context);
    List<Device> devices = Devices.parse(withEngine.loadOnDevices(), gpuCount);
    List<Copy> copies = new ArrayList<>();
    try {
      for (Device device : devices) {
        checkMemory(withEngine, device);
        LoadedModel loaded;
        try {
          loaded = provider.load(context, device);
        } catch (ServingException e) {
          throw e;
        } catch (Exception e) {
          throw new ModelLoadException("Failed to load model " + spec.name() + ": " + e.getMessage(), e);
        }
        boolean gpu = device.isGpu();
        int min = withEngine.minWorkers(gpu).orElse(1);
        int max = withEngine.maxWorkers(gpu).orElse(Math.max(min, gpu ? 1 : defaultCpuMaxWorkers));
        copies.add(new Copy(device, loaded, min, max));
      }
    } catch (RuntimeException e) {
      copies.forEach(c -> c.loaded().close());
      throw e;
    }
    return new Loaded(withEngine, dir, engine, provider.name(), copies, release);
  }

  private ModeProvider select(ModelContext context) {
    for (ModeProvider provider : providers) {
      if (provider.supports(context)) {
        return provider;
      }
    }
    throw new ModelLoadException(
        "No operation mode serves engine " + context.engine() + " for model " + context.spec().name()
            + " (is the serving-python or serving-binary module on the class path?)");
  }

  private void checkMemory(ModelSpec spec, Device device) {
    boolean gpu = device.isGpu();
    long required = spec.requiredMemoryMb(gpu);
    long reserved = spec.reservedMemoryMb(gpu);
    if (required == 0) {
      return;
    }
    long available = memory.availableMb(device);
    if (available - required < reserved) {
      throw new NotEnoughMemoryException(
          "Not enough memory to load model "
              + spec.name()
              + " on "
              + Devices.name(device)
              + ": required_memory_mb="
              + required
              + ", reserved_memory_mb="
              + reserved
              + ", available "
              + available
              + " MB");
    }
  }

  private static void deleteQuietly(Path folder) {
    try {
      Folders.deleteTree(folder);
    } catch (IOException | RuntimeException e) {
      // a work folder left behind is harmless: the server's own work folder is removed on close
    }
  }

  /** {@code folder/name}, refused unless it stays inside {@code folder} (names are checked by ModelSpec too). */
  static Path inside(Path folder, String name) {
    Path base = folder.toAbsolutePath().normalize();
    Path child = base.resolve(name).normalize();
    if (!child.startsWith(base) || child.equals(base)) {
      throw new ModelSourceException("'" + name + "' would leave the folder " + base);
    }
    return child;
  }
}
