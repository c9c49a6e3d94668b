package dev.simpletuner.cloud.provider.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.simpletuner.cloud.provider.kubernetes.SimulatedKubelet.Fate;
import dev.simpletuner.cloud.spi.JobSpec;
import dev.simpletuner.cloud.spi.Plugin;
import dev.simpletuner.cloud.spi.ProviderException;
import dev.simpletuner.cloud.spi.ProviderJobStatus;
import dev.simpletuner.cloud.spi.ProviderStatus;
import dev.simpletuner.cloud.spi.SubmittedJob;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinitionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The provider against fabric8's mock API server in CRUD mode, with a simulated kubelet. */
class KubernetesProviderTest {
  private TestCluster cluster;
  private SimulatedKubelet kubelet;

  @BeforeEach
  void start() {
    cluster = new TestCluster();
  }

  @AfterEach
  void stop() {
    if (kubelet != null) {
      kubelet.close();
    }
    cluster.close();
  }

  private static JobSpec spec(String jobId, int processes) {
    return new JobSpec(jobId, new JsonObject().put("--model_family", "flux").put("--num_processes", processes),
        new JsonArray(), null, null, null, null, null, Map.of());
  }

  private KubernetesProvider provider(boolean trainJobs) throws Exception {
    kubelet = new SimulatedKubelet(cluster.admin, TestCluster.NS, trainJobs);
    return cluster.provider();
  }

  @Test
  void isFoundThroughServiceLoader() {
    List<String> ids = ServiceLoader.load(Plugin.class).stream().map(ServiceLoader.Provider::get)
        .flatMap(p -> p.providerFactories().stream()).map(f -> f.id()).toList();
    assertThat(ids).contains("kubernetes");
  }

  @Test
  void aJobIsCreatedWithEverythingTheSettingsAsk() throws Exception {
    cluster.settings.put("node_selector", "gpu=a100, pool=training");
    cluster.settings.put("tolerations", "[{\"key\":\"nvidia.com/gpu\",\"operator\":\"Exists\",\"effect\":\"NoSchedule\"}]");
    cluster.settings.put("labels", "team=nlp");
    cluster.settings.put("queue_name", "gpu-queue");
    cluster.settings.put("service_account", "trainer");
    cluster.settings.put("image_pull_secret", "registry-creds");
    KubernetesProvider provider = provider(false);
    SubmittedJob submitted = provider.submit(spec("Job_42", 2)).await();

    String name = Manifests.name("Job_42");
    assertThat(submitted.externalId()).isEqualTo("job:training/" + name);
    assertThat(submitted.status()).isEqualTo(ProviderStatus.QUEUED);
    Job job = cluster.admin.batch().v1().jobs().inNamespace(TestCluster.NS).withName(name).get();
    assertThat(job.getMetadata().getLabels()).containsEntry("kueue.x-k8s.io/queue-name", "gpu-queue")
        .containsEntry("team", "nlp").containsEntry("app.kubernetes.io/managed-by", "simpletuner-cloud")
        .containsEntry("simpletuner.dev/worker-id", "w_Jobx42");
    assertThat(job.getMetadata().getAnnotations()).containsEntry("simpletuner.dev/job-id", "Job_42");
    assertThat(job.getSpec().getBackoffLimit()).isZero();
    assertThat(job.getSpec().getPodFailurePolicy().getRules()).singleElement().satisfies(r -> {
      assertThat(r.getAction()).isEqualTo("Ignore");
      assertThat(r.getOnPodConditions().get(0).getType()).isEqualTo("DisruptionTarget");
    });
    var pod = job.getSpec().getTemplate().getSpec();
    assertThat(pod.getRestartPolicy()).isEqualTo("Never");
    assertThat(pod.getNodeSelector()).containsEntry("gpu", "a100").containsEntry("pool", "training");
    assertThat(pod.getTolerations()).singleElement().satisfies(t -> {
      assertThat(t.getKey()).isEqualTo("nvidia.com/gpu");
      assertThat(t.getOperator()).isEqualTo("Exists");
      assertThat(t.getEffect()).isEqualTo("NoSchedule");
    });
    assertThat(pod.getServiceAccountName()).isEqualTo("trainer");
    assertThat(pod.getImagePullSecrets()).singleElement().satisfies(r -> assertThat(r.getName()).isEqualTo("registry-creds"));
    Container worker = pod.getContainers().get(0);
    assertThat(worker.getImage()).isEqualTo("ghcr.io/example/simpletuner-worker:1.0");
    assertThat(worker.getCommand()).containsExactly("simpletuner", "worker");
    assertThat(worker.getResources().getRequests()).containsEntry("nvidia.com/gpu", new Quantity("2"));
    assertThat(worker.getResources().getLimits()).containsEntry("nvidia.com/gpu", new Quantity("2"));
    Map<String, EnvVar> env = new java.util.HashMap<>();
    worker.getEnv().forEach(e -> env.put(e.getName(), e));
    assertThat(env.get("SIMPLETUNER_ORCHESTRATOR_URL").getValue()).isEqualTo("http://server.example:8001");
    assertThat(env.get("SIMPLETUNER_WORKER_PERSISTENT").getValue()).isEqualTo("false");
    // The token is never in the Job, only a reference to the Secret that holds it.
    assertThat(env.get("SIMPLETUNER_WORKER_TOKEN").getValue()).isNull();
    assertThat(env.get("SIMPLETUNER_WORKER_TOKEN").getValueFrom().getSecretKeyRef().getName())
        .isEqualTo(name + "-token");
    assertThat(job.toString()).doesNotContain("wt_secret_");
    Secret secret = cluster.admin.secrets().inNamespace(TestCluster.NS).withName(name + "-token").get();
    assertThat(token(secret)).isEqualTo("wt_secret_Job_42");
    assertThat(secret.getMetadata().getOwnerReferences()).singleElement()
        .satisfies(o -> assertThat(o.getKind()).isEqualTo("Job"));
    // The pod the kubelet started got the token through the Secret.
    assertThat(eventually(() -> kubelet.envOf(name))).containsEntry("SIMPLETUNER_WORKER_TOKEN", "wt_secret_Job_42");
  }

  @Test
  void theOrchestratorUrlSettingWinsOverTheServersAddress() throws Exception {
    cluster.settings.put("orchestrator_url", "http://simpletuner.svc.cluster.local:8001");
    KubernetesProvider provider = provider(false);
    provider.submit(spec("j1", 1)).await();
    Job job = cluster.admin.batch().v1().jobs().inNamespace(TestCluster.NS).withName(Manifests.name("j1")).get();
    assertThat(job.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv())
        .anySatisfy(e -> assertThat(e.getValue()).isEqualTo("http://simpletuner.svc.cluster.local:8001"));
  }

  @Test
  void aClusterWithTheTrainerCrdGetsATrainJob() throws Exception {
    cluster.admin.apiextensions().v1().customResourceDefinitions().resource(new CustomResourceDefinitionBuilder()
        .withNewMetadata().withName("trainjobs.trainer.kubeflow.org").endMetadata()
        .withNewSpec().withGroup("trainer.kubeflow.org").withScope("Namespaced")
        .withNewNames().withKind("TrainJob").withPlural("trainjobs").withSingular("trainjob").endNames()
        .addNewVersion().withName("v1alpha1").withServed(true).withStorage(true).endVersion()
        .endSpec().build()).create();
    cluster.settings.put("queue_name", "gpu-queue");
    cluster.settings.put("node_selector", "gpu=h100");
    KubernetesProvider provider = provider(true);
    SubmittedJob submitted = provider.submit(spec("t1", 4)).await();

    String name = Manifests.name("t1");
    assertThat(submitted.externalId()).isEqualTo("trainjob:training/" + name);
    GenericKubernetesResource train = cluster.admin.genericKubernetesResources(Manifests.TRAINJOB)
        .inNamespace(TestCluster.NS).withName(name).get();
    assertThat(train.getMetadata().getLabels()).containsEntry("kueue.x-k8s.io/queue-name", "gpu-queue");
    Map<String, Object> spec = ClusterReader.map(train.getAdditionalProperties().get("spec"));
    assertThat(ClusterReader.map(spec.get("runtimeRef"))).containsEntry("name", "simpletuner-worker")
        .containsEntry("kind", "ClusterTrainingRuntime").containsEntry("apiGroup", "trainer.kubeflow.org");
    Map<String, Object> trainer = ClusterReader.map(spec.get("trainer"));
    assertThat(trainer).containsEntry("image", "ghcr.io/example/simpletuner-worker:1.0").containsEntry("numNodes", 1);
    assertThat(ClusterReader.map(ClusterReader.map(trainer.get("resourcesPerNode")).get("limits")))
        .containsEntry("nvidia.com/gpu", "4");
    assertThat((List<?>) spec.get("podSpecOverrides")).singleElement()
        .satisfies(o -> assertThat(ClusterReader.map(o)).containsEntry("nodeSelector", Map.of("gpu", "h100")));

    kubelet.fate(name, Fate.RUNNING);
    assertThat(eventually(() -> status(provider, submitted, ProviderStatus.RUNNING))).isNotNull();
    provider.cancel(submitted.externalId()).await();
    assertThat(cluster.admin.genericKubernetesResources(Manifests.TRAINJOB).inNamespace(TestCluster.NS).withName(name)
        .get()).isNull();
  }

  @Test
  void modeJobIgnoresTheTrainerCrd() throws Exception {
    cluster.settings.put("mode", "job");
    KubernetesProvider provider = provider(false);
    assertThat(provider.submit(spec("m1", 1)).await().externalId()).startsWith("job:");
  }

  @Test
  void whatTheClusterDoesToThePodIsSaidInWords() throws Exception {
    KubernetesProvider provider = provider(false);
    Map<String, Fate> fates = Map.of("unsched", Fate.UNSCHEDULABLE, "pull", Fate.IMAGE_PULL_BACK_OFF,
        "oom", Fate.OOM_KILLED, "evict", Fate.EVICTED, "run", Fate.RUNNING, "quiet", Fate.EXITED_WITHOUT_REPORT);
    fates.forEach((id, fate) -> kubelet.fate(Manifests.name(id), fate));
    Map<String, SubmittedJob> jobs = new java.util.HashMap<>();
    for (String id : fates.keySet()) {
      jobs.put(id, provider.submit(spec(id, 1)).await());
    }

    ProviderJobStatus unsched = eventually(() -> status(provider, jobs.get("unsched"), ProviderStatus.QUEUED, "node"));
    assertThat(unsched.errorMessage()).isEqualTo("No node can run the worker pod yet (Unschedulable): "
        + "0/3 nodes are available: 3 Insufficient nvidia.com/gpu.");
    ProviderJobStatus pull = eventually(() -> status(provider, jobs.get("pull"), ProviderStatus.QUEUED, "pulled"));
    assertThat(pull.errorMessage()).isEqualTo("The worker image registry.example/st:1 cannot be pulled "
        + "(ImagePullBackOff): Back-off pulling image \"registry.example/st:1\".");
    ProviderJobStatus oom = eventually(() -> status(provider, jobs.get("oom"), ProviderStatus.FAILED));
    assertThat(oom.errorMessage()).startsWith("The worker was killed for using more memory than its limit (OOMKilled).")
        .contains("The Kubernetes Job failed (BackoffLimitExceeded)");
    assertThat(oom.completedAt()).isNotNull();
    ProviderJobStatus evicted = eventually(() -> status(provider, jobs.get("evict"), ProviderStatus.FAILED));
    assertThat(evicted.errorMessage()).startsWith("The worker pod was evicted: The node was low on resource: memory.");
    ProviderJobStatus running = eventually(() -> status(provider, jobs.get("run"), ProviderStatus.RUNNING));
    assertThat(running.startedAt()).isNotNull();
    assertThat(running.errorMessage()).isNull();
    ProviderJobStatus quiet = eventually(() -> status(provider, jobs.get("quiet"), ProviderStatus.FAILED));
    assertThat(quiet.errorMessage()).contains("exited without reporting the end of the job");
  }

  @Test
  void aPreemptedPodIsNotTheJobsFailure() throws Exception {
    KubernetesProvider provider = provider(false);
    SubmittedJob submitted = provider.submit(spec("p1", 1)).await();
    String name = Manifests.name("p1");
    eventually(() -> status(provider, submitted, ProviderStatus.RUNNING));
    // Between the preemption and the new pod (here both at once, the new pod the latest).
    kubelet.preempt(name, 2);
    assertThat(provider.status(submitted.externalId()).await().status()).isEqualTo(ProviderStatus.RUNNING);
    cluster.admin.pods().inNamespace(TestCluster.NS).withName(name + "-pod-2").delete();
    ProviderJobStatus between = provider.status(submitted.externalId()).await();
    assertThat(between.status()).isEqualTo(ProviderStatus.QUEUED);
    assertThat(between.errorMessage()).isEqualTo("The worker pod was stopped by the cluster (PreemptionByScheduler): "
        + "default-scheduler: preempting to accommodate a higher priority pod. Kubernetes starts a new pod for the job.");
  }

  @Test
  void aSuspendedJobWaitsInItsKueueQueue() throws Exception {
    cluster.settings.put("queue_name", "gpu-queue");
    KubernetesProvider provider = provider(false);
    kubelet.fate(Manifests.name("k1"), Fate.UNSCHEDULABLE);
    SubmittedJob submitted = provider.submit(spec("k1", 1)).await();
    // Kueue's webhook suspends a queued Job until its ClusterQueue admits it.
    cluster.admin.batch().v1().jobs().inNamespace(TestCluster.NS).withName(Manifests.name("k1"))
        .edit(j -> {
          j.getSpec().setSuspend(true);
          return j;
        });
    ProviderJobStatus waiting = provider.status(submitted.externalId()).await();
    assertThat(waiting.status()).isEqualTo(ProviderStatus.QUEUED);
    assertThat(waiting.errorMessage()).isEqualTo("Waiting in the Kueue queue gpu-queue until it admits the job.");
  }

  @Test
  void cancelDeletesTheJobAndItsSecret() throws Exception {
    KubernetesProvider provider = provider(false);
    SubmittedJob submitted = provider.submit(spec("c1", 1)).await();
    String name = Manifests.name("c1");
    provider.cancel(submitted.externalId()).await();
    assertThat(cluster.admin.batch().v1().jobs().inNamespace(TestCluster.NS).withName(name).get()).isNull();
    assertThat(cluster.admin.secrets().inNamespace(TestCluster.NS).withName(name + "-token").get()).isNull();
    // Cancelling again is fine; a job deleted outside the server is reported as gone.
    provider.cancel(submitted.externalId()).await();
    ProviderJobStatus gone = provider.status(submitted.externalId()).await();
    assertThat(gone.status()).isEqualTo(ProviderStatus.FAILED);
    assertThat(gone.errorMessage()).contains("is gone: it was deleted outside this server");
  }

  @Test
  void finishedJobsAreCleanedUpAfterTheGracePeriodRunningOnesStay() throws Exception {
    cluster.settings.put("cleanup_after_seconds", "0");
    KubernetesProvider provider = provider(false);
    kubelet.fate(Manifests.name("done"), Fate.OOM_KILLED);
    kubelet.fate(Manifests.name("busy"), Fate.RUNNING);
    provider.submit(spec("done", 1)).await();
    provider.submit(spec("busy", 1)).await();
    eventually(() -> cluster.admin.pods().inNamespace(TestCluster.NS).list().getItems().size() == 2 ? true : null);
    Thread.sleep(10);

    assertThat(provider.cleanUp().await()).isEqualTo(1);
    var jobs = cluster.admin.batch().v1().jobs().inNamespace(TestCluster.NS).list().getItems();
    assertThat(jobs).extracting(j -> j.getMetadata().getName()).containsExactly(Manifests.name("busy"));
    // The finished job's token Secret is old enough only after two minutes; the running one's stays regardless.
    assertThat(cluster.admin.secrets().inNamespace(TestCluster.NS).withName(Manifests.name("busy") + "-token").get())
        .isNotNull();
  }

  @Test
  void aFinishedJobsObjectIsKeptDuringTheGracePeriod() throws Exception {
    KubernetesProvider provider = provider(false);
    kubelet.fate(Manifests.name("done"), Fate.OOM_KILLED);
    provider.submit(spec("done", 1)).await();
    eventually(() -> cluster.admin.pods().inNamespace(TestCluster.NS).list().getItems().isEmpty() ? null : true);
    assertThat(provider.cleanUp().await()).isZero();
    assertThat(cluster.admin.batch().v1().jobs().inNamespace(TestCluster.NS).list().getItems()).hasSize(1);
  }

  @Test
  void anRbacRefusalIsReportedInWordsAndThePassIsRevoked() throws Exception {
    cluster.server.expect().post().withPath("/api/v1/namespaces/training/secrets")
        .andReturn(403, new StatusBuilder().withCode(403).withReason("Forbidden").withMessage("secrets is forbidden: "
            + "User \"system:serviceaccount:training:simpletuner\" cannot create resource \"secrets\" in API group "
            + "\"\" in the namespace \"training\"").build()).always();
    KubernetesProvider provider = provider(false);
    assertThatThrownBy(() -> provider.submit(spec("r1", 1)).await())
        .isInstanceOf(ProviderException.class)
        .hasMessageContaining("refused creating the job's objects in namespace training (403 Forbidden)")
        .hasMessageContaining("cannot create resource \"secrets\"");
    assertThat(cluster.revoked).containsExactly("r1");
    assertThat(provider.validateCredentials().await().valid()).isTrue();
  }

  @Test
  void aMissingWorkerImageIsRefusedBeforeAnythingIsCreated() throws Exception {
    cluster.settings.remove("worker_image");
    KubernetesProvider provider = provider(false);
    assertThatThrownBy(() -> provider.check(spec("x", 1)).await()).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("worker_image");
  }

  @Test
  void anInterruptedSubmissionIsFoundAgain() throws Exception {
    KubernetesProvider provider = provider(false);
    assertThat(provider.findSubmitted("f1").await()).isEmpty();
    SubmittedJob submitted = provider.submit(spec("f1", 1)).await();
    assertThat(provider.findSubmitted("f1").await()).get().extracting(SubmittedJob::externalId)
        .isEqualTo(submitted.externalId());
  }

  @Test
  void thePodLogIsTheJobsLogOnlyWhenTheAgentFailed() throws Exception {
    KubernetesProvider provider = provider(false);
    kubelet.fate(Manifests.name("l-oom"), Fate.OOM_KILLED);
    kubelet.fate(Manifests.name("l-run"), Fate.RUNNING);
    SubmittedJob oom = provider.submit(spec("l-oom", 1)).await();
    SubmittedJob run = provider.submit(spec("l-run", 1)).await();
    eventually(() -> cluster.admin.pods().inNamespace(TestCluster.NS).list().getItems().size() == 2 ? true : null);
    cluster.server.expect().get().withPath("/api/v1/namespaces/training/pods/" + Manifests.name("l-oom")
        + "-pod/log?pretty=false&tailLines=2000").andReturn(200, "worker starting\nKilled\n").always();
    assertThat(provider.logs(oom.externalId()).await()).isEqualTo("worker starting\nKilled\n");
    assertThat(provider.logs(run.externalId()).await()).isEmpty();
  }

  @Test
  void anApiServerThatCannotBeReachedIsSaidSo() throws Exception {
    cluster.settings.put("api_server", "http://127.0.0.1:1");
    KubernetesProvider provider = provider(false);
    var status = provider.validateCredentials().await();
    assertThat(status.valid()).isFalse();
    assertThat(status.error()).startsWith("The Kubernetes API server could not be reached while listing Jobs: ")
        .contains("set kubeconfig, or api_server and api_token");
  }

  @Test
  void namesAreValidAndDistinct() {
    assertThat(Manifests.name("abc")).matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?").hasSizeLessThanOrEqualTo(63);
    assertThat(Manifests.name("ABC")).isNotEqualTo(Manifests.name("abc"));
    assertThat(Manifests.name("x".repeat(200))).hasSizeLessThanOrEqualTo(63);
    assertThat(Manifests.name("___")).matches("simpletuner-[0-9a-f]{8}");
  }

  private static ProviderJobStatus status(KubernetesProvider provider, SubmittedJob job, ProviderStatus want) {
    return status(provider, job, want, "");
  }

  private static ProviderJobStatus status(KubernetesProvider provider, SubmittedJob job, ProviderStatus want,
                                          String words) {
    ProviderJobStatus s = provider.status(job.externalId()).await();
    return s.status() == want && (words.isEmpty() || s.errorMessage() != null && s.errorMessage().contains(words))
        ? s : null;
  }

  private static String token(Secret secret) {
    if (secret.getStringData() != null && secret.getStringData().containsKey(Manifests.TOKEN_KEY)) {
      return secret.getStringData().get(Manifests.TOKEN_KEY);
    }
    return new String(java.util.Base64.getDecoder().decode(secret.getData().get(Manifests.TOKEN_KEY)));
  }

  static <T> T eventually(Supplier<T> probe) throws InterruptedException {
    long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (true) {
      T value;
      try {
        value = probe.get();
      } catch (CompletionException | IllegalStateException e) {
        value = null;
      }
      if (value != null || System.nanoTime() > end) {
        if (value == null) {
          throw new AssertionError("not reached in 10 s");
        }
        return value;
      }
      Thread.sleep(50);
    }
  }
}
