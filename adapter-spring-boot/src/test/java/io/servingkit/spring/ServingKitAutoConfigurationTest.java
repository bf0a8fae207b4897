package io.servingkit.spring;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.modality.Input;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.servingkit.ModelServer;
import io.servingkit.ModelSpec;
import io.servingkit.TypedModel;
import io.servingkit.api.ServingApi;
import io.servingkit.testing.DigitImages;
import io.servingkit.testing.TestModels;
import io.servingkit.testing.ThreadLeaks;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The auto-configuration's conditions in real Spring contexts, serving the digits TorchScript model. */
class ServingKitAutoConfigurationTest {

  private static final String DIGITS = "servingkit.models=digits=file:" + TestModels.dir("digits-pt").toAbsolutePath();

  private final ApplicationContextRunner runner =
      new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(ServingKitAutoConfiguration.class));

  @AfterEach
  void noThreadsLeft() {
    ThreadLeaks.assertNoneLeft();
  }

  @Test
  void buildsTheServerFromServingkitPropertiesAndPredicts() {
    runner
        .withPropertyValues(DIGITS, "servingkit.job-queue-size=7", "servingkit.batch_size=1")
        .run(
            context -> {
              assertThat(context).hasSingleBean(ModelServer.class).hasSingleBean(ServingApi.class);
              ModelServer server = context.getBean(ModelServer.class);
              assertThat(server.list()).singleElement().satisfies(m -> assertThat(m.queueSize()).isEqualTo(7));
              Input input = new Input();
              input.add(DigitImages.png(3));
              assertThat(server.predict("digits", input).get(30, TimeUnit.SECONDS).getData().getAsString())
                  .contains("\"className\":\"3\"");
            });
  }

  @Test
  void anUnknownKeyStopsTheContextNamingIt() {
    runner
        .withPropertyValues("servingkit.job_queu_size=5")
        .run(
            context ->
                assertThat(context)
                    .hasFailed()
                    .getFailure()
                    .hasStackTraceContaining("unknown setting job_queu_size (from property servingkit.job_queu_size): not a ServingKit setting"));
  }

  @Test
  void aMalformedValueStopsTheContextNamingKeyAndValue() {
    runner
        .withPropertyValues("servingkit.job_queue_size=lots")
        .run(
            context ->
                assertThat(context)
                    .hasFailed()
                    .getFailure()
                    .hasStackTraceContaining("job_queue_size=lots (from property servingkit.job_queue_size): not a whole number"));
  }

  @Test
  void anApplicationsOwnModelServerIsKept() {
    runner
        .withUserConfiguration(OwnServer.class)
        .withPropertyValues(DIGITS)
        .run(
            context -> {
              assertThat(context).hasSingleBean(ModelServer.class);
              assertThat(context.getBean(ModelServer.class)).isSameAs(context.getBean(OwnServer.class).server);
              assertThat(context.getBean(ModelServer.class).list()).isEmpty();
              assertThat(context).hasSingleBean(ServingApi.class).hasSingleBean(ServingKitLifecycle.class);
            });
  }

  @Test
  void switchedOffByServingkitEnabledFalse() {
    runner
        .withPropertyValues(DIGITS, "servingkit.enabled=false")
        .run(context -> assertThat(context).doesNotHaveBean(ModelServer.class).doesNotHaveBean(ServingApi.class));
  }

  @Test
  void metersGoToTheApplicationsRegistry() {
    runner
        .withUserConfiguration(AppRegistry.class)
        .withPropertyValues(DIGITS)
        .run(
            context -> {
              Input input = new Input();
              input.add(DigitImages.png(7));
              context.getBean(ModelServer.class).predict("digits", input).get(30, TimeUnit.SECONDS);
              MeterRegistry registry = context.getBean(MeterRegistry.class);
              assertThat(registry.find("servingkit.queue.depth").tag("model", "digits").gauge()).isNotNull();
              assertThat(registry.getMeters().stream().map(m -> m.getId().getName()))
                  .anyMatch(n -> n.startsWith("servingkit.") && n.contains("inference"));
            });
  }

  @Test
  void healthIsDownWhenAStartupModelIsGoneAndIgnoresModelsAddedLater() {
    runner
        .withPropertyValues(DIGITS)
        .run(
            context -> {
              ServingKitHealthIndicator health = context.getBean(ServingKitHealthIndicator.class);
              ModelServer server = context.getBean(ModelServer.class);
              assertThat(health.health().getStatus()).isEqualTo(Status.UP);
              assertThat(health.health().getDetails()).containsEntry("digits", "READY");
              server.registerAsync(ModelSpec.parse("broken=file:/no/such/model"));
              server.unregister("digits");
              assertThat(health.health().getStatus()).isEqualTo(Status.DOWN);
              assertThat(health.health().getDetails()).containsEntry("digits", "UNREGISTERED");
            });
  }

  @Test
  void theRestApiIsMountedOnlyInAServletWebApplication() {
    runner.withPropertyValues(DIGITS).run(context -> assertThat(context).doesNotHaveBean(ServletRegistrationBean.class));
    new WebApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(ServingKitAutoConfiguration.class))
        .withPropertyValues("servingkit.url_pattern=/ml/*")
        .run(
            context -> {
              ServletRegistrationBean<?> servlet = context.getBean("servingKitServlet", ServletRegistrationBean.class);
              assertThat(servlet.getUrlMappings()).containsExactly("/ml/*");
            });
  }

  @Test
  void closingTheContextWaitsForRunningAndQueuedJobsThenClosesTheServer() throws Exception {
    BlockingTranslator translator = new BlockingTranslator();
    CompletableFuture<Void> closed = new CompletableFuture<>();
    runner
        .withPropertyValues("servingkit.job_queue_size=10")
        .run(
            context -> {
              ModelServer server = context.getBean(ModelServer.class);
              TypedModel<String, String> model =
                  server.register(
                      ModelSpec.parse("slow=file:" + TestModels.dir("digits-pt").toAbsolutePath() + "?minWorkers=1&maxWorkers=1"),
                      String.class, String.class, translator);
              List<CompletableFuture<String>> jobs = List.of(model.predict("a"), model.predict("b"), model.predict("c"));
              assertThat(translator.entered.await(30, TimeUnit.SECONDS)).isTrue();
              Thread closer = new Thread(() -> {
                context.close();
                closed.complete(null);
              }, "test-closer");
              closer.start();
              // the lifecycle is waiting: the server still takes and runs jobs
              assertThat(closed).isNotDone();
              translator.gate.countDown();
              closed.get(30, TimeUnit.SECONDS);
              for (CompletableFuture<String> job : jobs) {
                assertThat(job).isCompletedWithValueMatching(v -> v.startsWith("done"));
              }
              assertThat(server.list()).isEmpty();
            });
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnServer {
    final ModelServer server = ModelServer.builder().build();

    @Bean
    ModelServer myServer() {
      return server;
    }
  }

  @Configuration(proxyBeanMethods = false)
  static class AppRegistry {
    @Bean
    MeterRegistry registry() {
      return new SimpleMeterRegistry();
    }
  }
}
