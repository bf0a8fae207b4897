package io.servingkit.servlet;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;

/**
 * Files of the web application, named by paths that start with {@code /WEB-INF/}, and of the file system,
 * named by any other path.
 */
interface WarFiles extends AutoCloseable {

  /** Opens a web-application resource or a file; null when it does not exist. */
  InputStream open(String path) throws IOException;

  /** Whether a web-application folder exists. */
  boolean isFolder(String warPath);

  /**
   * A web-application folder on the local file system: the folder itself when the WAR was expanded, else a
   * copy made for the application's lifetime.
   */
  Path folder(String warPath);

  /** A web-application file on the local file system (a copy when the WAR was not expanded), or null. */
  Path file(String warPath);

  /** Removes the copies made. */
  @Override
  void close();
}
