package dev.simpletuner.cloud.server.fleet;

import dev.simpletuner.cloud.server.bus.Addresses;
import dev.simpletuner.cloud.server.plugin.WorkerPassIssuer;
import dev.simpletuner.cloud.server.store.Store;
import dev.simpletuner.cloud.server.store.WorkerStore.Worker;
import dev.simpletuner.cloud.spi.WorkerPass;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.util.List;

/**
 * One-job workers for providers that start the worker agent themselves (a pod in a cluster): an
 * ephemeral worker bound to one job by the {@value #BOUND_LABEL} label. {@link FleetVerticle}
 * hands a bound worker its job and nothing else, and removes the worker once the job has ended.
 */
public final class WorkerPasses implements WorkerPassIssuer {
  /** The label a bound worker carries: the id of its one job. */
  public static final String BOUND_LABEL = "simpletuner.dev/job-id";
  private final Vertx vertx;
  private final Store store;
  private final String baseUrl;
  private final Clock clock;

  /** @param baseUrl where agents reach this server: the public URL when there is one */
  public WorkerPasses(Vertx vertx, Store store, String baseUrl, Clock clock) {
    this.vertx = vertx;
    this.store = store;
    this.baseUrl = baseUrl;
    this.clock = clock;
  }

  /** The job a worker is bound to, or null for a worker of the fleet. */
  static String boundJob(Worker worker) {
    Object job = worker.labels().getValue(BOUND_LABEL);
    return job instanceof String s ? s : null;
  }

  /** A new pass for the job; an earlier one for it stops working. */
  @Override
  public Future<WorkerPass> issue(String providerId, String jobId) {
    String id = WorkerTokens.newId();
    String token = WorkerTokens.generate();
    long now = clock.millis();
    JsonObject labels = new JsonObject().put(BOUND_LABEL, jobId).put("provider", providerId);
    Worker worker = new Worker(id, providerId + "-" + jobId, "ephemeral", "connecting", WorkerTokens.hash(token), null,
        labels, new JsonObject(), null, null, null, null, null, null, now, now);
    return revoke(jobId).compose(v -> store.workers().create(worker)).map(v -> new WorkerPass(id, token, baseUrl));
  }

  /** Deletes the job's bound workers and ends their streams, on whichever instance holds them. */
  @Override
  public Future<Void> revoke(String jobId) {
    return revoke(vertx, store, jobId);
  }

  static Future<Void> revoke(Vertx vertx, Store store, String jobId) {
    return bound(store, jobId).compose(workers -> Future.join(workers.stream().map(w -> store.workers()
        .delete(w.workerId()).onSuccess(v -> vertx.eventBus().publish(Addresses.WORKER_STREAM_END,
            new JsonObject().put("worker_id", w.workerId())))).toList())).mapEmpty();
  }

  /** The job's one-job workers (a fleet has few workers: they are read whole). */
  static Future<List<Worker>> bound(Store store, String jobId) {
    return store.workers().list().map(all -> all.stream().filter(w -> jobId.equals(boundJob(w))).toList());
  }
}
