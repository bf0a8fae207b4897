package io.servingkit;
import java.nio.file.Path;
final class EngineDetector { static String detect(Path dir, ModelSpec spec) { throw new ModelLoadException("Failed to detect engine of the model: " + dir); } }
