package dev.simpletuner.cloud.provider.kubernetes;

import io.fabric8.kubernetes.api.model.Toleration;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The provider's settings, read and checked once per call (they may change through the API). */
record KubeSettings(String workerImage, String namespace, String mode, String runtimeName, String runtimeKind,
                    String queueName, Map<String, String> nodeSelector, List<Toleration> tolerations,
                    Map<String, String> labels, String serviceAccount, String imagePullSecret, String orchestratorUrl,
                    long cleanupAfterSeconds, String kubeconfig, String context, String apiServer, String apiToken,
                    boolean trustCerts) {
  static final String WORKER_IMAGE = "worker_image";
  static final String NAMESPACE = "namespace";
  static final String MODE = "mode";
  static final String RUNTIME_NAME = "runtime_name";
  static final String RUNTIME_KIND = "runtime_kind";
  static final String QUEUE_NAME = "queue_name";
  static final String NODE_SELECTOR = "node_selector";
  static final String TOLERATIONS = "tolerations";
  static final String LABELS = "labels";
  static final String SERVICE_ACCOUNT = "service_account";
  static final String IMAGE_PULL_SECRET = "image_pull_secret";
  static final String ORCHESTRATOR_URL = "orchestrator_url";
  static final String CLEANUP_AFTER = "cleanup_after_seconds";
  static final String KUBECONFIG = "kubeconfig";
  static final String CONTEXT = "context";
  static final String API_SERVER = "api_server";
  static final String API_TOKEN = "api_token";
  static final String TRUST_CERTS = "trust_certs";

  /** @throws IllegalArgumentException naming the setting that cannot be read */
  static KubeSettings of(Map<String, String> s) {
    String cleanup = blankToNull(s.get(CLEANUP_AFTER));
    return new KubeSettings(blankToNull(s.get(WORKER_IMAGE)), or(s.get(NAMESPACE), "default"), or(s.get(MODE), "auto"),
        or(s.get(RUNTIME_NAME), "simpletuner-worker"), or(s.get(RUNTIME_KIND), "ClusterTrainingRuntime"),
        blankToNull(s.get(QUEUE_NAME)), pairs(NODE_SELECTOR, s.get(NODE_SELECTOR)),
        tolerations(s.get(TOLERATIONS)), pairs(LABELS, s.get(LABELS)), blankToNull(s.get(SERVICE_ACCOUNT)),
        blankToNull(s.get(IMAGE_PULL_SECRET)), blankToNull(s.get(ORCHESTRATOR_URL)),
        cleanup == null ? 3600 : Long.parseLong(cleanup), blankToNull(s.get(KUBECONFIG)), blankToNull(s.get(CONTEXT)),
        blankToNull(s.get(API_SERVER)), blankToNull(s.get(API_TOKEN)), Boolean.parseBoolean(s.get(TRUST_CERTS)));
  }

  /** {@code a=b,c=d}; names and values as Kubernetes labels allow them (checked by the API server). */
  static Map<String, String> pairs(String setting, String text) {
    Map<String, String> out = new LinkedHashMap<>();
    if (text == null || text.isBlank()) {
      return out;
    }
    for (String pair : text.split(",")) {
      if (pair.isBlank()) {
        continue;
      }
      int eq = pair.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("The setting " + setting + " takes key=value pairs separated by commas; \""
            + pair.strip() + "\" has no key=value.");
      }
      out.put(pair.substring(0, eq).strip(), pair.substring(eq + 1).strip());
    }
    return out;
  }

  static List<Toleration> tolerations(String text) {
    List<Toleration> out = new ArrayList<>();
    if (text == null || text.isBlank()) {
      return out;
    }
    JsonArray array;
    try {
      array = new JsonArray(text);
    } catch (DecodeException e) {
      throw new IllegalArgumentException("The setting tolerations is not a JSON array: " + e.getMessage());
    }
    for (Object item : array) {
      if (!(item instanceof JsonObject t)) {
        throw new IllegalArgumentException("The setting tolerations takes a JSON array of objects.");
      }
      Long seconds = t.getLong("tolerationSeconds");
      out.add(new Toleration(t.getString("effect"), t.getString("key"), t.getString("operator"), seconds,
          t.getString("value")));
    }
    return out;
  }

  boolean usesTrainJob(boolean clusterHasTrainJob) {
    return switch (mode) {
      case "trainjob" -> true;
      case "job" -> false;
      default -> clusterHasTrainJob;
    };
  }

  private static String or(String value, String fallback) {
    String v = blankToNull(value);
    return v == null ? fallback : v;
  }

  private static String blankToNull(String value) {
    return value == null || value.isBlank() ? null : value.strip();
  }
}
