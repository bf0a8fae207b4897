package io.servingkit.python;

import io.servingkit.ModelLoadException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one model-setup command ({@code python -m venv}, {@code pip install}) to its end, logging its output
 * line by line as progress, within a time bound.
 */
final class SetupCommand {
  private static final Logger log = LoggerFactory.getLogger(SetupCommand.class);

  private SetupCommand() {}

  /**
   * Runs {@code command} in {@code dir} with {@code env} added to the inherited environment.
   *
   * @param what what the command does, for messages ({@code pip install -r requirements.txt})
   * @param limit names the time bound in the message of a command that runs too long
   * @param model the model name, in every log line
   * @throws ModelLoadException when the command cannot start, fails (with its output) or runs too long
   */
  static void run(
      List<String> command,
      Path dir,
      Map<String, String> env,
      Duration timeout,
      String limit,
      String what,
      String model,
      ScheduledExecutorService timer) {
    log.info("model {}: {} ...", model, what);
    long started = System.nanoTime();
    ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
    builder.environment().putAll(env);
    Process process;
    try {
      process = Processes.start(builder);
      process.getOutputStream().close();
    } catch (IOException e) {
      throw new ModelLoadException("model " + model + ": cannot run " + what + ": " + e.getMessage(), e);
    }
    AtomicBoolean timedOut = new AtomicBoolean();
    ScheduledFuture<?> deadline =
        timer.schedule(
            () -> {
              timedOut.set(true);
              process.descendants().forEach(ProcessHandle::destroyForcibly);
              process.destroyForcibly();
            },
            timeout.toMillis(),
            TimeUnit.MILLISECONDS);
    OutputTail tail = new OutputTail(40);
    try (BufferedReader reader =
        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = reader.readLine()) != null) {
        tail.add(line);
        log.info("model {}: {}", model, line);
      }
      int exit = process.waitFor();
      if (timedOut.get()) {
        throw new ModelLoadException(
            "model " + model + ": " + what + " did not finish within " + limit + "="
                + PythonOptions.words(timeout) + "; its output:\n" + tail.text());
      }
      if (exit != 0) {
        throw new ModelLoadException(
            "model " + model + ": " + what + " failed with exit code " + exit + ":\n" + tail.text());
      }
      log.info("model {}: {} done in {} ms", model, what, (System.nanoTime() - started) / 1_000_000);
    } catch (IOException e) {
      process.destroyForcibly();
      throw new ModelLoadException("model " + model + ": " + what + " failed: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new ModelLoadException("model " + model + ": interrupted during " + what, e);
    } finally {
      deadline.cancel(false);
    }
  }
}
