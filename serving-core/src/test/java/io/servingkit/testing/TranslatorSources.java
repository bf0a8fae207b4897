package io.servingkit.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * Java sources of small translators for the MLP (4 floats in, 3 out) that tests drop into a model's {@code
 * libs/classes}, and a way to package them as a {@code libs/*.jar}.
 */
public final class TranslatorSources {

  /**
   * {@code com.example.CsvTranslator}: a {@code ServingTranslator} reading the body as comma-separated floats and
   * answering {@code <label>:<v1>,<v2>,<v3>}, where {@code label} is the model argument {@code label} (default
   * {@code none}). Runs each input on its own (no batchifier).
   */
  public static final String CSV_TRANSLATOR =
      """
      package com.example;

      import ai.djl.modality.Input;
      import ai.djl.modality.Output;
      import ai.djl.ndarray.NDList;
      import ai.djl.translate.Batchifier;
      import ai.djl.translate.ServingTranslator;
      import ai.djl.translate.TranslatorContext;
      import java.util.Map;

      public class CsvTranslator implements ServingTranslator {
        private String label = "none";

        @Override
        public void setArguments(Map<String, ?> arguments) {
          Object value = arguments.get("label");
          if (value != null) {
            label = value.toString();
          }
        }

        @Override
        public NDList processInput(TranslatorContext ctx, Input input) {
          String[] cells = input.getData().getAsString().trim().split(",");
          float[][] row = new float[1][cells.length];
          for (int i = 0; i < cells.length; i++) {
            row[0][i] = Float.parseFloat(cells[i]);
          }
          return new NDList(ctx.getNDManager().create(row));
        }

        @Override
        public Output processOutput(TranslatorContext ctx, NDList list) {
          float[] values = list.get(0).toFloatArray();
          StringBuilder text = new StringBuilder(label).append(':');
          for (int i = 0; i < values.length; i++) {
            text.append(i == 0 ? "" : ",").append(values[i]);
          }
          Output output = new Output();
          output.add(text.toString());
          return output;
        }

        @Override
        public Batchifier getBatchifier() {
          return null;
        }
      }
      """;

  /** {@code com.example.OtherTranslator}: like {@link #CSV_TRANSLATOR} but always labelled {@code other}. */
  public static final String OTHER_TRANSLATOR =
      CSV_TRANSLATOR
          .replace("class CsvTranslator", "class OtherTranslator")
          .replace("private String label = \"none\";", "private String label = \"other\";")
          .replace("label = value.toString();", "");

  /** {@code com.example.CsvFactory}: a {@code TranslatorFactory} making a {@code CsvTranslator} labelled {@code factory}. */
  public static final String CSV_FACTORY =
      """
      package com.example;

      import ai.djl.Model;
      import ai.djl.modality.Input;
      import ai.djl.modality.Output;
      import ai.djl.translate.Translator;
      import ai.djl.translate.TranslatorFactory;
      import ai.djl.util.Pair;
      import java.lang.reflect.Type;
      import java.util.Map;
      import java.util.Set;

      public class CsvFactory implements TranslatorFactory {
        @Override
        public Set<Pair<Type, Type>> getSupportedTypes() {
          return Set.of(new Pair<>(Input.class, Output.class));
        }

        @Override
        @SuppressWarnings("unchecked")
        public <I, O> Translator<I, O> newInstance(Class<I> input, Class<O> output, Model model, Map<String, ?> arguments) {
          CsvTranslator translator = new CsvTranslator();
          translator.setArguments(Map.of("label", "factory"));
          return (Translator<I, O>) translator;
        }
      }
      """;

  /** A source that does not compile: a String assigned to an int on line 4. */
  public static final String BROKEN =
      """
      package com.example;

      public class Broken {
        int value = "not a number";
      }
      """;

  private TranslatorSources() {}

  /** Writes {@code source} as {@code modelDir/libs/classes/com/example/<Name>.java} (name from its class). */
  public static Path writeSource(Path modelDir, String source) {
    String name = source.replaceAll("(?s).*public class (\\w+).*", "$1");
    Path file = modelDir.resolve("libs/classes/com/example/" + name + ".java");
    try {
      Files.createDirectories(file.getParent());
      Files.writeString(file, source);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return file;
  }

  /**
   * Compiles {@code sources} against the test class path and packs the classes as {@code modelDir/libs/<jarName>}.
   */
  public static Path writeJar(Path modelDir, String jarName, Path scratch, String... sources) {
    try {
      Path src = Files.createDirectories(scratch.resolve("jar-src"));
      Path out = Files.createDirectories(scratch.resolve("jar-classes"));
      for (String source : sources) {
        writeSource(src, source);
      }
      List<String> files;
      try (Stream<Path> walk = Files.walk(src)) {
        files = walk.filter(p -> p.toString().endsWith(".java")).map(Path::toString).collect(Collectors.toList());
      }
      JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
      String[] args =
          Stream.concat(
                  Stream.of("-d", out.toString(), "-classpath", System.getProperty("java.class.path")), files.stream())
              .toArray(String[]::new);
      if (compiler.run(null, null, null, args) != 0) {
        throw new IllegalStateException("test sources do not compile");
      }
      Path jar = Files.createDirectories(modelDir.resolve("libs")).resolve(jarName);
      try (OutputStream file = Files.newOutputStream(jar);
          JarOutputStream jarOut = new JarOutputStream(file);
          Stream<Path> walk = Files.walk(out)) {
        for (Path p : (Iterable<Path>) walk.filter(Files::isRegularFile)::iterator) {
          jarOut.putNextEntry(new JarEntry(out.relativize(p).toString().replace('\\', '/')));
          jarOut.write(Files.readAllBytes(p));
          jarOut.closeEntry();
        }
      }
      return jar;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
