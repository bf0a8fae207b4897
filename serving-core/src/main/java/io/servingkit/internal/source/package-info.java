/**
 * Model sources (internal): from a model URL to a local model folder.
 *
 * <p>{@link io.servingkit.internal.source.ModelArchives} resolves {@code file:}, {@code http(s):}, {@code jar:} and
 * {@code classpath:} URLs and plain paths: it downloads ({@code ModelDownloader}, capped by size and time),
 * extracts archives ({@code .zip}, {@code .mar}, {@code .tar.gz}, {@code .tgz}, {@code .tar}, {@code .gz}) safely
 * into a cache keyed by content ({@code ExtractionCache}, {@code ExtractionTarget}) and unpacks models inside jars
 * ({@code JarModels}). {@link io.servingkit.internal.source.ModelStore} scans a model store folder into specs.
 *
 * <p>Used by serving-core only (the public face and the loading room); not part of the API.
 */
package io.servingkit.internal.source;
