package dev.simpletuner.cloud.server.notify;

import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.auth.Permission;
import dev.simpletuner.cloud.server.auth.Role;
import dev.simpletuner.cloud.server.store.ServerEventStore.ServerEvent;
import dev.simpletuner.cloud.server.store.UserStore;
import dev.simpletuner.cloud.server.store.WorkerStore.Worker;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's own notification events: recorded where they are found (the fleet's heartbeat
 * sweep, audit verification), each occurrence once, then routed by {@link TimelineRouter} like a
 * job's. Recording never fails the caller: a lost event is logged.
 */
public final class SystemEvents {
  private static final Logger LOG = LoggerFactory.getLogger(SystemEvents.class);

  private SystemEvents() {
  }

  /** A worker went silent and was marked offline; one event per silence (its last heartbeat). */
  public static Future<Void> workerOffline(ServerContext ctx, Worker worker, long quietSeconds) {
    JsonObject data = new JsonObject().put("worker_id", worker.workerId()).put("worker_name", worker.name())
        .put("owner_id", worker.ownerId()).put("quiet_seconds", quietSeconds)
        .put("last_heartbeat", worker.lastHeartbeat() == null ? null
            : Instant.ofEpochMilli(worker.lastHeartbeat()).toString())
        .put("job_id", worker.currentJobId());
    return record(ctx, "worker:" + worker.workerId() + ":" + worker.lastHeartbeat(), EventType.WORKER_OFFLINE, data);
  }

  /** Records a failed verification ({@code AuditLog.verify}'s answer); passes the answer on. */
  public static Future<JsonObject> auditVerified(ServerContext ctx, JsonObject result, String foundBy) {
    if (result.getBoolean("valid", true)) {
      return Future.succeededFuture(result);
    }
    JsonObject data = new JsonObject().put("first_broken_id", result.getValue("first_broken_id"))
        .put("reason", result.getString("reason")).put("entries_checked", result.getValue("entries_checked"))
        .put("found_by", foundBy);
    return record(ctx, "audit:" + result.getValue("first_broken_id") + ":" + result.getString("reason"),
        EventType.AUDIT_CHAIN_BROKEN, data).map(result);
  }

  /** The periodic check: verifies the whole chain. */
  public static Future<Void> checkAudit(ServerContext ctx) {
    return ctx.audit().verify().compose(r -> auditVerified(ctx, r, "the periodic check")).<Void>mapEmpty()
        .recover(e -> {
          LOG.warn("Verifying the audit chain failed: {}", e.getMessage());
          return Future.succeededFuture();
        });
  }

  private static Future<Void> record(ServerContext ctx, String key, EventType type, JsonObject data) {
    return ctx.store().serverEvents().record(key, type.id(), data, ctx.now()).<Void>mapEmpty().recover(e -> {
      LOG.error("Could not record the server event {}: {}", type.id(), e.getMessage());
      return Future.succeededFuture();
    });
  }

  /** The message for a server event. */
  static JsonObject render(ServerContext ctx, EventType type, ServerEvent event) {
    JsonObject d = event.data();
    String base = ctx.config().publicUrl() == null ? null : ctx.config().publicUrl().replaceAll("/+$", "");
    if (type == EventType.WORKER_OFFLINE) {
      String text = "worker " + d.getString("worker_name") + " sent no heartbeat for " + d.getValue("quiet_seconds")
          + " s and is offline." + (d.getString("job_id") == null ? ""
          : " Its job " + d.getString("job_id") + " goes back to the queue.");
      return Rendered.system(type, event.createdAt(), text, base == null ? null : base + "/#/workers", d);
    }
    String text = "entry " + d.getValue("first_broken_id") + ": " + d.getString("reason") + " (found by "
        + d.getString("found_by") + "; " + d.getValue("entries_checked") + " entries before it verified).";
    return Rendered.system(type, event.createdAt(), text, null, d);
  }

  /**
   * Who may hear of a server event: a worker's owner and those who manage workers; those who read
   * the audit trail. The local, single-user mode is an admin.
   */
  static boolean mayHear(EventType type, ServerEvent event, String userId, Optional<UserStore.User> user) {
    if (type == EventType.WORKER_OFFLINE && userId.equals(event.data().getString("owner_id"))) {
      return true;
    }
    if (user.isEmpty()) {
      return "local".equals(userId);
    }
    Role role = Role.parse(user.get().role());
    String needed = type == EventType.WORKER_OFFLINE ? Permission.WORKERS_MANAGE : Permission.AUDIT_VIEW;
    return user.get().active() && role != null && role.permissions().contains(needed);
  }
}
