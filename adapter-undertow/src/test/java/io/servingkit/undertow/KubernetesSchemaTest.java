package io.servingkit.undertow;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * Checks every object the manifests under {@code examples/kubernetes} render to (real {@code kubectl kustomize}) against
 * the Kubernetes object model (fabric8's, generated from the Kubernetes OpenAPI schema): the kinds we ship parse into
 * their typed classes with no field the schema does not know — a misspelt {@code readinessProbes} or a field at the
 * wrong level is refused, naming where it is. KServe's custom resources have no model offline: the containers of a
 * {@code ClusterServingRuntime} are checked as core {@code Container}s, and both KServe kinds for their API group.
 */
class KubernetesSchemaTest {

  private static final Map<String, Class<? extends HasMetadata>> KINDS =
      Map.of(
          "apps/v1 Deployment", Deployment.class,
          "v1 Service", Service.class,
          "policy/v1 PodDisruptionBudget", PodDisruptionBudget.class,
          "autoscaling/v2 HorizontalPodAutoscaler", HorizontalPodAutoscaler.class);

  private final ObjectMapper mapper =
      new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

  @Test
  void everyRenderedObjectFitsTheKubernetesSchema() throws Exception {
    List<String> checked = new ArrayList<>();
    for (String k : KubernetesManifestsTest.KUSTOMIZATIONS) {
      for (Object doc : new Yaml().loadAll(KubernetesManifestsTest.kustomize(k))) {
        Map<String, Object> object = map(doc);
        String kind = object.get("apiVersion") + " " + object.get("kind");
        String where = k + ": " + kind + " " + map(object.get("metadata")).get("name");
        if (kind.startsWith("serving.kserve.io/")) {
          assertThat(kind).as(where).isIn("serving.kserve.io/v1alpha1 ClusterServingRuntime",
              "serving.kserve.io/v1beta1 InferenceService");
          for (Object c : list(map(object.get("spec")).get("containers"))) {
            check(where + " container", c, Container.class);
          }
        } else {
          assertThat(KINDS).as(where + " is a kind this test knows").containsKey(kind);
          check(where, object, KINDS.get(kind));
        }
        checked.add(where);
      }
    }
    assertThat(checked).as("objects checked").hasSizeGreaterThanOrEqualTo(8);
  }

  @Test
  void aMisspeltOrMisplacedFieldIsRefusedNamingWhereItIs() throws Exception {
    Map<String, Object> deployment = null;
    for (Object doc : new Yaml().loadAll(KubernetesManifestsTest.kustomize("base"))) {
      if ("Deployment".equals(map(doc).get("kind"))) {
        deployment = map(doc);
      }
    }
    assertThat(deployment).isNotNull();
    Map<String, Object> container = map(list(map(map(map(deployment.get("spec")).get("template")).get("spec"))
        .get("containers")).get(0));
    container.put("readinessProbes", container.get("readinessProbe"));
    Map<String, Object> wrong = deployment;
    assertThatThrownBy(() -> check("base Deployment", wrong, Deployment.class))
        .hasMessageContaining("readinessProbes")
        .hasMessageContaining("spec.template.spec.containers[0]");
    container.remove("readinessProbes");
    map(deployment.get("spec")).put("replicas", "two");
    assertThatThrownBy(() -> check("base Deployment", wrong, Deployment.class)).hasMessageContaining("replicas");
  }

  /** Parses {@code object} as {@code type}; fails naming every field the schema does not know, and where. */
  private void check(String where, Object object, Class<?> type) {
    Object typed;
    try {
      typed = mapper.convertValue(object, type);
    } catch (IllegalArgumentException e) {
      throw new AssertionError(where + " does not fit " + type.getSimpleName() + ": " + e.getMessage(), e);
    }
    Map<String, Set<String>> unknown = new LinkedHashMap<>();
    unknownFields(typed, "", unknown, new IdentityHashMap<>());
    assertThat(unknown).as(where + ": fields the Kubernetes schema does not have (path -> names)").isEmpty();
  }

  /**
   * fabric8's classes keep fields they do not know in {@code additionalProperties} instead of failing: walks the
   * typed object and collects them.
   */
  private static void unknownFields(Object o, String path, Map<String, Set<String>> found, Map<Object, Boolean> seen) {
    if (o == null || seen.put(o, Boolean.TRUE) != null) {
      return;
    }
    if (o instanceof List<?> items) {
      for (int i = 0; i < items.size(); i++) {
        unknownFields(items.get(i), path + "[" + i + "]", found, seen);
      }
      return;
    }
    if (o instanceof Map<?, ?> entries) {
      entries.forEach((k, v) -> unknownFields(v, path + "." + k, found, seen));
      return;
    }
    if (!o.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
      return;
    }
    for (Method m : o.getClass().getMethods()) {
      if (m.getParameterCount() != 0 || Modifier.isStatic(m.getModifiers()) || !m.getName().startsWith("get")
          || m.getDeclaringClass() == Object.class) {
        continue;
      }
      Object value;
      try {
        value = m.invoke(o);
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException(m.toString(), e);
      }
      if (m.getName().equals("getAdditionalProperties")) {
        Map<?, ?> extra = (Map<?, ?>) value;
        if (extra != null && !extra.isEmpty()) {
          found.put(path.isEmpty() ? "(top)" : path.substring(1), new java.util.TreeSet<>(
              extra.keySet().stream().map(String::valueOf).toList()));
        }
        continue;
      }
      String field = Character.toLowerCase(m.getName().charAt(3)) + m.getName().substring(4);
      unknownFields(value, path + "." + field, found, seen);
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object o) {
    return o == null ? new LinkedHashMap<>() : (Map<String, Object>) o;
  }

  @SuppressWarnings("unchecked")
  private static List<Object> list(Object o) {
    return o == null ? List.of() : (List<Object>) o;
  }
}
