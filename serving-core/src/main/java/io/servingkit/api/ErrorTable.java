package io.servingkit.api;

import ai.djl.translate.TranslateException;
import io.servingkit.AllWorkersShutdownException;
import io.servingkit.BadInputException;
import io.servingkit.HandlerFailureException;
import io.servingkit.InvalidSpecException;
import io.servingkit.ModelAlreadyExistsException;
import io.servingkit.ModelLoadException;
import io.servingkit.ModelNotFoundException;
import io.servingkit.ModelNotReadyException;
import io.servingkit.NotEnoughMemoryException;
import io.servingkit.PredictTimeoutException;
import io.servingkit.QueueFullException;
import io.servingkit.WorkerDiedException;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * The one place where a failure becomes an HTTP status and a DJL Serving error {@code type}: the first row
 * whose class matches the (unwrapped) failure wins. The JSON message is the root cause's message, as DJL
 * Serving does; when the root cause has none (a predict timeout's {@code AsynchronousCloseException}), the
 * deepest message in the chain (the timeout's own, naming {@code option.predict_timeout} and its value).
 */
final class ErrorTable {

  /** What the status line's reason phrase says. */
  enum Reason {
    /** The standard phrase for the status ({@code Not Found}). */
    STANDARD,
    /** The failure's own message, as DJL Serving does for its BadRequestException. */
    MESSAGE,
    /** {@code invoke handler failure}, the phrase of a failing Python handler. */
    HANDLER
  }

  /**
   * One row.
   *
   * @param failure the failure class (subclasses match)
   * @param status the HTTP status
   * @param type the error {@code type} sent to the client; null means the root cause's simple class name
   * @param reason what the reason phrase says
   */
  record Row(Class<? extends Throwable> failure, int status, String type, Reason reason) {}

  /** How one failure is answered. */
  record Mapping(int status, String type, String reason, String message, boolean handlerFailure) {}

  static final String HANDLER_FAILURE = "invoke handler failure";

  private static final List<Row> ROWS =
      List.of(
          new Row(ModelNotFoundException.class, 404, "ModelNotFoundException", Reason.STANDARD),
          new Row(ResourceNotFoundException.class, 404, "ResourceNotFoundException", Reason.STANDARD),
          new Row(MethodNotAllowedException.class, 405, "MethodNotAllowedException", Reason.STANDARD),
          new Row(ModelAlreadyExistsException.class, 409, "BadRequestException", Reason.MESSAGE),
          new Row(BadRequestException.class, 400, "BadRequestException", Reason.MESSAGE),
          new Row(InvalidSpecException.class, 400, "BadRequestException", Reason.MESSAGE),
          new Row(BadInputException.class, 400, "TranslateException", Reason.STANDARD),
          new Row(TranslateException.class, 400, "TranslateException", Reason.STANDARD),
          new Row(RequestTimeoutException.class, 408, "RequestTimeoutException", Reason.STANDARD),
          new Row(RequestTooLargeException.class, 413, "RequestTooLargeException", Reason.STANDARD),
          new Row(HandlerFailureException.class, 424, null, Reason.HANDLER),
          new Row(QueueFullException.class, 503, "WlmCapacityException", Reason.STANDARD),
          new Row(AllWorkersShutdownException.class, 503, "WlmShutdownException", Reason.STANDARD),
          new Row(ModelNotReadyException.class, 503, "ServiceUnavailableException", Reason.STANDARD),
          new Row(WorkerDiedException.class, 503, "ServiceUnavailableException", Reason.STANDARD),
          new Row(PredictTimeoutException.class, 503, "ServiceUnavailableException", Reason.STANDARD),
          new Row(BodyBudgetExceededException.class, 503, "ServiceUnavailableException", Reason.STANDARD),
          new Row(ServerShuttingDownException.class, 503, "ServiceUnavailableException", Reason.STANDARD),
          new Row(NotEnoughMemoryException.class, 507, "WlmOutOfMemoryException", Reason.STANDARD),
          new Row(ModelLoadException.class, 500, null, Reason.STANDARD),
          new Row(Throwable.class, 500, null, Reason.STANDARD));

  private ErrorTable() {}

  /** Maps a failure (possibly wrapped in a CompletionException or ExecutionException). */
  static Mapping map(Throwable failure) {
    Throwable t = unwrap(failure);
    Throwable root = rootCause(t);
    String message = deepestMessage(t);
    if (message == null) {
      message = root.getClass().getSimpleName();
    }
    for (Row row : ROWS) {
      if (row.failure().isInstance(t)) {
        String type = row.type() != null ? row.type() : root.getClass().getSimpleName();
        String reason =
            switch (row.reason()) {
              case STANDARD -> Reasons.standard(row.status());
              case MESSAGE -> Reasons.sanitize(t.getMessage() != null ? t.getMessage() : message);
              case HANDLER -> HANDLER_FAILURE;
            };
        return new Mapping(row.status(), type, reason, message, row.reason() == Reason.HANDLER);
      }
    }
    throw new AssertionError("the last row matches every Throwable");
  }

  /** Removes the CompletionException / ExecutionException layers futures add. */
  static Throwable unwrap(Throwable t) {
    Throwable cur = t;
    while ((cur instanceof CompletionException || cur instanceof ExecutionException) && cur.getCause() != null) {
      cur = cur.getCause();
    }
    return cur;
  }

  /** The message of the deepest throwable in the cause chain that has one; null when none has. */
  private static String deepestMessage(Throwable t) {
    String found = null;
    Throwable cur = t;
    for (int depth = 0; depth < 32 && cur != null; depth++) {
      if (cur.getMessage() != null) {
        found = cur.getMessage();
      }
      cur = cur.getCause() == cur ? null : cur.getCause();
    }
    return found;
  }

  private static Throwable rootCause(Throwable t) {
    Throwable cur = t;
    for (int depth = 0; depth < 32 && cur.getCause() != null && cur.getCause() != cur; depth++) {
      cur = cur.getCause();
    }
    return cur;
  }
}
