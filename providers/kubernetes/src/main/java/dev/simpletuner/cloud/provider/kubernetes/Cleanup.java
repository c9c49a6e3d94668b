package dev.simpletuner.cloud.provider.kubernetes;

import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One pass over this server's objects in the namespace: a finished job's worker token Secret is
 * deleted at once (its worker is gone), its Job or TrainJob after the grace period (kept that long
 * for {@code kubectl describe} and {@code kubectl logs}); a Secret whose object is gone goes too.
 * Every instance may run it: deleting twice is harmless. Blocking: worker threads only.
 */
final class Cleanup {
  private static final Duration YOUNG = Duration.ofMinutes(2);
  private final KubernetesClient client;
  private final KubeSettings settings;
  private final boolean trainJobs;
  private final Logger log;

  Cleanup(KubernetesClient client, KubeSettings settings, boolean trainJobs, Logger log) {
    this.client = client;
    this.settings = settings;
    this.trainJobs = trainJobs;
    this.log = log;
  }

  /** @return how many objects were deleted */
  int run() {
    String ns = settings.namespace();
    List<KubeObject> objects = new ArrayList<>();
    client.batch().v1().jobs().inNamespace(ns).withLabel(Manifests.MANAGED_BY, Manifests.MANAGER).list().getItems()
        .forEach(j -> objects.add(new KubeObject(false, ns, j.getMetadata().getName())));
    if (trainJobs) {
      client.genericKubernetesResources(Manifests.TRAINJOB).inNamespace(ns)
          .withLabel(Manifests.MANAGED_BY, Manifests.MANAGER).list().getItems()
          .forEach(t -> objects.add(new KubeObject(true, ns, t.getMetadata().getName())));
    }
    Instant cutoff = Instant.now().minus(Duration.ofSeconds(settings.cleanupAfterSeconds()));
    Set<String> alive = new HashSet<>();
    int deleted = 0;
    for (KubeObject object : objects) {
      ClusterState state = ClusterReader.read(client, object);
      if (state == null) {
        continue;
      }
      if (!state.status().isTerminal()) {
        alive.add(Manifests.secretName(object.name()));
        continue;
      }
      if (state.ended() != null && state.ended().isBefore(cutoff)) {
        deleted += deleteObject(object);
      }
    }
    for (Secret secret : client.secrets().inNamespace(ns).withLabel(Manifests.MANAGED_BY, Manifests.MANAGER).list()
        .getItems()) {
      // A Secret is created just before its object: a young one may belong to a submission under way.
      Instant born = ClusterReader.time(secret.getMetadata().getCreationTimestamp());
      boolean young = born != null && born.isAfter(Instant.now().minus(YOUNG));
      if (!alive.contains(secret.getMetadata().getName()) && !young) {
        deleted += deleteQuietly(secret);
      }
    }
    return deleted;
  }

  private int deleteObject(KubeObject object) {
    try {
      var gone = object.trainJob()
          ? client.genericKubernetesResources(Manifests.TRAINJOB).inNamespace(object.namespace())
              .withName(object.name()).withPropagationPolicy(DeletionPropagation.BACKGROUND)
              .delete()
          : client.batch().v1().jobs().inNamespace(object.namespace()).withName(object.name())
              .withPropagationPolicy(DeletionPropagation.BACKGROUND).delete();
      log.log(Level.INFO, "Cleaned up the finished " + object);
      return gone.isEmpty() ? 0 : 1;
    } catch (KubernetesClientException e) {
      log.log(Level.WARNING, "Could not clean up " + object + ": " + e.getMessage());
      return 0;
    }
  }

  private int deleteQuietly(HasMetadata secret) {
    try {
      return client.secrets().inNamespace(settings.namespace()).withName(secret.getMetadata().getName()).delete()
          .isEmpty() ? 0 : 1;
    } catch (KubernetesClientException e) {
      log.log(Level.WARNING, "Could not delete the Secret " + secret.getMetadata().getName() + ": " + e.getMessage());
      return 0;
    }
  }
}
