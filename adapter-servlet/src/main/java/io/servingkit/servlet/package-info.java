/**
 * ServingKit in any Jakarta Servlet 6 container.
 *
 * <p>{@link io.servingkit.servlet.ServingServlet} serves the REST API of a
 * {@link io.servingkit.api.ServingApi} asynchronously; {@link io.servingkit.servlet.ServingContextListener}
 * runs a {@link io.servingkit.ModelServer} for a web application from its configuration (a WAR that carries
 * its models) and stops it, with every thread and process it started, when the application is undeployed.
 * Everything else in this package is internal.
 */
package io.servingkit.servlet;
