package dev.simpletuner.cloud.provider.kubernetes;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.LocalObjectReference;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodSpecBuilder;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import dev.simpletuner.cloud.spi.WorkerPass;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The objects one job becomes: a Secret with its one-job worker token, and a batch/v1 Job or a
 * Kubeflow Trainer TrainJob whose single pod runs {@code simpletuner worker} with that token. The
 * agent reads its settings from the environment (worker_agent.py: SIMPLETUNER_ORCHESTRATOR_URL,
 * SIMPLETUNER_WORKER_TOKEN, SIMPLETUNER_WORKER_NAME, SIMPLETUNER_WORKER_PERSISTENT).
 */
final class Manifests {
  static final String GPU = "nvidia.com/gpu";
  static final String MANAGED_BY = "app.kubernetes.io/managed-by";
  static final String MANAGER = "simpletuner-cloud";
  /** On every object and pod of a job: its object name (job ids need not be valid label values). */
  static final String JOB_LABEL = "simpletuner.dev/job";
  static final String WORKER_LABEL = "simpletuner.dev/worker-id";
  static final String KUEUE_QUEUE = "kueue.x-k8s.io/queue-name";
  static final String JOB_ID_ANNOTATION = "simpletuner.dev/job-id";
  static final String TOKEN_KEY = "worker-token";
  static final String CONTAINER = "worker";
  static final ResourceDefinitionContext TRAINJOB = new ResourceDefinitionContext.Builder()
      .withGroup("trainer.kubeflow.org").withVersion("v1alpha1").withKind("TrainJob").withPlural("trainjobs")
      .withNamespaced(true).build();

  private Manifests() {
  }

  /**
   * A DNS-1123 name for the job's objects, the same on every instance and after a restart (so a
   * submission cut short can be found again): the id made lowercase-safe, and a hash of the exact
   * id so that ids differing only in case or punctuation do not collide.
   */
  static String name(String jobId) {
    String safe = jobId.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]+", "-").replaceAll("^-+|-+$", "");
    if (safe.length() > 40) {
      safe = safe.substring(0, 40).replaceAll("-+$", "");
    }
    return "simpletuner-" + (safe.isEmpty() ? "" : safe + "-") + hash(jobId).substring(0, 8);
  }

  static String secretName(String name) {
    return name + "-token";
  }

  static Secret secret(KubeSettings s, String name, String jobId, WorkerPass pass) {
    return new SecretBuilder().withMetadata(meta(s, name, secretName(name), jobId, pass)).withType("Opaque")
        .withStringData(Map.of(TOKEN_KEY, pass.token())).build();
  }

  static Job job(KubeSettings s, String name, String jobId, WorkerPass pass, String orchestratorUrl, int gpus) {
    ObjectMeta meta = meta(s, name, name, jobId, pass);
    return new JobBuilder().withMetadata(meta)
        .withNewSpec()
          // One pod: a failed one is not retried by Kubernetes; the server's retry budget decides.
          .withBackoffLimit(0).withCompletions(1).withParallelism(1)
          // A pod the cluster takes away (preemption, eviction, a drained node) is replaced, not a failure:
          // the new pod's agent comes back with the same one-job token and gets the job again.
          .withNewPodFailurePolicy().addNewRule().withAction("Ignore").addNewOnPodCondition()
            .withType("DisruptionTarget").withStatus("True").endOnPodCondition().endRule().endPodFailurePolicy()
          .withNewTemplate()
            .withNewMetadata().withLabels(podLabels(s, name, pass)).endMetadata()
            .withSpec(pod(s, name, pass, orchestratorUrl, gpus))
          .endTemplate()
        .endSpec().build();
  }

  /**
   * A TrainJob fixed to one node and one process, like the reference's, but not created suspended:
   * Kueue suspends it itself when the queue label is set. Node selector, tolerations and the
   * service account go through {@code podSpecOverrides} onto the runtime's {@code node} job.
   */
  static GenericKubernetesResource trainJob(KubeSettings s, String name, String jobId, WorkerPass pass,
                                            String orchestratorUrl, int gpus) {
    Map<String, Object> resources = new LinkedHashMap<>();
    if (gpus > 0) {
      resources.put("requests", Map.of(GPU, String.valueOf(gpus)));
      resources.put("limits", Map.of(GPU, String.valueOf(gpus)));
    }
    List<Map<String, Object>> env = new ArrayList<>();
    for (EnvVar var : env(name, pass, orchestratorUrl)) {
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("name", var.getName());
      if (var.getValueFrom() != null) {
        e.put("valueFrom", Map.of("secretKeyRef", Map.of("name", var.getValueFrom().getSecretKeyRef().getName(),
            "key", var.getValueFrom().getSecretKeyRef().getKey())));
      } else {
        e.put("value", var.getValue());
      }
      env.add(e);
    }
    Map<String, Object> trainer = new LinkedHashMap<>();
    trainer.put("image", s.workerImage());
    trainer.put("command", List.of("simpletuner", "worker"));
    trainer.put("numNodes", 1);
    trainer.put("numProcPerNode", 1);
    trainer.put("resourcesPerNode", resources);
    trainer.put("env", env);
    Map<String, Object> spec = new LinkedHashMap<>();
    spec.put("runtimeRef", Map.of("name", s.runtimeName(), "kind", s.runtimeKind(), "apiGroup", TRAINJOB.getGroup()));
    spec.put("trainer", trainer);
    spec.put("labels", podLabels(s, name, pass));
    Map<String, Object> override = new LinkedHashMap<>();
    if (!s.nodeSelector().isEmpty()) {
      override.put("nodeSelector", s.nodeSelector());
    }
    if (!s.tolerations().isEmpty()) {
      override.put("tolerations", s.tolerations().stream().map(Manifests::toleration).toList());
    }
    if (s.serviceAccount() != null) {
      override.put("serviceAccountName", s.serviceAccount());
    }
    if (!override.isEmpty()) {
      override.put("targetJobs", List.of(Map.of("name", "node")));
      spec.put("podSpecOverrides", List.of(override));
    }
    GenericKubernetesResource train = new GenericKubernetesResource();
    train.setApiVersion(TRAINJOB.getGroup() + "/" + TRAINJOB.getVersion());
    train.setKind(TRAINJOB.getKind());
    train.setMetadata(meta(s, name, name, jobId, pass));
    train.setAdditionalProperty("spec", spec);
    return train;
  }

  private static PodSpec pod(KubeSettings s, String name, WorkerPass pass, String orchestratorUrl, int gpus) {
    Map<String, Quantity> gpu = gpus > 0 ? Map.of(GPU, new Quantity(String.valueOf(gpus))) : Map.of();
    PodSpecBuilder pod = new PodSpecBuilder().withRestartPolicy("Never")
        .withNodeSelector(s.nodeSelector().isEmpty() ? null : s.nodeSelector())
        .withTolerations(s.tolerations().isEmpty() ? null : s.tolerations())
        .withServiceAccountName(s.serviceAccount())
        .addNewContainer()
          .withName(CONTAINER).withImage(s.workerImage()).withCommand("simpletuner", "worker")
          .withEnv(env(name, pass, orchestratorUrl))
          .withNewResources().withRequests(gpu).withLimits(gpu).endResources()
        .endContainer();
    if (s.imagePullSecret() != null) {
      pod.withImagePullSecrets(new LocalObjectReference(s.imagePullSecret()));
    }
    return pod.build();
  }

  private static List<EnvVar> env(String name, WorkerPass pass, String orchestratorUrl) {
    return List.of(
        new EnvVar("SIMPLETUNER_ORCHESTRATOR_URL", orchestratorUrl, null),
        new EnvVarBuilder().withName("SIMPLETUNER_WORKER_TOKEN").withNewValueFrom().withNewSecretKeyRef()
            .withName(secretName(name)).withKey(TOKEN_KEY).endSecretKeyRef().endValueFrom().build(),
        new EnvVar("SIMPLETUNER_WORKER_NAME", name, null),
        new EnvVar("SIMPLETUNER_WORKER_PERSISTENT", "false", null));
  }

  private static ObjectMeta meta(KubeSettings s, String jobName, String objectName, String jobId, WorkerPass pass) {
    return new ObjectMetaBuilder().withName(objectName).withNamespace(s.namespace())
        .withLabels(objectLabels(s, jobName, pass)).withAnnotations(Map.of(JOB_ID_ANNOTATION, jobId)).build();
  }

  private static Map<String, String> objectLabels(KubeSettings s, String name, WorkerPass pass) {
    Map<String, String> labels = podLabels(s, name, pass);
    if (s.queueName() != null) {
      labels.put(KUEUE_QUEUE, s.queueName());
    }
    return labels;
  }

  private static Map<String, String> podLabels(KubeSettings s, String name, WorkerPass pass) {
    Map<String, String> labels = new LinkedHashMap<>(s.labels());
    labels.put(MANAGED_BY, MANAGER);
    labels.put(JOB_LABEL, name);
    labels.put(WORKER_LABEL, pass.workerId());
    return labels;
  }

  private static Map<String, Object> toleration(Toleration t) {
    Map<String, Object> out = new LinkedHashMap<>();
    putIf(out, "key", t.getKey());
    putIf(out, "operator", t.getOperator());
    putIf(out, "value", t.getValue());
    putIf(out, "effect", t.getEffect());
    putIf(out, "tolerationSeconds", t.getTolerationSeconds());
    return out;
  }

  private static void putIf(Map<String, Object> map, String key, Object value) {
    if (value != null) {
      map.put(key, value);
    }
  }

  private static String hash(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
