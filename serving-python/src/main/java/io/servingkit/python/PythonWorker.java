package io.servingkit.python;

import ai.djl.inference.streaming.ChunkedBytesSupplier;
import ai.djl.modality.Input;
import ai.djl.modality.Output;
import io.servingkit.HandlerFailureException;
import io.servingkit.ModelLoadException;
import io.servingkit.NotEnoughMemoryException;
import io.servingkit.PredictTimeoutException;
import io.servingkit.ServingException;
import io.servingkit.WorkerDiedException;
import io.servingkit.spi.ModelWorker;
import java.io.IOException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A worker backed by one Python process: every batch is one request and one reply over the worker's socket.
 *
 * <p>Failures: a handler exception becomes {@link HandlerFailureException} (its message is Python's
 * {@code str(exception)}, the traceback goes to the log), a {@code MemoryError} or CUDA out-of-memory
 * {@link NotEnoughMemoryException}; a process that dies mid-batch gives {@link WorkerDiedException} (retryable:
 * nothing was answered) and {@link #isAlive()} is false from then on; a batch running past
 * {@code option.predict_timeout} stops the process and fails with {@link PredictTimeoutException}.
 *
 * <p>Threading: one thread at a time calls {@link #predict}; {@link #isAlive} and {@link #close} may be called
 * from any thread. A streamed answer is read by a thread of the model's executor; the next batch waits for it.
 */
final class PythonWorker implements ModelWorker {
  private static final Logger log = LoggerFactory.getLogger(PythonWorker.class);
  /** How long close() lets an idle Python process leave by itself after its socket closed. */
  private static final Duration EXIT_GRACE = Duration.ofSeconds(2);
  private static final long NO_DEADLINE = Long.MIN_VALUE;

  private final PythonModel model;
  private final String label;
  private final PythonProcess process;
  private final WorkerConnection connection;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicLong deadline = new AtomicLong(NO_DEADLINE);
  private volatile boolean broken;
  private volatile boolean timedOut;
  private CompletableFuture<Void> stream = CompletableFuture.completedFuture(null);

  PythonWorker(PythonModel model, String label, PythonProcess process, WorkerConnection connection) {
    this.model = model;
    this.label = label;
    this.process = process;
    this.connection = connection;
  }

  /** Sends the initialisation call and checks its answer. */
  void initialize() throws IOException {
    Input init = new Input();
    init.setProperties(new LinkedHashMap<>(model.options().initProperties()));
    Reply reply = call(WorkerConnection.KIND_INIT, init);
    if (reply instanceof Reply.Failure failure) {
      log.warn("{} failed to initialise:\n{}", label, failure.traceback());
      if (isOutOfMemory(failure)) {
        throw new NotEnoughMemoryException(label + ": not enough memory to initialise: " + failure.message());
      }
      String detail = failure.traceback().isBlank()
          ? failure.type() + ": " + failure.message()
          : failure.traceback().strip();
      throw new ModelLoadException(label + " failed to initialise:\n" + detail);
    }
    Reply.Answer answer = (Reply.Answer) reply;
    if (answer.streaming()) {
      WorkerConnection.Chunk chunk;
      do {
        chunk = connection.receiveChunk();
      } while (!chunk.last());
    }
    if (answer.code() == 507) {
      throw new NotEnoughMemoryException(label + ": not enough memory to initialise: " + answer.message());
    }
    if (answer.code() >= 300) {
      StringBuilder text = new StringBuilder();
      for (byte[] value : answer.values()) {
        text.append('\n').append(new String(value, 0, Math.min(value.length, 4000), StandardCharsets.UTF_8));
      }
      throw new ModelLoadException(
          label + " failed to initialise: the handler answered " + answer.code() + " " + answer.message() + text);
    }
    log.info("{} initialised (Python process {})", label, process.pid());
  }

  @Override
  public List<Output> predict(List<Input> batch) {
    if (batch.isEmpty()) {
      return List.of();
    }
    stream.join();
    if (!isAlive()) {
      throw new WorkerDiedException(
          label + " is not running (" + (closed.get() ? "closed" : process.exitDescription()) + ")", null, true);
    }
    Input request = batch.size() == 1 ? batch.get(0) : BatchCodec.merge(batch);
    Reply reply;
    long deadline = armDeadline();
    try {
      reply = call(WorkerConnection.KIND_PREDICT, request);
    } catch (IOException e) {
      throw lost(e, batch.size());
    } finally {
      disarmDeadline(deadline);
    }
    if (reply instanceof Reply.Failure failure) {
      throw handlerFailure(failure);
    }
    Reply.Answer answer = (Reply.Answer) reply;
    if (answer.streaming()) {
      return stream(answer, batch.size());
    }
    return BatchCodec.split(answer, batch.size());
  }

  @Override
  public boolean isAlive() {
    return !closed.get() && !broken && process.isAlive();
  }

  /** Closes the socket (an idle worker then leaves by itself) and makes sure the process is gone. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    connection.close();
    if (!process.stop(EXIT_GRACE)) {
      log.warn("{}: Python process {} is still running after close", label, process.pid());
    }
    model.forget(this);
  }

  long pid() {
    return process.pid();
  }

  private Reply call(byte kind, Input input) throws IOException {
    connection.send(kind, input.getProperties(), input.getContent());
    return connection.receive();
  }

  /**
   * Starts the predict_timeout clock for one reply (or one chunk). The model's watchdog checks it
   * ({@link #checkDeadline}); a plain field keeps the cost of a call to two atomic writes.
   */
  private long armDeadline() {
    long deadline = System.nanoTime() + model.options().predictTimeout().toNanos();
    if (deadline == NO_DEADLINE) {
      deadline++;
    }
    this.deadline.set(deadline);
    return deadline;
  }

  private void disarmDeadline(long armed) {
    this.deadline.compareAndSet(armed, NO_DEADLINE);
  }

  /** Called by the model's watchdog: stops the process when the reply it waits for is overdue. */
  void checkDeadline(long now) {
    long armed = deadline.get();
    if (armed != NO_DEADLINE && now - armed > 0 && deadline.compareAndSet(armed, NO_DEADLINE)) {
      predictTimedOut();
    }
  }

  private void predictTimedOut() {
    timedOut = true;
    broken = true;
    log.warn("{}: no answer within option.predict_timeout={}; stopping Python process {} (its stacks follow)",
        label, PythonOptions.words(model.options().predictTimeout()), process.pid());
    connection.close();
    process.interrupt(model.timer());
  }

  /** Called when the process has ended: the worker is dead from now on. */
  void processEnded() {
    broken = true;
    connection.close();
    if (!closed.get() && !timedOut) {
      log.warn("{}: Python process {} ended unexpectedly ({})", label, process.pid(), process.exitDescription());
    }
  }

  /** The failure for a batch whose reply never came. */
  private ServingException lost(IOException cause, int size) {
    broken = true;
    if (timedOut) {
      return new PredictTimeoutException(
          label + " did not answer within option.predict_timeout="
              + PythonOptions.words(model.options().predictTimeout()) + "; its Python process was stopped", cause);
    }
    if (closed.get()) {
      return new WorkerDiedException(label + " was closed while running a batch", cause, true);
    }
    if (cause instanceof ClosedByInterruptException) {
      process.kill();
      return new WorkerDiedException(label + ": interrupted while waiting for Python; worker stopped", cause, true);
    }
    process.awaitEnd(Duration.ofSeconds(1));
    if (process.isAlive()) {
      process.kill();
      return new WorkerDiedException(
          label + " lost its connection to Python (" + cause.getMessage() + "); the process was stopped", cause, true);
    }
    return new WorkerDiedException(
        label + ": Python process died (" + process.exitDescription() + ") while running a batch of " + size,
        cause, true);
  }

  private ServingException handlerFailure(Reply.Failure failure) {
    if (failure.traceback().isBlank()) {
      log.warn("{}: handler failed: {}: {}", label, failure.type(), failure.message());
    } else {
      log.warn("{}: handler raised {}: {}\n{}", label, failure.type(), failure.message(), failure.traceback());
    }
    if (isOutOfMemory(failure)) {
      return new NotEnoughMemoryException(failure.message());
    }
    return new HandlerFailureException(failure.message());
  }

  private static boolean isOutOfMemory(Reply.Failure failure) {
    String message = failure.message() == null ? "" : failure.message();
    return failure.type().equals("MemoryError")
        || failure.type().equals("OutOfMemoryError")
        || message.contains("CUDA error: out of memory")
        || message.contains("No available memory for the cache blocks");
  }

  /** Hands out a streamed answer; a thread of the model's executor copies the chunks into it. */
  private List<Output> stream(Reply.Answer answer, int size) {
    Output output = answer.toOutput();
    ChunkedBytesSupplier chunks = new ChunkedBytesSupplier();
    output.add(chunks);
    CompletableFuture<Void> done = new CompletableFuture<>();
    stream = done;
    try {
      model.io().execute(() -> copyStream(chunks, done));
    } catch (RejectedExecutionException e) {
      broken = true;
      chunks.appendContent(new byte[0], true);
      done.complete(null);
    }
    if (size > 1) {
      throw new HandlerFailureException(
          "the handler streamed one answer to a batch of " + size + " jobs; streaming needs batch_size=1");
    }
    return List.of(output);
  }

  private void copyStream(ChunkedBytesSupplier chunks, CompletableFuture<Void> done) {
    try {
      WorkerConnection.Chunk chunk;
      do {
        long deadline = armDeadline();
        try {
          chunk = connection.receiveChunk();
        } finally {
          disarmDeadline(deadline);
        }
        chunks.appendContent(chunk.data(), chunk.last());
      } while (!chunk.last());
    } catch (IOException e) {
      broken = true;
      if (!closed.get()) {
        log.warn("{}: streamed answer cut short: {}", label, timedOut ? "predict_timeout" : e.toString());
        process.kill();
      }
      chunks.appendContent(new byte[0], true);
    } finally {
      done.complete(null);
    }
  }
}
