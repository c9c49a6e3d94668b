package dev.simpletuner.cloud.provider.kubernetes;

import dev.simpletuner.cloud.spi.CredentialStatus;
import dev.simpletuner.cloud.spi.JobSpec;
import dev.simpletuner.cloud.spi.Provider;
import dev.simpletuner.cloud.spi.ProviderContext;
import dev.simpletuner.cloud.spi.ProviderJobStatus;
import dev.simpletuner.cloud.spi.ProviderStatus;
import dev.simpletuner.cloud.spi.SubmittedJob;
import dev.simpletuner.cloud.spi.WorkerPass;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.vertx.core.Future;
import java.lang.System.Logger.Level;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * Runs each job as one pod in a cluster. Submitting asks the host for a one-job worker pass, puts
 * its token in a Secret and creates the Job or TrainJob whose pod starts the worker agent with it;
 * the agent joins the host's fleet and is handed that job, and reports how the training goes. This
 * provider reports what the cluster does to the pod. Every call to the API server is blocking in
 * the fabric8 client, so each runs on a worker thread.
 */
final class KubernetesProvider implements Provider {
  private final ProviderContext ctx;
  private final System.Logger log;
  private volatile KubernetesClient client;
  /** Whether the cluster serves TrainJobs, asked once per client (API discovery). */
  private volatile Boolean trainJobs;
  private final long sweepTimer;

  KubernetesProvider(ProviderContext ctx) {
    this.ctx = ctx;
    this.log = ctx.logger();
    this.client = KubeClients.build(ctx.vertx(), settings(), ctx.httpTimeoutMillis());
    long every = Math.max(30, Math.min(300, settings().cleanupAfterSeconds() / 4)) * 1000;
    // Nothing to clean up until the provider is configured (a server that never uses it stays quiet).
    this.sweepTimer = ctx.vertx().setPeriodic(every, id -> (settings().workerImage() == null
        ? Future.succeededFuture(0) : cleanUp())
        .onFailure(e -> log.log(Level.WARNING, "Cleaning up finished Kubernetes jobs failed: " + e.getMessage())));
  }

  private KubeSettings settings() {
    return KubeSettings.of(ctx.settings());
  }

  /** Local datasets reach the pod's trainer through the host's storage endpoint, as for any worker. */
  @Override
  public boolean readsDatasetsOverS3() {
    return true;
  }

  @Override
  public Future<CredentialStatus> validateCredentials() {
    return blocking("listing Jobs", () -> {
      KubeSettings s = settings();
      client.batch().v1().jobs().inNamespace(s.namespace()).withLabel(Manifests.MANAGED_BY, Manifests.MANAGER).list();
      return CredentialStatus.ok(client.getConfiguration().getMasterUrl());
    }).recover(e -> Future.succeededFuture(CredentialStatus.invalid(e.getMessage())));
  }

  @Override
  public Future<List<String>> check(JobSpec spec) {
    try {
      KubeSettings s = settings();
      if (s.workerImage() == null) {
        throw new IllegalArgumentException("The kubernetes provider needs the worker_image setting (an image with "
            + "SimpleTuner installed).");
      }
      return Future.succeededFuture(List.of());
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
  }

  @Override
  public Future<SubmittedJob> submit(JobSpec spec) {
    KubeSettings s;
    try {
      s = settings();
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    if (s.workerImage() == null) {
      return Future.failedFuture(new IllegalArgumentException("The kubernetes provider needs the worker_image setting."));
    }
    String name = Manifests.name(spec.jobId());
    int gpus = gpus(spec);
    return ctx.workerPass(spec.jobId()).compose(pass -> {
      String url = s.orchestratorUrl() != null ? s.orchestratorUrl() : pass.orchestratorUrl();
      if (url == null) {
        return ctx.revokeWorkerPass(spec.jobId()).transform(v -> Future.failedFuture(new IllegalArgumentException(
            "The worker pods cannot reach this server: set the provider's orchestrator_url or the server's public URL.")));
      }
      return blocking("creating the job's objects in namespace " + s.namespace(), () -> create(s, name, spec, pass,
              url, gpus))
          .recover(e -> ctx.revokeWorkerPass(spec.jobId()).transform(v -> Future.failedFuture(e)));
    }).map(object -> new SubmittedJob(object.id(), ProviderStatus.QUEUED, gpus + "x " + Manifests.GPU));
  }

  private KubeObject create(KubeSettings s, String name, JobSpec spec, WorkerPass pass, String url, int gpus) {
    boolean train = s.usesTrainJob(hasTrainJobs());
    KubeObject object = new KubeObject(train, s.namespace(), name);
    // An object of that name is an earlier attempt of this job (requeued after it lost its pod): it goes first.
    delete(object);
    var secret = client.secrets().inNamespace(s.namespace()).resource(Manifests.secret(s, name, spec.jobId(), pass))
        .createOr(existing -> existing.update());
    HasMetadata created;
    try {
      created = train
          ? client.genericKubernetesResources(Manifests.TRAINJOB).inNamespace(s.namespace())
              .resource(Manifests.trainJob(s, name, spec.jobId(), pass, url, gpus)).create()
          : client.batch().v1().jobs().inNamespace(s.namespace())
              .resource(Manifests.job(s, name, spec.jobId(), pass, url, gpus)).create();
    } catch (KubernetesClientException e) {
      deleteQuietly(() -> client.secrets().inNamespace(s.namespace()).withName(secret.getMetadata().getName()).delete());
      throw e;
    }
    // The Secret goes with its object when someone deletes that with kubectl (garbage collection).
    deleteQuietly(() -> client.secrets().inNamespace(s.namespace()).withName(secret.getMetadata().getName())
        .edit(sec -> {
          sec.getMetadata().setOwnerReferences(List.of(new OwnerReferenceBuilder()
              .withApiVersion(created.getApiVersion()).withKind(created.getKind())
              .withName(created.getMetadata().getName()).withUid(created.getMetadata().getUid()).build()));
          return sec;
        }));
    log.log(Level.INFO, "Job " + spec.jobId() + " is " + object + " (" + gpus + " GPU, worker " + pass.workerId() + ")");
    return object;
  }

  @Override
  public Future<ProviderJobStatus> status(String externalId) {
    KubeObject object = KubeObject.parse(externalId);
    return blocking("reading " + object, () -> {
      ClusterState state = ClusterReader.read(client, object);
      if (state == null) {
        return new ProviderJobStatus(externalId, ProviderStatus.FAILED, "The Kubernetes " + object
            + " is gone: it was deleted outside this server.", null, Instant.now(), null, null);
      }
      Instant started = state.status() == ProviderStatus.QUEUED ? null
          : ClusterReader.started(ClusterReader.pods(client, object));
      return new ProviderJobStatus(externalId, state.status(), state.message(), started,
          state.status().isTerminal() ? state.ended() : null, null, null);
    });
  }

  /** Deletes the object (its pods with it) and the Secret; a job already gone is fine. */
  @Override
  public Future<Void> cancel(String externalId) {
    KubeObject object = KubeObject.parse(externalId);
    return blocking("deleting " + object, () -> {
      delete(object);
      return null;
    });
  }

  void delete(KubeObject object) {
    boolean gone = !(object.trainJob()
        ? client.genericKubernetesResources(Manifests.TRAINJOB).inNamespace(object.namespace()).withName(object.name())
            .withPropagationPolicy(DeletionPropagation.BACKGROUND).delete()
        : client.batch().v1().jobs().inNamespace(object.namespace()).withName(object.name())
            .withPropagationPolicy(DeletionPropagation.BACKGROUND).delete()).isEmpty();
    gone |= !client.secrets().inNamespace(object.namespace()).withName(Manifests.secretName(object.name())).delete()
        .isEmpty();
    if (gone) {
      log.log(Level.INFO, "Deleted " + object + " and its worker token Secret");
    }
  }

  /**
   * The pod's own log, only when its agent failed (the pod failed, or its container exited non-zero):
   * why it never ran the job (a server it cannot reach, a refused token, an OOM kill). A job's log
   * otherwise comes from its trainer, through the worker; the agent's copy of it would repeat it.
   */
  @Override
  public Future<String> logs(String externalId) {
    KubeObject object = KubeObject.parse(externalId);
    return blocking("reading the pod log of " + object, () -> {
      Pod pod = ClusterState.current(ClusterReader.pods(client, object));
      if (pod == null || !agentFailed(pod)) {
        return "";
      }
      String text = client.pods().inNamespace(object.namespace()).withName(pod.getMetadata().getName())
          .tailingLines(2000).getLog();
      return text == null ? "" : text;
    });
  }

  private static boolean agentFailed(Pod pod) {
    if (pod.getStatus() == null) {
      return false;
    }
    if ("Failed".equals(pod.getStatus().getPhase())) {
      return true;
    }
    return pod.getStatus().getContainerStatuses() != null && pod.getStatus().getContainerStatuses().stream()
        .anyMatch(c -> c.getState() != null && c.getState().getTerminated() != null
            && c.getState().getTerminated().getExitCode() != null && c.getState().getTerminated().getExitCode() != 0);
  }

  @Override
  public Future<Optional<SubmittedJob>> findSubmitted(String jobId) {
    return blocking("looking for the job's objects", () -> {
      KubeSettings s = settings();
      String name = Manifests.name(jobId);
      if (client.batch().v1().jobs().inNamespace(s.namespace()).withName(name).get() != null) {
        return Optional.of(new SubmittedJob(new KubeObject(false, s.namespace(), name).id(), ProviderStatus.QUEUED, null));
      }
      if (hasTrainJobs() && client.genericKubernetesResources(Manifests.TRAINJOB).inNamespace(s.namespace())
          .withName(name).get() != null) {
        return Optional.of(new SubmittedJob(new KubeObject(true, s.namespace(), name).id(), ProviderStatus.QUEUED, null));
      }
      return Optional.empty();
    });
  }

  /** Deletes the Secrets of finished jobs now and their objects after the grace period. */
  Future<Integer> cleanUp() {
    return blocking("cleaning up finished jobs", () -> new Cleanup(client, settings(), hasTrainJobs(), log).run());
  }

  @Override
  public void settingsChanged() {
    KubernetesClient old = client;
    ctx.vertx().executeBlocking(() -> {
      client = KubeClients.build(ctx.vertx(), settings(), ctx.httpTimeoutMillis());
      trainJobs = null;
      old.close();
      return null;
    }, false).onFailure(e -> log.log(Level.WARNING, "The Kubernetes client was not rebuilt: " + e.getMessage()));
  }

  @Override
  public void close() {
    ctx.vertx().cancelTimer(sweepTimer);
    client.close();
  }

  private boolean hasTrainJobs() {
    Boolean known = trainJobs;
    if (known == null) {
      try {
        known = client.supports(Manifests.TRAINJOB.getGroup() + "/" + Manifests.TRAINJOB.getVersion(),
            Manifests.TRAINJOB.getKind());
      } catch (KubernetesClientException e) {
        log.log(Level.WARNING, "API discovery failed, assuming no Kubeflow Trainer: " + e.getMessage());
        return false;
      }
      trainJobs = known;
    }
    return known;
  }

  /** GPUs per job: the trainer's {@code --num_processes} (one per process), else 1. */
  static int gpus(JobSpec spec) {
    Object value = spec.config() == null ? null : spec.config().getValue("--num_processes");
    if (value instanceof Number n) {
      return Math.max(0, n.intValue());
    }
    if (value instanceof String text && text.strip().matches("\\d{1,3}")) {
      return Integer.parseInt(text.strip());
    }
    return 1;
  }

  private <T> Future<T> blocking(String doing, Callable<T> call) {
    return ctx.vertx().executeBlocking(() -> {
      try {
        return call.call();
      } catch (KubernetesClientException e) {
        throw KubeClients.words(doing, e);
      }
    }, false);
  }

  private void deleteQuietly(Runnable call) {
    try {
      call.run();
    } catch (KubernetesClientException e) {
      log.log(Level.WARNING, "A Kubernetes clean-up call failed: " + e.getMessage());
    }
  }
}
