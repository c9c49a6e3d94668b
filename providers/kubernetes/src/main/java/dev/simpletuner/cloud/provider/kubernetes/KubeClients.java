package dev.simpletuner.cloud.provider.kubernetes;

import dev.simpletuner.cloud.spi.ProviderException;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.vertx5.Vertx5HttpClientFactory;
import io.vertx.core.Vertx;
import java.io.File;

/**
 * Builds the client from the settings (an API server and token, a kubeconfig file and context, or
 * whatever the environment offers: the pod's service account in a cluster, else ~/.kube/config)
 * on the server's own Vert.x, and turns the API server's refusals into words.
 */
final class KubeClients {
  private KubeClients() {
  }

  /** Blocking (reads a kubeconfig): call it on a worker thread. */
  static KubernetesClient build(Vertx vertx, KubeSettings s, long timeoutMillis) {
    Config base;
    if (s.apiServer() != null) {
      base = new ConfigBuilder(Config.empty()).withMasterUrl(s.apiServer()).withOauthToken(s.apiToken())
          .withTrustCerts(s.trustCerts()).build();
    } else if (s.kubeconfig() != null) {
      File file = new File(s.kubeconfig());
      if (!file.isFile()) {
        throw new IllegalArgumentException("The kubeconfig file " + s.kubeconfig() + " does not exist.");
      }
      base = Config.fromKubeconfig(s.context(), file);
    } else {
      base = Config.autoConfigure(s.context());
    }
    Config config = new ConfigBuilder(base).withNamespace(s.namespace())
        .withRequestTimeout((int) Math.min(Integer.MAX_VALUE, timeoutMillis))
        .withTrustCerts(s.trustCerts() || base.isTrustCerts()).build();
    return new KubernetesClientBuilder().withConfig(config).withHttpClientFactory(new Vertx5HttpClientFactory(vertx))
        .build();
  }

  /** What went wrong, said for the user: 401/403 name the permission to grant; no answer is "unavailable". */
  static RuntimeException words(String doing, KubernetesClientException e) {
    String said = e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage()
        : e.getMessage();
    if (e.getCode() <= 0) {
      // No HTTP answer: say what the network said (a name that does not resolve, a refused connection).
      Throwable root = e;
      while (root.getCause() != null && root.getCause() != root) {
        root = root.getCause();
      }
      return new ProviderException("The Kubernetes API server could not be reached while " + doing + ": "
          + (root == e ? said : root.getClass().getSimpleName() + ": " + root.getMessage())
          + " (set kubeconfig, or api_server and api_token, when the server does not run in the cluster).", true);
    }
    return switch (e.getCode()) {
      case 401 -> new ProviderException("The Kubernetes API server did not accept the credentials while " + doing
          + " (401 Unauthorized): check api_token, the kubeconfig or the service account token.", false);
      case 403 -> new ProviderException("The Kubernetes API server refused " + doing + " (403 Forbidden): the "
          + "service account needs the permissions of the README's example Role in its namespace. It said: " + said,
          false);
      default -> new ProviderException("The Kubernetes API server answered " + e.getCode() + " while " + doing
          + ": " + said, e.getCode() >= 500);
    };
  }
}
