/**
 * Model loading (internal): from a registered spec to loaded model copies, one per device.
 *
 * <p>{@link io.servingkit.internal.loading.ModelLoader} merges serving.properties and server defaults under the
 * spec, detects the engine ({@link io.servingkit.internal.loading.EngineDetector}), picks the mode, checks memory
 * ({@link io.servingkit.internal.loading.MemoryProbe}) and loads a copy on each device of {@code load_on_devices}
 * ({@link io.servingkit.internal.loading.Devices}). {@link io.servingkit.internal.loading.DefaultModelContext} is
 * the {@link io.servingkit.spi.ModelContext} modes receive, with the one DJL loading path every DJL-based mode
 * shares (and {@code TensorFlowNatives}, which makes TensorFlow's native libraries visible to DJL before it).
 *
 * <p>Used by serving-core only (the public face and the Java mode room); not part of the API.
 */
package io.servingkit.internal.loading;
