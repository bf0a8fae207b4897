package io.servingkit.servlet;

import io.servingkit.InvalidSpecException;
import io.servingkit.ServingConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * Collects a web application's configuration sources and hands them to {@link ServingConfig}, which checks
 * them and decides the precedence: DJL Serving's {@code config.properties} keys from a file in the WAR
 * ({@code /WEB-INF/config.properties}, or the file named by the context init-parameter
 * {@value #CONFIG_FILE_PARAM}), under context init-parameters named {@code servingkit.<key>}; the model store
 * defaults to {@code /WEB-INF/models} when the WAR has that folder. A path or model URL that starts with
 * {@code /WEB-INF/} (or {@code file:/WEB-INF/}) names something inside the web application.
 *
 * <p>Threading: stateless.
 */
final class WebAppConfig {

  /** Context init-parameter naming the properties file: {@code /WEB-INF/...} or a file-system path. */
  static final String CONFIG_FILE_PARAM = ServingConfig.PREFIX + "config_file";

  static final String DEFAULT_CONFIG_FILE = "/WEB-INF/config.properties";
  static final String DEFAULT_MODEL_STORE = "/WEB-INF/models";
  static final String WEB_INF = "/WEB-INF/";

  private WebAppConfig() {}

  /**
   * Reads the configuration of a web application.
   *
   * @param files reads web-application resources
   * @param initParameters the servlet context's init-parameters
   * @throws InvalidSpecException when the properties file cannot be read, or a setting is unknown or malformed
   */
  static ServingConfig read(WarFiles files, Map<String, String> initParameters) {
    String named = initParameters.get(CONFIG_FILE_PARAM);
    String file = named != null ? named.strip() : DEFAULT_CONFIG_FILE;
    Map<String, String> located = new HashMap<>(); // a folder of an unexpanded WAR is copied out once
    ServingConfig.Builder b =
        ServingConfig.builder()
            .host(ServingConfig.Scope.SERVLET)
            .locations(text -> located.computeIfAbsent(text, t -> locate(files, t)))
            .properties(loadProperties(files, file, named != null), file)
            .initParameters(initParameters);
    if (files.isFolder(DEFAULT_MODEL_STORE)) {
      b.hostDefault(ServingConfig.MODEL_STORE.key(), DEFAULT_MODEL_STORE, "the web application's " + DEFAULT_MODEL_STORE);
    }
    return b.build();
  }

  /** Where the listener maps the servlet, or null when the application maps it itself ({@code none}). */
  static String urlPattern(ServingConfig config) {
    String pattern = config.get(ServingConfig.URL_PATTERN);
    return pattern.equals("none") ? null : pattern;
  }

  /** A path or URL inside the web application as a local {@code file:} URL; anything else as written. */
  private static String locate(WarFiles files, String text) {
    String inWar = text.startsWith("file:" + WEB_INF) ? text.substring("file:".length()) : text;
    if (!inWar.startsWith(WEB_INF)) {
      return text;
    }
    Path local = files.isFolder(inWar) ? files.folder(inWar) : files.file(inWar);
    if (local == null) {
      throw new IllegalArgumentException(inWar + " does not exist in the web application");
    }
    return local.toUri().toString();
  }

  private static Map<String, String> loadProperties(WarFiles files, String file, boolean required) {
    Properties props = new Properties();
    try (InputStream in = files.open(file)) {
      if (in == null) {
        if (required) {
          throw new InvalidSpecException("the ServingKit configuration file " + file + " does not exist");
        }
        return Map.of();
      }
      try (Reader reader = new InputStreamReader(in, StandardCharsets.UTF_8)) {
        props.load(reader);
      }
    } catch (IOException | IllegalArgumentException e) {
      throw new InvalidSpecException("cannot read the ServingKit configuration file " + file + ": " + e.getMessage(), e);
    }
    Map<String, String> map = new LinkedHashMap<>();
    props.stringPropertyNames().forEach(k -> map.put(k, props.getProperty(k)));
    return map;
  }
}
