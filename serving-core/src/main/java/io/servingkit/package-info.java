/**
 * ServingKit's public face: what an application embedding the server uses.
 *
 * <p>{@link io.servingkit.ModelServer} (built with {@link io.servingkit.ModelServer#builder()}) registers models
 * described by {@link io.servingkit.ModelSpec}s and runs predictions on them; {@link io.servingkit.TypedModel} is
 * a model registered with its own translator and types; {@link io.servingkit.ModelDescription} and
 * {@link io.servingkit.ModelStatus} say what a model is doing; {@link io.servingkit.ServingListener} receives
 * serving events; every failure is a {@link io.servingkit.ServingException}.
 *
 * <p>The transport-neutral REST API is in {@link io.servingkit.api}, the mode SPI in {@link io.servingkit.spi}.
 * Everything under {@code io.servingkit.internal} is serving-core's own and may change in any release: no other
 * module or application may use it (serving-core/README.md, "Rooms", says how the build enforces that). Types in
 * this package that are not public (the scheduler, until it moves into its own room) are internal too.
 */
package io.servingkit;
