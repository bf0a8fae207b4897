package io.servingkit;
import java.nio.file.Path;
import java.time.Duration;
final class ModelArchives {
  ModelArchives(Path cacheDir, Duration t, long max) {}
  Path resolve(String url) { return Path.of(url.startsWith("file:") ? url.substring(5) : url); }
}
