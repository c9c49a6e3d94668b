package dev.simpletuner.cloud.provider.kubernetes;

import dev.simpletuner.cloud.spi.Provider;
import dev.simpletuner.cloud.spi.ProviderContext;
import dev.simpletuner.cloud.spi.ProviderFactory;
import dev.simpletuner.cloud.spi.SettingSpec;
import dev.simpletuner.cloud.spi.SettingSpec.Type;
import java.util.List;

/** The {@code kubernetes} provider and the settings it reads (see {@link KubeSettings}). */
public final class KubernetesProviderFactory implements ProviderFactory {
  public static final String ID = "kubernetes";

  @Override
  public String id() {
    return ID;
  }

  @Override
  public String displayName() {
    return "Kubernetes cluster";
  }

  @Override
  public List<SettingSpec> settings() {
    return List.of(
        new SettingSpec(KubeSettings.WORKER_IMAGE, Type.STRING, null, true, false, "SIMPLETUNER_K8S_WORKER_IMAGE", true,
            "Container image with SimpleTuner installed; its pod runs `simpletuner worker`."),
        new SettingSpec(KubeSettings.NAMESPACE, Type.STRING, "default", false, false, "SIMPLETUNER_K8S_NAMESPACE", true,
            "Namespace the Jobs, TrainJobs and Secrets are created in."),
        SettingSpec.choice(KubeSettings.MODE, "auto", "auto: a Kubeflow TrainJob when the cluster has the Trainer "
            + "CRD, else a batch/v1 Job; trainjob or job to choose.", "auto", "trainjob", "job"),
        SettingSpec.of(KubeSettings.RUNTIME_NAME, Type.STRING, "simpletuner-worker",
            "The Kubeflow training runtime a TrainJob refers to."),
        SettingSpec.choice(KubeSettings.RUNTIME_KIND, "ClusterTrainingRuntime", "Kind of that runtime.",
            "ClusterTrainingRuntime", "TrainingRuntime"),
        SettingSpec.of(KubeSettings.QUEUE_NAME, Type.STRING, null,
            "Kueue LocalQueue for the jobs (label kueue.x-k8s.io/queue-name); empty for none."),
        SettingSpec.of(KubeSettings.NODE_SELECTOR, Type.STRING, null,
            "Node selector as key=value pairs separated by commas, e.g. gpu=a100,pool=training."),
        SettingSpec.of(KubeSettings.TOLERATIONS, Type.STRING, null,
            "Pod tolerations as a JSON array of Kubernetes toleration objects."),
        SettingSpec.of(KubeSettings.LABELS, Type.STRING, null,
            "Extra labels on every object, as key=value pairs separated by commas."),
        SettingSpec.of(KubeSettings.SERVICE_ACCOUNT, Type.STRING, null,
            "Service account the worker pod runs as; empty for the namespace's default."),
        SettingSpec.of(KubeSettings.IMAGE_PULL_SECRET, Type.STRING, null,
            "Name of a Secret in the namespace for pulling the worker image; empty for none."),
        SettingSpec.of(KubeSettings.ORCHESTRATOR_URL, Type.URL, null,
            "Where the pods reach this server; empty for the server's public URL."),
        SettingSpec.of(KubeSettings.CLEANUP_AFTER, Type.INTEGER, "3600",
            "Seconds a finished job's Kubernetes objects are kept (for kubectl describe/logs) before deletion."),
        SettingSpec.of(KubeSettings.KUBECONFIG, Type.STRING, null,
            "Path of a kubeconfig file; empty for the in-cluster service account (or ~/.kube/config)."),
        SettingSpec.of(KubeSettings.CONTEXT, Type.STRING, null, "The kubeconfig context to use; empty for its current one."),
        new SettingSpec(KubeSettings.API_SERVER, Type.URL, null, false, false, "SIMPLETUNER_K8S_API_SERVER", true,
            "API server URL, with api_token, instead of a kubeconfig or the in-cluster account."),
        new SettingSpec(KubeSettings.API_TOKEN, Type.STRING, null, false, true, "SIMPLETUNER_K8S_API_TOKEN", true,
            "Bearer token for api_server (a service account token)."),
        SettingSpec.of(KubeSettings.TRUST_CERTS, Type.BOOLEAN, "false",
            "Accept the API server's certificate without checking it (test clusters only)."));
  }

  /** Reads the settings and builds the client: on a worker thread, as the host calls it. */
  @Override
  public Provider create(ProviderContext context) {
    return new KubernetesProvider(context);
  }
}
