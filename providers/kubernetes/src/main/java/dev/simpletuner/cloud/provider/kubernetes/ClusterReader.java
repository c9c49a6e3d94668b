package dev.simpletuner.cloud.provider.kubernetes;

import dev.simpletuner.cloud.provider.kubernetes.ClusterState.Condition;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads a job's object and pods from the cluster (blocking calls: worker threads only). */
final class ClusterReader {
  /** The label JobSet puts on the pods of a TrainJob (the JobSet is named after the TrainJob). */
  static final String JOBSET_LABEL = "jobset.sigs.k8s.io/jobset-name";

  private ClusterReader() {
  }

  /** The object's state; null when the object does not exist. */
  static ClusterState read(KubernetesClient client, KubeObject object) {
    Map<String, Condition> conditions = new LinkedHashMap<>();
    boolean suspended;
    String queue;
    if (object.trainJob()) {
      GenericKubernetesResource train = client.genericKubernetesResources(Manifests.TRAINJOB)
          .inNamespace(object.namespace()).withName(object.name()).get();
      if (train == null) {
        return null;
      }
      Map<String, Object> spec = map(train.getAdditionalProperties().get("spec"));
      Map<String, Object> status = map(train.getAdditionalProperties().get("status"));
      Object list = status.get("conditions");
      if (list instanceof List<?> items) {
        for (Object item : items) {
          Map<String, Object> c = map(item);
          conditions.put(String.valueOf(c.get("type")), new Condition(str(c.get("status")), str(c.get("reason")),
              str(c.get("message")), time(str(c.get("lastTransitionTime")))));
        }
      }
      suspended = Boolean.TRUE.equals(spec.get("suspend"));
      queue = train.getMetadata().getLabels() == null ? null : train.getMetadata().getLabels().get(Manifests.KUEUE_QUEUE);
    } else {
      Job job = client.batch().v1().jobs().inNamespace(object.namespace()).withName(object.name()).get();
      if (job == null) {
        return null;
      }
      if (job.getStatus() != null && job.getStatus().getConditions() != null) {
        for (JobCondition c : job.getStatus().getConditions()) {
          conditions.put(c.getType(), new Condition(c.getStatus(), c.getReason(), c.getMessage(),
              time(c.getLastTransitionTime())));
        }
      }
      suspended = job.getSpec() != null && Boolean.TRUE.equals(job.getSpec().getSuspend());
      queue = job.getMetadata().getLabels() == null ? null : job.getMetadata().getLabels().get(Manifests.KUEUE_QUEUE);
    }
    return ClusterState.of(object.kind(), conditions, suspended, queue, pods(client, object));
  }

  static List<Pod> pods(KubernetesClient client, KubeObject object) {
    List<Pod> pods = new ArrayList<>(client.pods().inNamespace(object.namespace())
        .withLabel(Manifests.JOB_LABEL, object.name()).list().getItems());
    if (object.trainJob() && pods.isEmpty()) {
      pods.addAll(client.pods().inNamespace(object.namespace()).withLabel(JOBSET_LABEL, object.name()).list()
          .getItems());
    }
    return pods;
  }

  /** When the pod started running, if it did. */
  static Instant started(List<Pod> pods) {
    return pods.stream().map(p -> p.getStatus() == null ? null : time(p.getStatus().getStartTime()))
        .filter(t -> t != null).min(Instant::compareTo).orElse(null);
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> map(Object value) {
    return value instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
  }

  private static String str(Object value) {
    return value == null ? null : String.valueOf(value);
  }

  static Instant time(String text) {
    if (text == null || text.isBlank()) {
      return null;
    }
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
