package dev.simpletuner.cloud.server.api;

import dev.simpletuner.cloud.server.access.AccessGuard;
import dev.simpletuner.cloud.server.command.JobCommands;
import dev.simpletuner.cloud.server.contract.ContractRouter;
import dev.simpletuner.cloud.server.fleet.Fleet;
import dev.simpletuner.cloud.server.http.Params;
import dev.simpletuner.cloud.server.http.Responses;
import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.auth.Permission;
import dev.simpletuner.cloud.server.auth.Principal;
import dev.simpletuner.cloud.server.job.JobStatus;
import dev.simpletuner.cloud.server.plugin.ProviderHandle;
import dev.simpletuner.cloud.server.store.JobStore;
import dev.simpletuner.cloud.server.store.WorkerStore;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import io.vertx.ext.web.RoutingContext;

/**
 * Upstream's {@code POST /api/queue/submit} (WORKERS.md, the CLI's {@code jobs submit}): a named
 * config to a worker, this machine, or either ({@code target}), through the same front door as
 * {@code POST /api/cloud/jobs/submit}.
 */
final class QueueRoutes {
  /** How far back the mean wait looks. */
  private static final long WAIT_WINDOW_MILLIS = 7L * 24 * 3600 * 1000;
  private final ServerContext ctx;
  private final JobCommands commands;
  private final Fleet fleet;

  QueueRoutes(ServerContext ctx, JobCommands commands, Fleet fleet) {
    this.ctx = ctx;
    this.commands = commands;
    this.fleet = fleet;
  }

  void mount(ContractRouter ops) {
    ops.on("queueSubmit", this::submit);
    ops.on("queueStats", this::stats);
  }

  /**
   * The reference's queue figures (the CLI's {@code jobs status}): jobs by status and owner, queue
   * depth (waiting to start), running, the mean wait, concurrency (the providers' limits; this server
   * has no team limits or fair share) and the worker pool. GPUs of this machine are not detected, so
   * {@code local} is left out rather than reporting none.
   */
  private void stats(RoutingContext rc) {
    Principal p = AccessGuard.principal(rc);
    Future<JobStore.QueueFigures> jobs = ctx.store().jobs().queueFigures(ctx.now() - WAIT_WINDOW_MILLIS);
    Future<List<WorkerStore.Worker>> workers = ctx.store().workers().list();
    Responses.reply(rc, Future.all(jobs, workers).map(all -> {
      JobStore.QueueFigures f = jobs.result();
      long waiting = Stream.of(JobStatus.PENDING, JobStatus.PENDING_APPROVAL, JobStatus.UPLOADING, JobStatus.QUEUED)
          .mapToLong(s -> f.byStatus().getOrDefault(s.wireName(), 0L)).sum();
      JsonObject limits = new JsonObject();
      int total = 0;
      for (ProviderHandle h : ctx.providers().all()) {
        limits.put(h.id(), h.concurrencyLimit());
        total += Math.max(0, h.concurrencyLimit());
      }
      Map<String, Long> pool = new TreeMap<>();
      workers.result().forEach(w -> pool.merge(w.status(), 1L, Long::sum));
      long count = workers.result().size();
      JsonObject workerStats = new JsonObject().put("total", count).put("total_workers", count);
      for (String status : List.of("idle", "busy", "offline", "draining", "connecting")) {
        long n = pool.getOrDefault(status, 0L);
        workerStats.put(status, n).put(status + "_workers", n);
      }
      return new JsonObject()
          .put("by_status", new JsonObject(new java.util.LinkedHashMap<>(f.byStatus())))
          .put("by_user", new JsonObject(new java.util.LinkedHashMap<>(p.can(Permission.JOB_VIEW_ALL) ? f.activeByOwner()
              : Map.of(p.userId(), f.activeByOwner().getOrDefault(p.userId(), 0L)))))
          .put("queue_depth", waiting)
          .put("running", f.byStatus().getOrDefault(JobStatus.RUNNING.wireName(), 0L))
          .put("avg_wait_seconds", f.avgWaitSeconds())
          .put("max_concurrent", total)
          .put("max_concurrent_by_provider", limits)
          .putNull("user_max_concurrent")
          .putNull("team_max_concurrent")
          .put("enable_fair_share", false)
          .put("workers", workerStats);
    }));
  }

  private void submit(RoutingContext rc) {
    JsonObject body = Params.body(rc);
    JsonObject labels = body.getJsonObject("worker_labels");
    Responses.reply(rc, fleet.target(body.getString("target", "auto"), labels).compose(provider -> {
      JsonObject submission = new JsonObject().put("config_name_to_load", body.getString("config_name"));
      for (String field : new String[] {"tracker_run_name", "idempotency_key", "delivery"}) {
        if (body.containsKey(field)) {
          submission.put(field, body.getValue(field));
        }
      }
      if ("worker".equals(provider)) {
        submission.put("worker_labels", labels).put("gpu_count", body.getInteger("gpu_count"));
      }
      return commands.submit(AccessGuard.principal(rc), provider, submission).map(submitted -> {
        JsonObject job = submitted.job();
        return submitted.toJson().put("target", provider.equals("worker") ? "worker" : "local")
            .put("queue_position", job.getValue("queue_position"))
            .put("allocated_worker_id", job.getString("external_id"))
            .putNull("allocated_gpus")
            .put("requires_approval", "pending_approval".equals(job.getString("status")));
      });
    }));
  }
}
