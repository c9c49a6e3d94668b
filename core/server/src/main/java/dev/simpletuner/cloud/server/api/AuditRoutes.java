package dev.simpletuner.cloud.server.api;

import dev.simpletuner.cloud.server.contract.ContractRouter;
import dev.simpletuner.cloud.server.http.Params;
import dev.simpletuner.cloud.server.http.Responses;
import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.error.AppException;
import dev.simpletuner.cloud.server.store.AuditStore.Entry;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.time.format.DateTimeParseException;

/** Reading and verifying the audit trail. */
final class AuditRoutes {
  private final ServerContext ctx;

  AuditRoutes(ServerContext ctx) {
    this.ctx = ctx;
  }

  void mount(ContractRouter ops) {
    ops.on("listAudit", this::list);
    ops.on("verifyAudit", rc -> Responses.reply(rc, ctx.audit().verify()));
  }

  private void list(RoutingContext rc) {
    int limit = Params.queryInt(rc, "limit", 50);
    int offset = Params.queryInt(rc, "offset", 0);
    Responses.reply(rc, ctx.store().audit().list(Params.query(rc, "event_type"), Params.query(rc, "actor_id"),
        time(rc, "since"), time(rc, "until"), limit, offset).map(page -> {
          JsonArray entries = new JsonArray();
          page.entries().forEach(e -> entries.add(render(e)));
          return new JsonObject().put("entries", entries).put("total", page.total())
              .put("has_more", offset + page.entries().size() < page.total());
        }));
  }

  private static Long time(RoutingContext rc, String name) {
    String value = Params.query(rc, name);
    try {
      return value == null ? null : Instant.parse(value).toEpochMilli();
    } catch (DateTimeParseException e) {
      throw AppException.invalid(name, name + " must be an ISO 8601 time such as 2026-11-29T08:00:00Z.");
    }
  }

  private static JsonObject render(Entry e) {
    return new JsonObject().put("id", e.id()).put("timestamp", Instant.ofEpochMilli(e.createdAt()).toString())
        .put("event_type", e.eventType()).put("actor_id", e.actorId()).put("actor_username", e.actorName())
        .put("api_key_id", e.keyId()).put("actor_ip", e.sourceIp()).put("target_type", e.targetType())
        .put("target_id", e.targetId()).put("outcome", e.outcome()).put("details", e.details())
        .put("entry_hash", e.entryHash());
  }
}
