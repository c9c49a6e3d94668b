package dev.simpletuner.cloud.server.api;

import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.access.AccessGuard;
import dev.simpletuner.cloud.server.auth.Principal;
import dev.simpletuner.cloud.server.backup.BackupService;
import dev.simpletuner.cloud.server.backup.Restore;
import dev.simpletuner.cloud.server.contract.ContractRouter;
import dev.simpletuner.cloud.server.http.Params;
import dev.simpletuner.cloud.server.http.Responses;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.nio.file.Path;

/** The reference's {@code /api/backup} routes: take, list, get, delete, restore (admin.backup). */
final class BackupRoutes {
  private final ServerContext ctx;
  private final BackupService backups;

  BackupRoutes(Vertx vertx, ServerContext ctx) {
    this.ctx = ctx;
    this.backups = new BackupService(vertx, ctx.store(), ctx.secrets(), ctx.config().stateDir());
  }

  void mount(ContractRouter ops) {
    ops.on("listBackups", rc -> Responses.reply(rc, backups.list(Params.queryInt(rc, "limit", 50))));
    ops.on("createBackup", this::create);
    ops.on("getBackup", rc -> Responses.reply(rc, backups.get(Params.path(rc, "backup_id"))));
    ops.on("deleteBackup", rc -> {
      String id = Params.path(rc, "backup_id");
      Responses.reply(rc, audited(rc, "backup.delete", id, backups.delete(id)));
    });
    ops.on("restoreBackup", this::restore);
  }

  private void create(RoutingContext rc) {
    JsonObject body = Params.body(rc);
    Principal p = AccessGuard.principal(rc);
    Future<JsonObject> made = backups.create(new BackupService.Request(body.getString("name"),
        body.getString("description"), p.userId(), body.getBoolean("include_key", false),
        body.getString("passphrase")), ctx.now()).map(b -> {
          JsonArray asked = body.getJsonArray("components");
          if (asked != null && !asked.isEmpty() && asked.size() < 3) {
            b.put("warnings", new JsonArray().add("A backup always holds every component (the whole database): "
                + "a part of it would restore into dangling references."));
          }
          return b;
        });
    Responses.reply(rc, 201, audited(rc, "backup.create", null, made));
  }

  private void restore(RoutingContext rc) {
    JsonObject body = Params.body(rc);
    String id = Params.path(rc, "backup_id");
    boolean dryRun = body.getBoolean("dry_run", false);
    JsonObject target = body.getJsonObject("target");
    Restore.Target where = target == null || target.isEmpty() ? null : new Restore.Target(
        target.getString("state_dir") == null ? null : Path.of(target.getString("state_dir")),
        target.getString("database_url"));
    Future<JsonObject> done = backups.restore(id, where, body.getString("passphrase"), dryRun);
    Responses.reply(rc, dryRun ? done : audited(rc, "backup.restore", id, done));
  }

  /** Records the outcome in the audit trail, then answers with the result (or its failure). */
  private Future<JsonObject> audited(RoutingContext rc, String event, String id, Future<JsonObject> work) {
    Principal p = AccessGuard.principal(rc);
    return work.transform(ar -> {
      String target = id != null ? id : ar.succeeded() ? ar.result().getString("id") : null;
      JsonObject details = ar.succeeded() && ar.result().containsKey("target")
          ? new JsonObject().put("target", ar.result().getJsonObject("target")) : new JsonObject();
      return ctx.audit().record(p, event, "backup", target, ar.succeeded() ? "ok" : "failed", details,
          AccessGuard.sourceIp(rc.request()), ctx.now()).transform(x -> ar.succeeded()
              ? Future.succeededFuture(ar.result()) : Future.failedFuture(ar.cause()));
    });
  }
}
