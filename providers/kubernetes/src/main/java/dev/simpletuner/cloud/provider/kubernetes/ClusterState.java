package dev.simpletuner.cloud.provider.kubernetes;

import dev.simpletuner.cloud.spi.ProviderStatus;
import io.fabric8.kubernetes.api.model.ContainerStateTerminated;
import io.fabric8.kubernetes.api.model.ContainerStateWaiting;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the cluster says about a job's object and its pod, in the host's statuses and in words. The
 * worker's own reports (through the fleet) say how the training went; this says what the cluster
 * did to the pod: waiting for a node, an image it cannot pull, a container killed for memory, an
 * eviction. A pod that ends without the worker having reported the job's end is a failure: the
 * one-job agent reports before it exits.
 *
 * @param status  the host's status for the job
 * @param message why, in words; null when there is nothing to say
 * @param ended   when the object finished (for the clean-up grace period); null while it runs
 */
record ClusterState(ProviderStatus status, String message, Instant ended) {
  /** Container waiting reasons that mean the pod cannot start as it is (kubelet's words). */
  private static final Set<String> STUCK = Set.of("ImagePullBackOff", "ErrImagePull", "InvalidImageName",
      "CreateContainerConfigError", "CreateContainerError", "CrashLoopBackOff");

  /**
   * @param kind       "Job" or "TrainJob", for the words
   * @param conditions the object's conditions: type → (status, reason, message, lastTransitionTime)
   * @param suspended  the object is suspended (Kueue holds it until its queue admits it)
   * @param queue      the Kueue queue, when one is set
   * @param pods       the job's pods, any order
   */
  static ClusterState of(String kind, Map<String, Condition> conditions, boolean suspended, String queue,
                         List<Pod> pods) {
    Pod pod = current(pods);
    String podWords = pod == null ? null : podProblem(pod);
    Condition failed = trueOf(conditions, "Failed");
    if (failed != null) {
      String why = "The Kubernetes " + kind + " failed" + detail(failed) + ".";
      return new ClusterState(ProviderStatus.FAILED, podWords == null ? why : podWords + " " + why, failed.at());
    }
    Condition complete = trueOf(conditions, "Complete");
    if (complete == null) {
      complete = trueOf(conditions, "Succeeded");
    }
    if (complete != null) {
      return new ClusterState(ProviderStatus.FAILED, "The worker pod exited without reporting the end of the job "
          + "(its log has what it printed).", complete.at());
    }
    if (suspended || trueOf(conditions, "Suspended") != null) {
      return new ClusterState(ProviderStatus.QUEUED, queue == null ? "The Kubernetes " + kind + " is suspended."
          : "Waiting in the Kueue queue " + queue + " until it admits the job.", null);
    }
    if (pod == null) {
      return new ClusterState(ProviderStatus.QUEUED, "Waiting for Kubernetes to create the worker pod.", null);
    }
    String phase = pod.getStatus() == null ? null : pod.getStatus().getPhase();
    if (disrupted(pod)) {
      return new ClusterState(ProviderStatus.QUEUED, podWords + " Kubernetes starts a new pod for the job.", null);
    }
    if ("Failed".equals(phase)) {
      // The Job's own Failed condition may lag the pod by a moment; the pod's failure is final (backoffLimit 0).
      return new ClusterState(ProviderStatus.FAILED, podWords == null ? "The worker pod failed." : podWords,
          ended(pod));
    }
    if ("Succeeded".equals(phase)) {
      return new ClusterState(ProviderStatus.FAILED, "The worker pod exited without reporting the end of the job "
          + "(its log has what it printed).", ended(pod));
    }
    if ("Running".equals(phase) && podWords == null) {
      return new ClusterState(ProviderStatus.RUNNING, null, null);
    }
    return new ClusterState(ProviderStatus.QUEUED, podWords == null ? "The worker pod is starting." : podWords, null);
  }

  /** The pod that speaks for the job: a live one (a replacement) before the latest ended one. */
  static Pod current(List<Pod> pods) {
    Comparator<Pod> byAge = Comparator.comparing(p -> p.getMetadata().getCreationTimestamp() == null ? ""
        : p.getMetadata().getCreationTimestamp());
    return pods.stream().filter(p -> !ended(p.getStatus() == null ? null : p.getStatus().getPhase())).max(byAge)
        .or(() -> pods.stream().max(byAge)).orElse(null);
  }

  private static boolean ended(String phase) {
    return "Failed".equals(phase) || "Succeeded".equals(phase);
  }

  /** The cluster took the pod away (preemption, eviction, a drained node): not the job's failure. */
  static boolean disrupted(Pod pod) {
    var status = pod.getStatus();
    if (status == null) {
      return false;
    }
    if ("Evicted".equals(status.getReason()) || "Preempted".equals(status.getReason())) {
      return true;
    }
    return status.getConditions() != null && status.getConditions().stream()
        .anyMatch(c -> "DisruptionTarget".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  /** The pod's trouble in words, or null when it has none. */
  static String podProblem(Pod pod) {
    var status = pod.getStatus();
    if (status == null) {
      return null;
    }
    if ("Evicted".equals(status.getReason()) || "Preempted".equals(status.getReason())
        || "DeadlineExceeded".equals(status.getReason())) {
      return "The worker pod was " + ("DeadlineExceeded".equals(status.getReason()) ? "stopped at its deadline"
          : status.getReason().toLowerCase(java.util.Locale.ROOT)) + (status.getMessage() == null ? ""
          : ": " + status.getMessage()) + ".";
    }
    for (PodCondition c : status.getConditions() == null ? List.<PodCondition>of() : status.getConditions()) {
      if ("DisruptionTarget".equals(c.getType()) && "True".equals(c.getStatus())) {
        return "The worker pod was stopped by the cluster (" + c.getReason() + ")" + suffix(c.getMessage()) + ".";
      }
    }
    for (ContainerStatus c : status.getContainerStatuses() == null ? List.<ContainerStatus>of()
        : status.getContainerStatuses()) {
      ContainerStateTerminated ended = c.getState() == null ? null : c.getState().getTerminated();
      if (ended == null && c.getLastState() != null) {
        ended = c.getLastState().getTerminated();
      }
      if (ended != null && "OOMKilled".equals(ended.getReason())) {
        return "The worker was killed for using more memory than its limit (OOMKilled).";
      }
      ContainerStateWaiting waiting = c.getState() == null ? null : c.getState().getWaiting();
      if (waiting != null && STUCK.contains(waiting.getReason())) {
        String what = waiting.getReason().contains("Image") ? "The worker image " + c.getImage()
            + " cannot be pulled (" + waiting.getReason() + ")" : "The worker container cannot start ("
            + waiting.getReason() + ")";
        return what + suffix(waiting.getMessage()) + ".";
      }
      if (ended != null && ended.getExitCode() != null && ended.getExitCode() != 0 && c.getState() != null
          && c.getState().getTerminated() != null) {
        return "The worker exited with status " + ended.getExitCode()
            + (ended.getReason() == null ? "" : " (" + ended.getReason() + ")") + suffix(ended.getMessage()) + ".";
      }
    }
    for (PodCondition c : status.getConditions() == null ? List.<PodCondition>of() : status.getConditions()) {
      if ("PodScheduled".equals(c.getType()) && "False".equals(c.getStatus())) {
        return "No node can run the worker pod yet (" + (c.getReason() == null ? "not scheduled" : c.getReason())
            + ")" + suffix(c.getMessage()) + ".";
      }
    }
    return null;
  }

  /** When the pod's container ended (now when the kubelet did not say). */
  private static Instant ended(Pod pod) {
    for (ContainerStatus c : pod.getStatus().getContainerStatuses() == null ? List.<ContainerStatus>of()
        : pod.getStatus().getContainerStatuses()) {
      if (c.getState() != null && c.getState().getTerminated() != null
          && c.getState().getTerminated().getFinishedAt() != null) {
        Instant at = ClusterReader.time(c.getState().getTerminated().getFinishedAt());
        if (at != null) {
          return at;
        }
      }
    }
    return Instant.now();
  }

  /** One condition of a Job or TrainJob. */
  record Condition(String status, String reason, String message, Instant at) {
  }

  private static Condition trueOf(Map<String, Condition> conditions, String type) {
    Condition c = conditions.get(type);
    return c != null && "True".equalsIgnoreCase(c.status()) ? c : null;
  }

  private static String detail(Condition c) {
    String reason = c.reason() == null ? "" : " (" + c.reason() + ")";
    return reason + suffix(c.message());
  }

  private static String suffix(String message) {
    if (message == null || message.isBlank()) {
      return "";
    }
    String m = message.strip();
    return ": " + (m.endsWith(".") ? m.substring(0, m.length() - 1) : m);
  }
}
