/**
 * Serving events and metrics (internal).
 *
 * <p>{@link io.servingkit.internal.metrics.ListenerGuard} fans server events out to the
 * {@link io.servingkit.ServingListener}s, logging a listener that throws instead of letting it break serving;
 * {@link io.servingkit.internal.metrics.MetricsListener} is the listener that records them as Micrometer meters.
 *
 * <p>Used by serving-core only; applications receive events through {@link io.servingkit.ServingListener} and
 * meters through {@code ModelServer.meterRegistry()}.
 */
package io.servingkit.internal.metrics;
