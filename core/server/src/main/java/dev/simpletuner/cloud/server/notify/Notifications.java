package dev.simpletuner.cloud.server.notify;

import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.auth.Permission;
import dev.simpletuner.cloud.server.auth.Principal;
import dev.simpletuner.cloud.server.error.AppException;
import dev.simpletuner.cloud.server.error.ErrorCode;
import dev.simpletuner.cloud.server.store.Db;
import dev.simpletuner.cloud.server.store.NotificationStore;
import dev.simpletuner.cloud.server.store.NotificationStore.Attempt;
import dev.simpletuner.cloud.server.store.NotificationStore.Channel;
import dev.simpletuner.cloud.server.store.NotificationStore.Message;
import dev.simpletuner.cloud.server.store.NotificationStore.Preference;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * The notification API, in the reference's shapes ({@code /api/cloud/notifications/*}): channels
 * (managed with {@code notifications.manage}, secrets never shown), each user's preferences, the
 * event catalogue, e-mail presets, the history with every attempt, and a status summary.
 */
public final class Notifications {
  private static final Set<String> STATUSES = Set.of("pending", "delivered", "dead");
  private final ServerContext ctx;
  private final NotificationStore store;
  private final Senders senders;

  public Notifications(Vertx vertx, ServerContext ctx) {
    this.ctx = ctx;
    this.store = ctx.store().notifications();
    this.senders = Senders.of(vertx, ctx, DeliveryRules.from(ctx.env()));
  }

  // --- channels

  public Future<JsonObject> channels(boolean enabledOnly) {
    return store.channels().map(all -> {
      JsonArray out = new JsonArray();
      all.stream().filter(c -> !enabledOnly || c.enabled()).forEach(c -> out.add(ChannelSettings.view(c)));
      return new JsonObject().put("channels", out).put("total", out.size());
    });
  }

  public Future<JsonObject> channel(String ref) {
    return find(ref).map(ChannelSettings::view);
  }

  public Future<JsonObject> create(Principal caller, JsonObject body) {
    ChannelSettings.Checked checked = ChannelSettings.check(ctx.secrets(), body, null);
    String type = body.getString("channel_type");
    long now = ctx.now();
    return store.createChannel(type, checked.name(), checked.enabled(), checked.settings(), now)
        .compose(c -> audit(caller, "notification.channel_created", c).map(v -> {
          JsonObject view = ChannelSettings.view(c);
          if (checked.madeSecret() != null) {
            // Shown this once, like an API key: the receiver needs it to verify signatures.
            view.put("webhook_secret", checked.madeSecret());
          }
          return view;
        }));
  }

  public Future<JsonObject> update(Principal caller, String ref, JsonObject body) {
    return find(ref).compose(current -> {
      ChannelSettings.Checked checked = ChannelSettings.check(ctx.secrets(), body, current);
      return store.updateChannel(current.id(), checked.name(), checked.enabled(), checked.settings(), ctx.now());
    }).compose(updated -> {
      Channel c = updated.orElseThrow(() -> notFound(ref));
      return audit(caller, "notification.channel_changed", c).map(v -> ChannelSettings.view(c));
    });
  }

  public Future<JsonObject> delete(Principal caller, String ref) {
    return find(ref).compose(c -> store.deleteChannel(c.id(), ctx.now())
        .compose(deleted -> audit(caller, "notification.channel_deleted", c))
        .map(v -> new JsonObject().put("success", true).put("id", c.id())));
  }

  /** Sends a test message at once and keeps it in the history; {@code {success, error, latency_ms}}. */
  public Future<JsonObject> test(Principal caller, String ref) {
    return find(ref).compose(c -> recipientFor(caller, c).compose(recipient -> {
      long at = ctx.now();
      JsonObject payload = Rendered.test(c.name(), at);
      return senders.send(c, "msg_test_" + UUID.randomUUID().toString().replace("-", ""), recipient, payload)
          .compose(o -> store.recordSent(new NotificationStore.NewMessage(null, "test", c.id(), null,
                  caller.userId(), recipient, payload), new Attempt(0, 1, at, o.statusCode(), o.error(),
                  o.latencyMs()), o.delivered())
              .map(saved -> new JsonObject().put("success", o.delivered()).put("error", o.error())
                  .put("latency_ms", (double) o.latencyMs()).put("status_code", o.statusCode())
                  .put("history_id", saved.id())));
    }));
  }

  /** A test e-mail goes to the caller's address, else to the channel's own sender address. */
  private Future<String> recipientFor(Principal caller, Channel c) {
    if (!ChannelSettings.EMAIL.equals(c.type())) {
      return Future.succeededFuture("");
    }
    return ctx.store().users().byId(caller.userId()).map(u -> u.map(x -> x.email())
        .filter(e -> e != null && !e.isBlank()).orElse(c.settings().getString("smtp_from_address")));
  }

  private Future<Channel> find(String ref) {
    Long id = Db.number(ref);
    if (id == null) {
      return Future.failedFuture(notFound(ref));
    }
    return store.channel(id).map(found -> found.orElseThrow(() -> notFound(ref)));
  }

  private static AppException notFound(String ref) {
    return new AppException(ErrorCode.NOT_FOUND, "No notification channel " + ref + ".");
  }

  private Future<Void> audit(Principal caller, String event, Channel c) {
    return ctx.audit().record(caller, event, "notification_channel", String.valueOf(c.id()), "ok",
        new JsonObject().put("name", c.name()).put("channel_type", c.type()).put("is_enabled", c.enabled()), null,
        ctx.now());
  }

  // --- preferences

  public Future<JsonObject> preferences(Principal caller, String userId) {
    String whose = userId == null || userId.isBlank() ? caller.userId() : userId;
    if (!whose.equals(caller.userId()) && !manages(caller)) {
      throw new AppException(ErrorCode.PERMISSION_DENIED, "Only those with notifications.manage see other users' "
          + "preferences.");
    }
    return store.preferences(whose).map(list -> {
      JsonArray out = new JsonArray();
      list.forEach(p -> out.add(view(p)));
      return new JsonObject().put("preferences", out).put("total", out.size());
    });
  }

  public Future<JsonObject> createPreference(Principal caller, JsonObject body) {
    String eventType = body.getValue("event_type") instanceof String s ? s : null;
    if (eventType == null || EventType.parse(eventType).isEmpty()) {
      throw AppException.invalid("event_type", "event_type must be one of " + Arrays.stream(EventType.values())
          .map(EventType::id).toList() + " (GET /api/cloud/notifications/events).");
    }
    Long channelId = body.getValue("channel_id") instanceof Number n && n.doubleValue() == n.longValue()
        ? n.longValue() : body.getValue("channel_id") instanceof String s ? Db.number(s) : null;
    if (channelId == null) {
      throw AppException.invalid("channel_id", "channel_id must be a channel's number.");
    }
    Object enabled = body.getValue("is_enabled", true);
    if (!(enabled instanceof Boolean)) {
      throw AppException.invalid("is_enabled", "is_enabled must be true or false.");
    }
    String severity = body.getValue("min_severity", "info") instanceof String s ? s : null;
    if (EventType.Severity.parse(severity) == null) {
      throw AppException.invalid("min_severity", "min_severity must be one of info, warning, error, critical.");
    }
    JsonArray recipients = recipients(caller, body.getValue("recipients"));
    String userId = body.getValue("user_id") instanceof String s && !s.isBlank() ? s : caller.userId();
    if (!userId.equals(caller.userId()) && !manages(caller)) {
      throw new AppException(ErrorCode.PERMISSION_DENIED, "Only those with notifications.manage set other users' "
          + "preferences.");
    }
    return store.channel(channelId).compose(channel -> {
      if (channel.isEmpty()) {
        throw AppException.invalid("channel_id", "No notification channel " + channelId + ".");
      }
      return store.createPreference(userId, eventType, channelId, (Boolean) enabled, recipients, severity, ctx.now());
    }).map(created -> view(created.orElseThrow(() -> new AppException(ErrorCode.ALREADY_EXISTS, "A preference for "
        + eventType + " on channel " + channelId + " exists already; delete it first."))));
  }

  /** Recipients other than one's own address are for managers only: no one mails strangers through us. */
  private static JsonArray recipients(Principal caller, Object value) {
    if (value == null) {
      return new JsonArray();
    }
    if (!(value instanceof JsonArray list) || list.size() > 20 || !list.stream().allMatch(r -> r instanceof String s
        && s.length() <= 255 && s.matches("[^@\\s<>,]+@[^@\\s<>,]+"))) {
      throw AppException.invalid("recipients", "recipients must be a list of at most 20 e-mail addresses.");
    }
    if (!list.isEmpty() && !manages(caller)) {
      throw new AppException(ErrorCode.PERMISSION_DENIED, "Only those with notifications.manage name recipients; "
          + "leave recipients out and mail goes to your account's address.");
    }
    return list;
  }

  public Future<JsonObject> updatePreference(Principal caller, String ref, JsonObject body) {
    Object enabled = body.getValue("is_enabled");
    if (enabled != null && !(enabled instanceof Boolean)) {
      throw AppException.invalid("is_enabled", "is_enabled must be true or false.");
    }
    Object severity = body.getValue("min_severity");
    if (severity != null && !(severity instanceof String s && EventType.Severity.parse(s) != null)) {
      throw AppException.invalid("min_severity", "min_severity must be one of info, warning, error, critical.");
    }
    JsonArray recipients = body.containsKey("recipients") ? recipients(caller, body.getValue("recipients")) : null;
    return ownPreference(caller, ref).compose(p -> store.updatePreference(p.id(),
            enabled != null ? (Boolean) enabled : p.enabled(), recipients != null ? recipients : p.recipients(),
            severity != null ? (String) severity : p.minSeverity()))
        .map(updated -> view(updated.orElseThrow(() -> preferenceNotFound(ref))));
  }

  public Future<JsonObject> deletePreference(Principal caller, String ref) {
    return ownPreference(caller, ref).compose(p -> store.deletePreference(p.id())
        .map(v -> new JsonObject().put("success", true).put("id", p.id())));
  }

  /** The preference if the caller may change it; others' are not found, as if they did not exist. */
  private Future<Preference> ownPreference(Principal caller, String ref) {
    Long id = Db.number(ref);
    if (id == null) {
      return Future.failedFuture(preferenceNotFound(ref));
    }
    return store.preference(id).map(found -> found.filter(x -> x.userId().equals(caller.userId()) || manages(caller))
        .orElseThrow(() -> preferenceNotFound(ref)));
  }

  private static AppException preferenceNotFound(String ref) {
    return new AppException(ErrorCode.NOT_FOUND, "No notification preference " + ref + ".");
  }

  private static JsonObject view(Preference p) {
    return new JsonObject().put("id", p.id()).put("user_id", p.userId()).put("event_type", p.eventType())
        .put("channel_id", p.channelId()).put("is_enabled", p.enabled()).put("recipients", p.recipients())
        .put("min_severity", p.minSeverity()).put("created_at", Instant.ofEpochMilli(p.createdAt()).toString());
  }

  // --- catalogue, history, status

  public static JsonObject events() {
    JsonArray out = new JsonArray();
    Arrays.stream(EventType.values()).forEach(t -> out.add(t.toJson()));
    return new JsonObject().put("event_types", out);
  }

  /** Newest first; others' entries only for managers; {@code status=dead} is the dead-letter view. */
  public Future<JsonObject> history(Principal caller, int limit, String jobId, String channelRef, String status) {
    if (limit < 1 || limit > 500) {
      throw AppException.invalid("limit", "limit must be from 1 to 500.");
    }
    Long channelId = channelRef == null || channelRef.isBlank() ? null : Db.number(channelRef);
    if (channelRef != null && !channelRef.isBlank() && channelId == null) {
      throw AppException.invalid("channel_id", "channel_id must be a channel's number.");
    }
    if (status != null && !STATUSES.contains(status)) {
      throw AppException.invalid("delivery_status", "delivery_status must be pending, delivered or dead.");
    }
    String userId = manages(caller) ? null : caller.userId();
    return store.history(userId, jobId, channelId, status, limit).compose(messages -> store.attempts(
        messages.stream().map(Message::id).toList()).map(attempts -> {
          Map<Long, List<Attempt>> byMessage = attempts.stream().collect(Collectors.groupingBy(Attempt::outboxId));
          JsonArray out = new JsonArray();
          messages.forEach(m -> out.add(entry(m, byMessage.getOrDefault(m.id(), List.of()))));
          return new JsonObject().put("entries", out).put("total", out.size());
        }));
  }

  private static JsonObject entry(Message m, List<Attempt> attempts) {
    JsonArray log = new JsonArray();
    attempts.forEach(a -> log.add(new JsonObject().put("attempt", a.attempt())
        .put("attempted_at", iso(a.attemptedAt())).put("status_code", a.statusCode()).put("error", a.error())
        .put("latency_ms", a.latencyMs())));
    return new JsonObject().put("id", m.id()).put("channel_id", m.channelId()).put("event_type", m.eventType())
        .put("job_id", m.jobId()).put("user_id", m.userId()).put("recipient", m.recipient())
        .put("delivery_status", m.status()).put("dead_letter", "dead".equals(m.status()))
        .put("error_message", m.lastError()).put("status_code", m.lastStatusCode()).put("attempts", m.attempts())
        .put("title", m.payload().getString("title"))
        // The reference's CLI slices sent_at: it is never null (the time it was queued until a first attempt).
        .put("sent_at", iso(m.sentAt() != null ? m.sentAt() : m.createdAt()))
        .put("delivered_at", m.deliveredAt() == null ? null : iso(m.deliveredAt()))
        .put("next_attempt_at", "pending".equals(m.status()) ? iso(m.nextAttemptAt()) : null)
        .put("created_at", iso(m.createdAt())).put("attempt_log", log);
  }

  public Future<JsonObject> status() {
    return store.channels().compose(all -> store.counts().map(counts -> {
      JsonObject byType = new JsonObject();
      all.forEach(c -> byType.put(c.type(), byType.getInteger(c.type(), 0) + 1));
      return new JsonObject().put("initialized", true)
          .put("channels", new JsonObject().put("total", all.size())
              .put("enabled", all.stream().filter(Channel::enabled).count()).put("by_type", byType))
          // The reference's IMAP reply handlers; none here.
          .put("response_handlers", new JsonObject().put("total", 0).put("running", 0))
          .put("stats", counts);
    }));
  }

  private static boolean manages(Principal caller) {
    return caller.permissions().contains(Permission.NOTIFICATIONS_MANAGE);
  }

  private static String iso(long millis) {
    return Instant.ofEpochMilli(millis).toString();
  }
}
