package dev.simpletuner.cloud.server.api;

import dev.simpletuner.cloud.server.access.AccessGuard;
import dev.simpletuner.cloud.server.http.Params;
import dev.simpletuner.cloud.server.http.Sse;
import dev.simpletuner.cloud.server.access.JobAccess;
import dev.simpletuner.cloud.server.auth.Principal;

import dev.simpletuner.cloud.server.bus.Addresses;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /api/cloud/events}: live job changes for dashboards. Events: {@code job},
 * {@code job_deleted}, {@code timeline}. A client reconnects and reloads the list; nothing is
 * replayed.
 */
final class JobEventStream {
  private static final String[][] SOURCES = {
      {Addresses.JOB_CHANGED, "job"}, {Addresses.JOB_DELETED, "job_deleted"}, {Addresses.JOB_TIMELINE, "timeline"}};

  void handle(RoutingContext rc) {
    Principal principal = AccessGuard.principal(rc);
    String only = Params.query(rc, "job_id");
    List<MessageConsumer<JsonObject>> consumers = new ArrayList<>();
    Map<String, String> owners = new HashMap<>();
    Sse sse = Sse.open(rc, () -> consumers.forEach(MessageConsumer::unregister));
    for (String[] source : SOURCES) {
      consumers.add(rc.vertx().eventBus().<JsonObject>consumer(source[0], m -> {
        JsonObject body = m.body();
        String jobId = body.getString("job_id");
        if (only != null && !only.equals(jobId)) {
          return;
        }
        if (body.containsKey("owner_id")) {
          owners.put(jobId, body.getString("owner_id"));
          if (!JobAccess.canSee(principal, body)) {
            return;
          }
        } else if (!principal.can(dev.simpletuner.cloud.server.auth.Permission.JOB_VIEW_ALL)
            && !principal.userId().equals(owners.get(jobId))) {
          return;
        }
        if (!sse.congested()) {
          sse.send(source[1], null, body.encode());
        }
      }));
    }
    sse.comment("connected");
  }
}
