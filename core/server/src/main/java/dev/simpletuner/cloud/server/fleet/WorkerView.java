package dev.simpletuner.cloud.server.fleet;

import dev.simpletuner.cloud.server.store.AttemptStore.Attempt;
import dev.simpletuner.cloud.server.store.WorkerStore.Worker;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.List;

/**
 * How a worker looks in the admin API: upstream's list item (routes/workers.py WorkerListItem)
 * plus WORKERS.md's flat GPU fields. Never its token or token hash.
 */
public final class WorkerView {
  private WorkerView() {
  }

  static JsonObject render(Worker w, long now) {
    boolean connected = w.instanceId() != null && !"offline".equals(w.status());
    JsonObject gpu = w.gpuInfo();
    return new JsonObject()
        .put("worker_id", w.workerId())
        .put("id", w.workerId())
        .put("name", w.name())
        .put("worker_type", w.workerType())
        .put("status", w.status())
        .put("gpu_info", gpu)
        .put("gpu_count", WorkerRequirements.gpuCount(w))
        .put("gpu_name", gpu.getValue("name"))
        .put("gpu_vram_gb", gpu.getValue("vram_gb"))
        .put("accelerator_type", gpu.getValue("accelerator"))
        .put("provider", null)
        .put("labels", w.labels())
        .put("current_job_id", w.currentJobId())
        .put("last_heartbeat", iso(w.lastHeartbeat()))
        .put("connected_at", iso(w.connectedAt()))
        .put("created_at", iso(w.createdAt()))
        .put("connected", connected)
        .put("uptime_seconds", connected && w.connectedAt() != null
            ? Math.round(Math.max(0, now - w.connectedAt()) / 100.0) / 10.0 : null);
  }

  /** A job's attempts, for the job view: on which worker, how long, how each one ended. */
  public static JsonArray attempts(List<Attempt> attempts, long now) {
    JsonArray out = new JsonArray();
    for (Attempt a : attempts) {
      long end = a.endedAt() != null ? a.endedAt() : now;
      out.add(new JsonObject().put("attempt", a.attempt()).put("worker_id", a.workerId())
          .put("worker_name", a.workerName()).put("started_at", iso(a.startedAt())).put("ended_at", iso(a.endedAt()))
          .put("duration_seconds", Math.round(Math.max(0, end - a.startedAt()) / 100.0) / 10.0)
          .put("outcome", a.outcome() == null ? "running" : a.outcome()).put("reason", a.reason()));
    }
    return out;
  }

  private static String iso(Long millis) {
    return millis == null ? null : Instant.ofEpochMilli(millis).toString();
  }
}
