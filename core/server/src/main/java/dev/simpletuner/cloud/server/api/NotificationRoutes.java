package dev.simpletuner.cloud.server.api;

import dev.simpletuner.cloud.server.access.AccessGuard;
import dev.simpletuner.cloud.server.contract.ContractRouter;
import dev.simpletuner.cloud.server.error.AppException;
import dev.simpletuner.cloud.server.error.ErrorCode;
import dev.simpletuner.cloud.server.http.Params;
import dev.simpletuner.cloud.server.http.Responses;
import dev.simpletuner.cloud.server.notify.EmailPresets;
import dev.simpletuner.cloud.server.notify.Notifications;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/** {@code /api/cloud/notifications/*} over {@link Notifications}. */
final class NotificationRoutes {
  private final Notifications notifications;

  NotificationRoutes(Notifications notifications) {
    this.notifications = notifications;
  }

  void mount(ContractRouter ops) {
    ops.on("listNotificationChannels", rc -> Responses.reply(rc,
        notifications.channels(Params.queryBool(rc, "enabled_only"))));
    ops.on("createNotificationChannel", rc -> Responses.reply(rc, notifications.create(AccessGuard.principal(rc),
        Params.body(rc))));
    ops.on("getNotificationChannel", rc -> Responses.reply(rc, notifications.channel(Params.path(rc, "channel_id"))));
    ops.on("updateNotificationChannel", rc -> Responses.reply(rc, notifications.update(AccessGuard.principal(rc),
        Params.path(rc, "channel_id"), Params.body(rc))));
    ops.on("deleteNotificationChannel", rc -> Responses.reply(rc, notifications.delete(AccessGuard.principal(rc),
        Params.path(rc, "channel_id"))));
    ops.on("testNotificationChannel", rc -> Responses.reply(rc, notifications.test(AccessGuard.principal(rc),
        Params.path(rc, "channel_id"))));
    ops.on("listNotificationPreferences", rc -> Responses.reply(rc, notifications.preferences(
        AccessGuard.principal(rc), Params.query(rc, "user_id"))));
    ops.on("createNotificationPreference", rc -> Responses.reply(rc, notifications.createPreference(
        AccessGuard.principal(rc), Params.body(rc))));
    ops.on("updateNotificationPreference", rc -> Responses.reply(rc, notifications.updatePreference(
        AccessGuard.principal(rc), Params.path(rc, "preference_id"), Params.body(rc))));
    ops.on("deleteNotificationPreference", rc -> Responses.reply(rc, notifications.deletePreference(
        AccessGuard.principal(rc), Params.path(rc, "preference_id"))));
    ops.on("listNotificationEvents", rc -> Responses.reply(rc, Future.succeededFuture(Notifications.events())));
    ops.on("listNotificationPresets", rc -> Responses.reply(rc, Future.succeededFuture(EmailPresets.list())));
    ops.on("getNotificationPreset", rc -> {
      String id = Params.path(rc, "preset_id");
      Responses.reply(rc, Future.succeededFuture(EmailPresets.get(id).orElseThrow(() ->
          new AppException(ErrorCode.NOT_FOUND, "No e-mail preset '" + id + "' (GET /api/cloud/notifications/presets "
              + "lists them)."))));
    });
    ops.on("listNotificationHistory", rc -> Responses.reply(rc, notifications.history(AccessGuard.principal(rc),
        Params.queryInt(rc, "limit", 50), Params.query(rc, "job_id"), Params.query(rc, "channel_id"),
        Params.query(rc, "delivery_status"))));
    ops.on("getNotificationStatus", rc -> Responses.reply(rc, notifications.status()));
    // The reference's web UI asks once whether to set notifications up; this server has no such prompt.
    ops.on("skipNotificationSetup", rc -> Responses.reply(rc, Future.succeededFuture(new JsonObject()
        .put("success", true))));
  }
}
