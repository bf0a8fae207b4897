/**
 * DJL Serving's REST API, independent of any HTTP library.
 *
 * <p>{@link io.servingkit.api.ServingApi} answers {@link io.servingkit.api.ApiRequest}s with
 * {@link io.servingkit.api.ApiResponse}s over a {@link io.servingkit.ModelServer}; an adapter (Undertow,
 * servlet) copies method, path, headers and body in, and status, headers and body out, without blocking its
 * IO threads. {@link io.servingkit.api.ApiConfig} chooses the endpoint groups, the largest accepted body and
 * the CORS headers.
 */
package io.servingkit.api;
