package io.servingkit.internal.scheduling;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationHandler;
import io.micrometer.observation.ObservationRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The jobs' observations in a real Micrometer {@link ObservationRegistry} (what Micrometer Tracing turns into
 * spans), step by step with the {@link TaskFaker}: which start and stop, in which order, under which parent, with
 * which error.
 */
class JobObservationsTest {
  private final ScriptedModel model = new ScriptedModel();
  private final TaskFaker faker = model.faker;
  private final ObservationRegistry registry = ObservationRegistry.create();
  private final List<String> events = new ArrayList<>();

  JobObservationsTest() {
    registry.observationConfig().observationHandler(new Recorder());
    model.observations = registry;
  }

  /** Records "start NAME under PARENT [tags]", "error NAME: MESSAGE" and "stop NAME". */
  private final class Recorder implements ObservationHandler<Observation.Context> {
    @Override
    public void onStart(Observation.Context context) {
      Observation.ContextView parent =
          context.getParentObservation() == null ? null : context.getParentObservation().getContextView();
      events.add(
          "start "
              + context.getName()
              + " under "
              + (parent == null ? "none" : parent.getName())
              + " "
              + context.getLowCardinalityKeyValues().stream().map(k -> k.getKey() + "=" + k.getValue()).toList()
              + (context.getHighCardinalityKeyValue("batch_size") == null
                  ? ""
                  : " batch_size=" + context.getHighCardinalityKeyValue("batch_size").getValue()));
    }

    @Override
    public void onError(Observation.Context context) {
      events.add("error " + context.getName() + ": " + context.getError().getMessage());
    }

    @Override
    public void onStop(Observation.Context context) {
      events.add("stop " + context.getName());
    }

    @Override
    public boolean supportsContext(Observation.Context context) {
      return true;
    }
  }

  @Test
  void aJobWaitsThenRunsAsTwoChildrenOfTheSubmittersObservationAndItsInferenceIsCurrentWhileTheModelRuns() {
    WorkerPool pool = model.started("minWorkers=1\nmaxWorkers=1");
    List<String> currentInModel = new ArrayList<>();
    model.script =
        (w, batch) -> {
          Observation current = registry.getCurrentObservation();
          currentInModel.add(current == null ? "none" : current.getContext().getName());
          return batch.stream().map(String::toUpperCase).toList();
        };
    Observation request = Observation.start("http.server.requests", registry);
    CompletableFuture<Object> answer;
    try (Observation.Scope ignored = request.openScope()) {
      answer = pool.submit("a"); // handed to a pooled task: runs below, off the request's scope
    }
    assertThat(events).containsExactly("start http.server.requests under none []", "start servingkit.queue under"
        + " http.server.requests [model=m, version=]");
    faker.runUntilIdle();
    assertThat(answer.join()).isEqualTo("A");
    assertThat(events)
        .containsExactly(
            "start http.server.requests under none []",
            "start servingkit.queue under http.server.requests [model=m, version=]",
            "stop servingkit.queue",
            "start servingkit.inference under http.server.requests [model=m, version=] batch_size=1",
            "stop servingkit.inference");
    assertThat(currentInModel).containsExactly("servingkit.inference");
    assertThat(registry.getCurrentObservation()).isNull();
    request.stop();
  }

  @Test
  void aBatchGetsOneInferencePerJobAndNoCurrentObservation() {
    WorkerPool pool = model.started("batch_size=2\nmax_batch_delay=10\nminWorkers=1\nmaxWorkers=1");
    List<Observation> currentInModel = new ArrayList<>();
    model.script =
        (w, batch) -> {
          currentInModel.add(registry.getCurrentObservation());
          return batch;
        };
    submitAll(pool, "a", "b");
    faker.runUntilIdle();
    assertThat(events)
        .containsExactly(
            "start servingkit.queue under none [model=m, version=]",
            "start servingkit.queue under none [model=m, version=]",
            "stop servingkit.queue",
            "start servingkit.inference under none [model=m, version=] batch_size=2",
            "stop servingkit.queue",
            "start servingkit.inference under none [model=m, version=] batch_size=2",
            "stop servingkit.inference",
            "stop servingkit.inference");
    assertThat(currentInModel).containsOnlyNulls().hasSize(1);
  }

  @Test
  void aJobRetriedAfterItsWorkerDiedWaitsAgainAndEveryFailureEndsItsObservation() {
    WorkerPool pool = model.started("minWorkers=1\nmaxWorkers=1\njob_queue_size=1");
    model.script =
        (w, batch) -> {
          throw w.die();
        };
    CompletableFuture<Object> poison = pool.submit("poison");
    CompletableFuture<Object> refused = pool.submit("refused"); // the poison job holds the only place
    faker.runUntilIdle();
    assertThat(poison).isCompletedExceptionally();
    assertThat(refused).isCompletedExceptionally();
    assertThat(events)
        .containsExactly(
            "start servingkit.queue under none [model=m, version=]",
            "start servingkit.queue under none [model=m, version=]",
            "error servingkit.queue: Worker queue capacity exceeded for model: m",
            "stop servingkit.queue",
            "stop servingkit.queue",
            "start servingkit.inference under none [model=m, version=] batch_size=1",
            "error servingkit.inference: worker 1 exited with code 1",
            "stop servingkit.inference",
            "start servingkit.queue under none [model=m, version=]", // retried alone on a fresh worker
            "stop servingkit.queue",
            "start servingkit.inference under none [model=m, version=] batch_size=1",
            "error servingkit.inference: " + failureMessage(poison),
            "stop servingkit.inference");
  }

  @Test
  void aHandlerThatThrowsIsLoggedAndTheJobsStillRun() {
    registry
        .observationConfig()
        .observationHandler(
            new ObservationHandler<>() {
              @Override
              public void onStart(Observation.Context context) {
                throw new IllegalStateException("broken tracer");
              }

              @Override
              public void onStop(Observation.Context context) {
                throw new IllegalStateException("broken tracer");
              }

              @Override
              public boolean supportsContext(Observation.Context context) {
                return true;
              }
            });
    WorkerPool pool = model.started("batch_size=2\nmax_batch_delay=10\nminWorkers=1\nmaxWorkers=1");
    CompletableFuture<Object> a = pool.submit("a");
    CompletableFuture<Object> b = pool.submit("b");
    faker.runUntilIdle();
    assertThat(a.join()).isEqualTo("A");
    assertThat(b.join()).isEqualTo("B");
    assertThat(model.batches).containsExactly(List.of("a", "b"));
  }

  private static String failureMessage(CompletableFuture<Object> f) {
    try {
      f.join();
    } catch (java.util.concurrent.CompletionException e) {
      return e.getCause().getMessage();
    }
    throw new AssertionError("not failed");
  }

  private static void submitAll(WorkerPool pool, String... inputs) {
    for (String in : inputs) {
      pool.submit(in);
    }
  }
}
