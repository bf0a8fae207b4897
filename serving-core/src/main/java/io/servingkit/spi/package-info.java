/**
 * The service provider interface through which operation modes (Java, binary, Python) plug into ServingKit.
 *
 * <p>A mode is a {@link io.servingkit.spi.ModeProvider} found with {@link java.util.ServiceLoader}. For every
 * model the server asks the providers in descending {@link io.servingkit.spi.ModeProvider#priority()} order and
 * uses the first that {@link io.servingkit.spi.ModeProvider#supports supports} it. The provider loads one
 * {@link io.servingkit.spi.LoadedModel} per device; the server then asks it for one
 * {@link io.servingkit.spi.ModelWorker} per worker and feeds each worker batches of jobs. A mode that serves some
 * models as the core's Java mode does delegates to {@link io.servingkit.spi.ModeProvider#javaMode()}.
 */
package io.servingkit.spi;
