package dev.simpletuner.cloud.server.api;

import dev.simpletuner.cloud.server.access.AccessGuard;
import dev.simpletuner.cloud.server.contract.ContractRouter;
import dev.simpletuner.cloud.server.error.AppException;
import dev.simpletuner.cloud.server.error.ErrorCode;
import io.vertx.core.json.JsonObject;
import java.util.Map;

/**
 * The reference CLI's routes this server does not serve (yet): the contract names each one with
 * {@code x-pending: <family>}, and each answers 501 with a sentence saying what exists instead or
 * where it is planned, never a bare 404.
 */
final class PendingRoutes {
  private static final Map<String, String> WHY = Map.ofEntries(
      Map.entry("quotas", "Quota rules are not served by this server yet. Per-account limits exist: PATCH /api/users/{user_id} with max_concurrent_jobs, cost_limit_amount and cost_limit_period."),
      Map.entry("orgs", "Organisations and teams are not served by this server: accounts have one role each (viewer, researcher, lead, admin)."),
      Map.entry("database", "Database maintenance over the API is not served: migrations run at start-up; use PostgreSQL's or SQLite's own tools for the rest."),
      Map.entry("levels", "Custom levels, per-account permission overrides, resource rules and per-account provider credentials are not served: accounts have one of the fixed roles (GET /api/users/meta/levels)."));

  private PendingRoutes() {
  }

  static void mount(ContractRouter ops, JsonObject published) {
    JsonObject paths = published.getJsonObject("paths");
    for (String path : paths.fieldNames()) {
      JsonObject item = paths.getJsonObject(path);
      for (String method : item.fieldNames()) {
        if (!(item.getValue(method) instanceof JsonObject op) || op.getString("x-pending") == null) {
          continue;
        }
        String why = WHY.get(op.getString("x-pending"));
        if (why == null) {
          throw new IllegalStateException("No words for pending family " + op.getString("x-pending"));
        }
        ops.on(op.getString("operationId"), rc -> {
          AccessGuard.principal(rc);
          throw new AppException(ErrorCode.NOT_IMPLEMENTED, why, new JsonObject().put("family", op.getString("x-pending")));
        });
      }
    }
  }
}
