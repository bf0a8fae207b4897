package io.servingkit.python;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code python3 -m djl_python.test_model}, DJL Serving's offline handler tester, run as a real process on our
 * bundled package: the same flags ({@code --model-dir}, {@code --input}, {@code --parameters}, {@code --handler})
 * and the same {@code output: ...} print.
 */
class TestModelToolTest {

  @TempDir Path workDir;

  @Test
  void runsAHandlerOnTextAndFileInputsWithoutAServer() throws Exception {
    Path model = PythonTestModels.folder("echo");
    String json = run("--model-dir", model.toString(), "--input", "{\"a\": 1}", "--parameters", "x-mode=plain");
    assertThat(json).startsWith("output: {").contains("\"code\": 200").contains("\"message\": \"OK\"");

    Path file = Files.writeString(workDir.resolve("input.txt"), "hello from a file");
    String text = run("--model-dir", model.toString(), "--input", file.toString());
    assertThat(text).contains("\"code\": 200").contains("\"Content-Type\": \"text/plain\"");
  }

  @Test
  void testHandlerApiGivesTheAnswerBackInPython() throws Exception {
    Path script = Files.writeString(workDir.resolve("check.py"), String.join("\n",
        "import sys",
        "from djl_python.test_model import TestHandler, create_text_request, extract_output_as_string",
        "handler = TestHandler('model.py', sys.argv[1])",
        "print('answer=' + extract_output_as_string(handler.inference(create_text_request('ping'))))",
        ""));
    ProcessResult r = python(List.of(script.toString(), PythonTestModels.folder("echo").toString()));
    assertThat(r.exit).as(r.output).isZero();
    assertThat(r.output).contains("answer=ping");
  }

  @Test
  void aMissingEntryPointFailsNamingTheFile() throws Exception {
    ProcessResult r = python(List.of("-m", "djl_python.test_model", "--model-dir", workDir.toString(), "--input", "x"));
    assertThat(r.exit).isNotZero();
    assertThat(r.output).contains("entry point file not found: " + workDir.resolve("model.py"));
  }

  private String run(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("-m", "djl_python.test_model"));
    command.addAll(List.of(args));
    ProcessResult r = python(command);
    assertThat(r.exit).as(r.output).isZero();
    return r.output;
  }

  private ProcessResult python(List<String> args) throws IOException, InterruptedException {
    Path lib = BundledPython.extract(workDir.resolve("work"));
    List<String> command = new ArrayList<>();
    command.add(PythonTestModels.PYTHON);
    command.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).directory(workDir.toFile());
    pb.environment().put("PYTHONPATH", lib.toString());
    Process p = pb.start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new ProcessResult(p.exitValue(), output);
  }

  private record ProcessResult(int exit, String output) {}
}
