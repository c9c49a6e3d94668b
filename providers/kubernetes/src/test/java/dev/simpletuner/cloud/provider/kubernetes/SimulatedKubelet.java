package dev.simpletuner.cloud.provider.kubernetes;

import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The cluster's side in tests, against the mock API server: when a Job (or TrainJob) of ours
 * appears it makes its pod, with the labels and environment the object asked for, and gives it
 * the status the test scripted for it (scheduled and running, unschedulable, an image that cannot
 * be pulled, OOM-killed, evicted), setting the Job's conditions as the job controller would.
 */
public final class SimulatedKubelet implements AutoCloseable {
  /** What happens to a pod. */
  public enum Fate { RUNNING, UNSCHEDULABLE, IMAGE_PULL_BACK_OFF, OOM_KILLED, EVICTED, EXITED_WITHOUT_REPORT }

  private final KubernetesClient admin;
  private final String namespace;
  private final Map<String, Fate> fates = new ConcurrentHashMap<>();
  private final Map<String, Map<String, String>> podEnv = new ConcurrentHashMap<>();
  private final List<Watch> watches;
  private volatile Fate defaultFate = Fate.RUNNING;
  private volatile Consumer<Map<String, String>> onStart = env -> { };

  SimulatedKubelet(KubernetesClient admin, String namespace, boolean trainJobs) {
    this.admin = admin;
    this.namespace = namespace;
    Watch jobs = admin.batch().v1().jobs().inNamespace(namespace).watch(new Watcher<Job>() {
      @Override
      public void eventReceived(Action action, Job job) {
        if (action == Action.ADDED) {
          started(job.getMetadata().getName(), job.getSpec().getTemplate().getMetadata().getLabels(),
              envOf(job.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv()), false);
        }
      }

      @Override
      public void onClose(WatcherException cause) {
      }
    });
    watches = trainJobs ? List.of(jobs, admin.genericKubernetesResources(Manifests.TRAINJOB).inNamespace(namespace)
        .watch(new Watcher<GenericKubernetesResource>() {
          @Override
          public void eventReceived(Action action, GenericKubernetesResource train) {
            if (action == Action.ADDED) {
              Map<String, Object> spec = ClusterReader.map(train.getAdditionalProperties().get("spec"));
              Map<String, String> labels = new LinkedHashMap<>();
              labels.put(ClusterReader.JOBSET_LABEL, train.getMetadata().getName());
              Map<String, Object> trainer = ClusterReader.map(spec.get("trainer"));
              Map<String, String> env = new LinkedHashMap<>();
              for (Object e : (List<?>) trainer.get("env")) {
                Map<String, Object> var = ClusterReader.map(e);
                env.put(String.valueOf(var.get("name")), var.get("value") == null ? null : String.valueOf(var.get("value")));
              }
              started(train.getMetadata().getName(), labels, env, true);
            }
          }

          @Override
          public void onClose(WatcherException cause) {
          }
        })) : List.of(jobs);
  }

  /** The fate of pods no fate was set for. */
  public void defaultFate(Fate fate) {
    defaultFate = fate;
  }

  public void fate(String objectName, Fate fate) {
    fates.put(objectName, fate);
  }

  /** Called with the pod's environment when a pod starts running (the agent would start now). */
  public void onStart(Consumer<Map<String, String>> action) {
    onStart = action;
  }

  public Map<String, String> envOf(String objectName) {
    return podEnv.get(objectName);
  }

  private static Map<String, String> envOf(List<io.fabric8.kubernetes.api.model.EnvVar> vars) {
    Map<String, String> env = new LinkedHashMap<>();
    vars.forEach(v -> env.put(v.getName(), v.getValue()));
    return env;
  }

  private void started(String name, Map<String, String> labels, Map<String, String> env, boolean trainJob) {
    // The token comes from the Secret, as the kubelet resolves secretKeyRef.
    var secret = admin.secrets().inNamespace(namespace).withName(Manifests.secretName(name)).get();
    Map<String, String> resolved = new LinkedHashMap<>(env);
    if (secret != null) {
      String token = secret.getStringData() != null ? secret.getStringData().get(Manifests.TOKEN_KEY)
          : new String(java.util.Base64.getDecoder().decode(secret.getData().get(Manifests.TOKEN_KEY)));
      resolved.put("SIMPLETUNER_WORKER_TOKEN", token);
    }
    podEnv.put(name, resolved);
    Fate fate = fates.getOrDefault(name, defaultFate);
    Pod pod = new PodBuilder().withNewMetadata().withName(name + "-pod").withNamespace(namespace).withLabels(labels)
        .withCreationTimestamp(Instant.now().toString()).endMetadata()
        .withNewSpec().addNewContainer().withName("worker").withImage("img").endContainer().endSpec()
        .withStatus(status(fate)).build();
    admin.pods().inNamespace(namespace).resource(pod).create();
    if (fate == Fate.OOM_KILLED || fate == Fate.EVICTED || fate == Fate.EXITED_WITHOUT_REPORT) {
      if (!trainJob) {
        finishJob(name, fate == Fate.EXITED_WITHOUT_REPORT);
      }
    }
    if (fate == Fate.RUNNING) {
      onStart.accept(resolved);
    }
  }

  /** The job controller's conclusion once the pod ended. */
  public void finishJob(String name, boolean complete) {
    String now = Instant.now().toString();
    admin.batch().v1().jobs().inNamespace(namespace).withName(name).editStatus(job -> {
      job.setStatus(new io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder().withConditions(complete
          ? new JobConditionBuilder().withType("Complete").withStatus("True").withLastTransitionTime(now).build()
          : new JobConditionBuilder().withType("Failed").withStatus("True").withReason("BackoffLimitExceeded")
              .withMessage("Job has reached the specified backoff limit").withLastTransitionTime(now).build())
          .withCompletionTime(complete ? now : null).build());
      return job;
    });
  }

  /**
   * The scheduler preempts the job's running pod (DisruptionTarget, as the kubelet reports it), and
   * the job controller, told by the Job's pod failure policy to ignore that, starts a new one.
   */
  public void preempt(String name, int replacement) {
    String now = Instant.now().toString();
    Pod old = admin.pods().inNamespace(namespace).withLabel(Manifests.JOB_LABEL, name).list().getItems().stream()
        .filter(p -> "Running".equals(p.getStatus().getPhase())).findFirst().orElseThrow();
    admin.pods().inNamespace(namespace).withName(old.getMetadata().getName()).editStatus(p -> {
      p.setStatus(new PodStatusBuilder().withPhase("Failed").addToConditions(new PodConditionBuilder()
          .withType("DisruptionTarget").withStatus("True").withReason("PreemptionByScheduler")
          .withMessage("default-scheduler: preempting to accommodate a higher priority pod").build())
          .addToContainerStatuses(new ContainerStatusBuilder().withName("worker").withImage("img").withNewState()
              .withNewTerminated().withExitCode(137).withReason("Error").withFinishedAt(now).endTerminated()
              .endState().build()).build());
      return p;
    });
    Pod next = new PodBuilder().withNewMetadata().withName(name + "-pod-" + replacement).withNamespace(namespace)
        .withLabels(old.getMetadata().getLabels()).withCreationTimestamp(Instant.now().plusSeconds(replacement)
            .toString()).endMetadata()
        .withNewSpec().addNewContainer().withName("worker").withImage("img").endContainer().endSpec()
        .withStatus(status(Fate.RUNNING)).build();
    admin.pods().inNamespace(namespace).resource(next).create();
  }

  /** The pod ends now, after running (the agent exited). */
  public void podSucceeded(String name) {
    admin.pods().inNamespace(namespace).withName(name + "-pod").editStatus(p -> {
      p.setStatus(new PodStatusBuilder().withPhase("Succeeded").withStartTime(Instant.now().toString())
          .addToContainerStatuses(new ContainerStatusBuilder().withName("worker").withImage("img").withNewState()
              .withNewTerminated().withExitCode(0).withReason("Completed").withFinishedAt(Instant.now().toString())
              .endTerminated().endState().build()).build());
      return p;
    });
  }

  private static PodStatus status(Fate fate) {
    String now = Instant.now().toString();
    return switch (fate) {
      case RUNNING -> new PodStatusBuilder().withPhase("Running").withStartTime(now)
          .addToContainerStatuses(new ContainerStatusBuilder().withName("worker").withImage("img").withReady(true)
              .withNewState().withNewRunning().withStartedAt(now).endRunning().endState().build()).build();
      case UNSCHEDULABLE -> new PodStatusBuilder().withPhase("Pending")
          .addToConditions(new PodConditionBuilder().withType("PodScheduled").withStatus("False")
              .withReason("Unschedulable").withMessage("0/3 nodes are available: 3 Insufficient nvidia.com/gpu.")
              .build()).build();
      case IMAGE_PULL_BACK_OFF -> new PodStatusBuilder().withPhase("Pending")
          .addToContainerStatuses(new ContainerStatusBuilder().withName("worker").withImage("registry.example/st:1")
              .withNewState().withNewWaiting().withReason("ImagePullBackOff")
              .withMessage("Back-off pulling image \"registry.example/st:1\"").endWaiting().endState().build()).build();
      case OOM_KILLED -> new PodStatusBuilder().withPhase("Failed").withStartTime(now)
          .addToContainerStatuses(new ContainerStatusBuilder().withName("worker").withImage("img").withNewState()
              .withNewTerminated().withExitCode(137).withReason("OOMKilled").withFinishedAt(now).endTerminated()
              .endState().build()).build();
      case EVICTED -> new PodStatusBuilder().withPhase("Failed").withReason("Evicted")
          .withMessage("The node was low on resource: memory.").build();
      case EXITED_WITHOUT_REPORT -> new PodStatusBuilder().withPhase("Succeeded").withStartTime(now)
          .addToContainerStatuses(new ContainerStatusBuilder().withName("worker").withImage("img").withNewState()
              .withNewTerminated().withExitCode(0).withReason("Completed").withFinishedAt(now).endTerminated()
              .endState().build()).build();
    };
  }

  @Override
  public void close() {
    watches.forEach(Watch::close);
  }
}
