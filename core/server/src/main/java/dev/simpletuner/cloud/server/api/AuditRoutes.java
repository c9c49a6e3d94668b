package dev.simpletuner.cloud.server.api;

import dev.simpletuner.cloud.server.contract.ContractRouter;
import dev.simpletuner.cloud.server.http.Params;
import dev.simpletuner.cloud.server.http.Responses;
import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.notify.SystemEvents;
import dev.simpletuner.cloud.server.error.AppException;
import dev.simpletuner.cloud.server.error.ErrorCode;
import dev.simpletuner.cloud.server.store.AuditStore;
import dev.simpletuner.cloud.server.store.Db;
import dev.simpletuner.cloud.server.store.AuditStore.Entry;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;

/** Reading and verifying the audit trail, in this server's terms and the reference's. */
final class AuditRoutes {
  /** What the reference's "security" view shows: sign-ins, refusals, keys, accounts. */
  private static final List<String> SECURITY_EVENTS = List.of("auth.*", "security.*", "api_key.*", "user.*");
  private final ServerContext ctx;

  AuditRoutes(ServerContext ctx) {
    this.ctx = ctx;
  }

  void mount(ContractRouter ops) {
    ops.on("listAudit", rc -> {
      Long since = time(rc, "since", false);
      Long until = time(rc, "until", true);
      Responses.reply(rc, Future.all(account(Params.query(rc, "actor_id")), "user".equals(Params.query(rc,
              "target_type")) ? account(Params.query(rc, "target_id")) : Future.succeededFuture(Params.query(rc,
              "target_id")))
          .compose(ids -> page(rc, new AuditStore.Filter(eventTypes(Params.query(rc, "event_type")), ids.resultAt(0),
              Params.query(rc, "target_type"), ids.resultAt(1), since, until))));
    });
    ops.on("listSecurityAudit", rc -> Responses.reply(rc, page(rc, new AuditStore.Filter(SECURITY_EVENTS, null, null,
        null, null, null))));
    ops.on("listUserAudit", rc -> Responses.reply(rc, account(Params.path(rc, "user_id"))
        .compose(id -> page(rc, new AuditStore.Filter(null, id, null, null, null, null)))));
    ops.on("verifyAudit", rc -> Responses.reply(rc, ctx.audit().verify(id(rc, "start_id"), id(rc, "end_id"))
        .compose(result -> SystemEvents.auditVerified(ctx, result, "GET /api/audit/verify"))));
    ops.on("getAuditStats", rc -> Responses.reply(rc, ctx.store().audit().stats(ctx.now() - 24L * 3600 * 1000)
        .map(s -> new JsonObject().put("total_entries", s.total()).put("last_24h", s.lastDay())
            .put("first_entry", iso(s.first())).put("last_entry", iso(s.last()))
            .put("by_type", new JsonObject(new java.util.LinkedHashMap<>(s.byType()))))));
    ops.on("listAuditTypes", rc -> Responses.reply(rc, ctx.store().audit().eventTypes().map(all -> {
      JsonArray types = new JsonArray();
      all.forEach(t -> types.add(new JsonObject().put("value", t).put("name", words(t))));
      return new JsonObject().put("event_types", types);
    })));
  }

  /**
   * An account's string id from its number (the reference CLI names accounts by number); anything
   * else as given, so a deleted account's entries are still found by its string id.
   */
  private Future<String> account(String ref) {
    if (Db.number(ref) == null) {
      return Future.succeededFuture(ref);
    }
    return ctx.store().users().byRef(ref).map(u -> u.map(x -> x.userId()).orElse(ref));
  }

  private Future<JsonObject> page(RoutingContext rc, AuditStore.Filter filter) {
    int limit = Params.queryInt(rc, "limit", 50);
    int offset = Params.queryInt(rc, "offset", 0);
    return ctx.store().audit().list(filter, limit, offset).map(page -> {
      JsonArray entries = new JsonArray();
      page.entries().forEach(e -> entries.add(render(e)));
      return new JsonObject().put("entries", entries).put("total", page.total()).put("limit", limit)
          .put("offset", offset).put("has_more", offset + page.entries().size() < page.total());
    });
  }

  private static List<String> eventTypes(String value) {
    return value == null ? null : List.of(value);
  }

  private static Long id(RoutingContext rc, String name) {
    String value = Params.query(rc, name);
    return value == null ? null : Long.parseLong(value);
  }

  /** An ISO 8601 time, or a date (the day's start; for {@code until}, the next day's start). */
  private static Long time(RoutingContext rc, String name, boolean endOfDay) {
    String value = Params.query(rc, name);
    if (value == null) {
      return null;
    }
    try {
      if (value.matches("\\d{4}-\\d{2}-\\d{2}")) {
        LocalDate day = LocalDate.parse(value);
        return (endOfDay ? day.plusDays(1) : day).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
      }
      return Instant.parse(value).toEpochMilli();
    } catch (DateTimeParseException e) {
      throw new AppException(ErrorCode.INVALID_INPUT, name + " must be an ISO 8601 time such as 2026-11-29T08:00:00Z "
          + "or a date such as 2026-11-29.", new JsonObject().put("field", name));
    }
  }

  private static String iso(Long millis) {
    return millis == null ? null : Instant.ofEpochMilli(millis).toString();
  }

  /** {@code user.created} → "User created". */
  private static String words(String eventType) {
    String spaced = eventType.replace('.', ' ').replace('_', ' ');
    return Character.toUpperCase(spaced.charAt(0)) + spaced.substring(1);
  }

  /** An entry; {@code action} (the reference's field) is the event's verb, e.g. {@code created}. */
  private static JsonObject render(Entry e) {
    String type = e.eventType();
    return new JsonObject().put("id", e.id()).put("timestamp", Instant.ofEpochMilli(e.createdAt()).toString())
        .put("event_type", type).put("action", type.substring(type.lastIndexOf('.') + 1))
        .put("actor_id", e.actorId()).put("actor_username", e.actorName())
        .put("api_key_id", e.keyId()).put("actor_ip", e.sourceIp()).put("target_type", e.targetType())
        .put("target_id", e.targetId()).put("outcome", e.outcome()).put("details", e.details())
        .put("entry_hash", e.entryHash());
  }
}
