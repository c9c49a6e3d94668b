package dev.simpletuner.cloud.server.fleet;

import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.job.Job;
import dev.simpletuner.cloud.server.job.JobType;
import dev.simpletuner.cloud.server.job.JobView;
import dev.simpletuner.cloud.server.store.WorkerStore.Worker;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What the job view adds for a worker job: its attempts (which worker, how long, how each ended),
 * the worker it runs on, and while it waits, why, in a word a client can act on
 * ({@code no_worker_online}, {@code no_matching_worker}, {@code all_workers_busy}, {@code dispatching}).
 */
public final class WorkerJobs {
  static final Set<String> ONLINE = Set.of("idle", "busy", "draining");

  private WorkerJobs() {
  }

  /**
   * Null for jobs of other providers, except those whose pods ran one-job workers (a Kubernetes
   * job): their attempts are shown.
   */
  public static Future<JsonObject> details(ServerContext ctx, Job job) {
    if (!WorkerProviderFactory.ID.equals(job.provider())) {
      long now = ctx.now();
      return job.jobType() == JobType.LOCAL ? Future.succeededFuture(null)
          : ctx.store().attempts().of(job.jobId()).map(attempts -> attempts.isEmpty() ? null
              : new JsonObject().put("attempts", WorkerView.attempts(attempts, now)));
    }
    long now = ctx.now();
    Future<JsonObject> waiting = JobView.waitsForSlot(job)
        ? ctx.store().workers().list().map(workers -> waiting(job, workers)) : Future.succeededFuture(null);
    return ctx.store().attempts().of(job.jobId()).compose(attempts -> waiting.map(why -> {
      JsonObject out = new JsonObject().put("attempts", WorkerView.attempts(attempts, now))
          .put("max_retries", ctx.config().workers().maxRetries()).put("waiting", why);
      attempts.stream().filter(a -> a.endedAt() == null).findFirst().ifPresent(a -> out.put("worker",
          new JsonObject().put("worker_id", a.workerId()).put("name", a.workerName())));
      return out;
    }));
  }

  static JsonObject waiting(Job job, List<Worker> workers) {
    List<Worker> online = workers.stream().filter(w -> ONLINE.contains(w.status()) && w.instanceId() != null).toList();
    if (online.isEmpty()) {
      return why("no_worker_online", "No worker is online. Create one under Workers and start its agent "
          + "(simpletuner worker --orchestrator-url ... --worker-token ...).");
    }
    WorkerRequirements wants = WorkerRequirements.of(job);
    List<Worker> matching = online.stream().filter(wants::matches).toList();
    if (matching.isEmpty()) {
      return why("no_matching_worker", online.size() + " worker(s) online, none with " + describe(job, wants) + ".");
    }
    if (matching.stream().noneMatch(w -> "idle".equals(w.status()) && w.currentJobId() == null)) {
      return why("all_workers_busy", "All " + matching.size() + " matching worker(s) are busy or draining.");
    }
    return why("dispatching", "A matching worker is idle; the job is being handed to it.");
  }

  private static String describe(Job job, WorkerRequirements wants) {
    String labels = job.metadata().getJsonObject("worker_labels", new JsonObject()).stream()
        .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(", "));
    String gpus = wants.gpus() > 0 ? wants.gpus() + " GPU(s)" : "";
    return labels.isEmpty() ? gpus : gpus.isEmpty() ? "labels " + labels : "labels " + labels + " and " + gpus;
  }

  private static JsonObject why(String reason, String message) {
    return new JsonObject().put("reason", reason).put("message", message);
  }

}
