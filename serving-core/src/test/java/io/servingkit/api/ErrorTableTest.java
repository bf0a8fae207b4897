package io.servingkit.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.servingkit.BadInputException;
import io.servingkit.HandlerFailureException;
import io.servingkit.InvalidSpecException;
import io.servingkit.ModelAlreadyExistsException;
import io.servingkit.ModelLoadException;
import io.servingkit.ModelNotFoundException;
import io.servingkit.AllWorkersShutdownException;
import io.servingkit.ModelNotReadyException;
import io.servingkit.NotEnoughMemoryException;
import io.servingkit.PredictTimeoutException;
import io.servingkit.QueueFullException;
import io.servingkit.WorkerDiedException;
import java.io.FileNotFoundException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** compat.md's error table: each failure of the hierarchy, its status, DJL type and reason phrase. */
class ErrorTableTest {

  static Stream<Arguments> rows() {
    return Stream.of(
        Arguments.of(new ModelNotFoundException("m"), 404, "ModelNotFoundException", "Not Found"),
        Arguments.of(new ResourceNotFoundException(), 404, "ResourceNotFoundException", "Not Found"),
        Arguments.of(new MethodNotAllowedException(), 405, "MethodNotAllowedException", "Method Not Allowed"),
        Arguments.of(new ModelAlreadyExistsException("Workflow x is already registered."), 409, "BadRequestException",
            "Workflow x is already registered."),
        Arguments.of(new BadRequestException("Parameter url is required."), 400, "BadRequestException",
            "Parameter url is required."),
        Arguments.of(new InvalidSpecException("batch_size=x: not an integer"), 400, "BadRequestException",
            "batch_size=x: not an integer"),
        Arguments.of(new BadInputException("bad\r\ninput"), 400, "TranslateException", "Bad Request"),
        Arguments.of(new ai.djl.translate.TranslateException("t"), 400, "TranslateException", "Bad Request"),
        Arguments.of(new RequestTooLargeException(10), 413, "RequestTooLargeException", "Request Entity Too Large"),
        Arguments.of(new HandlerFailureException("boom"), 424, "HandlerFailureException", "invoke handler failure"),
        Arguments.of(new QueueFullException("q"), 503, "WlmCapacityException", "Service Unavailable"),
        Arguments.of(new ModelNotReadyException("r"), 503, "ServiceUnavailableException", "Service Unavailable"),
        Arguments.of(new AllWorkersShutdownException("m"), 503, "WlmShutdownException", "Service Unavailable"),
        Arguments.of(new WorkerDiedException("w"), 503, "ServiceUnavailableException", "Service Unavailable"),
        Arguments.of(new PredictTimeoutException("p"), 503, "ServiceUnavailableException", "Service Unavailable"),
        Arguments.of(new NotEnoughMemoryException("n"), 507, "WlmOutOfMemoryException", "Insufficient Storage"),
        Arguments.of(new ModelLoadException("load", new FileNotFoundException("q.pt file not found")), 500,
            "FileNotFoundException", "Internal Server Error"),
        Arguments.of(new IllegalStateException("bug"), 500, "IllegalStateException", "Internal Server Error"),
        Arguments.of(new CompletionException(new ExecutionException(new QueueFullException("q"))), 503,
            "WlmCapacityException", "Service Unavailable"),
        Arguments.of(new RequestTimeoutException("request_body_timeout=30 s"), 408, "RequestTimeoutException",
            "Request Timeout"),
        Arguments.of(new BodyBudgetExceededException(10), 503, "ServiceUnavailableException", "Service Unavailable"),
        Arguments.of(new ServerShuttingDownException(), 503, "ServiceUnavailableException", "Service Unavailable"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void mapsEachFailureOnce(Throwable failure, int status, String type, String reason) {
    ErrorTable.Mapping m = ErrorTable.map(failure);
    assertThat(m.status()).isEqualTo(status);
    assertThat(m.reason()).isEqualTo(reason);
    if (!m.handlerFailure()) {
      assertThat(m.type()).isEqualTo(type);
    }
  }

  @org.junit.jupiter.api.Test
  void aCauseWithoutMessageLeavesTheMessageToTheFailureAboveIt() {
    // a predict timeout closes the worker's channel; the client must read the timeout, not AsynchronousCloseException
    ErrorTable.Mapping m = ErrorTable.map(new PredictTimeoutException(
        "model m worker 1 did not answer within option.predict_timeout=2 s; its Python process was stopped",
        new java.nio.channels.AsynchronousCloseException()));
    assertThat(m.status()).isEqualTo(503);
    assertThat(m.message())
        .isEqualTo("model m worker 1 did not answer within option.predict_timeout=2 s; its Python process was stopped");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void messageIsTheRootCause(Throwable failure) {
    Throwable root = failure;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    assertThat(ErrorTable.map(failure).message()).isEqualTo(root.getMessage());
  }

  @org.junit.jupiter.api.Test
  void aTimeoutNamesItsSettingNotTheExceptionBeneathIt() {
    // a Python worker's predict timeout closes its socket: the cause carries no message of its own
    ErrorTable.Mapping m =
        ErrorTable.map(
            new PredictTimeoutException(
                "worker did not answer within option.predict_timeout=2 s",
                new java.nio.channels.AsynchronousCloseException()));
    assertThat(m.status()).isEqualTo(503);
    assertThat(m.message()).isEqualTo("worker did not answer within option.predict_timeout=2 s");
    // otherwise DJL Serving's rule: the root cause speaks
    assertThat(ErrorTable.map(new ModelLoadException("load", new FileNotFoundException("q.pt"))).message())
        .isEqualTo("q.pt");
    assertThat(ErrorTable.map(new InvalidSpecException("batch_size", new NumberFormatException("For input")))
            .message())
        .isEqualTo("For input");
  }
}
