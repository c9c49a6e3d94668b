package dev.simpletuner.cloud.server.api;

import dev.simpletuner.cloud.server.auth.Principal;
import dev.simpletuner.cloud.server.auth.Role;
import dev.simpletuner.cloud.server.store.UserStore.User;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.TreeSet;

/** How accounts look in the API (never with a password hash). */
final class Accounts {
  private Accounts() {
  }

  static JsonObject render(User u) {
    Role role = Role.parse(u.role());
    return new JsonObject().put("id", u.userId()).put("username", u.username()).put("email", u.email())
        .put("role", u.role()).put("is_active", u.active()).put("is_admin", role == Role.ADMIN)
        .put("permissions", new JsonArray(new java.util.ArrayList<>(new TreeSet<>(role == null
            ? java.util.Set.of() : role.permissions()))))
        .put("max_concurrent_jobs", u.maxConcurrentJobs()).put("cost_limit_amount", u.costLimitAmount())
        .put("cost_limit_period", u.costLimitPeriod())
        .put("created_at", Instant.ofEpochMilli(u.createdAt()).toString())
        .put("last_login_at", u.lastLoginAt() == null ? null : Instant.ofEpochMilli(u.lastLoginAt()).toString());
  }

  static JsonObject render(Principal p) {
    return new JsonObject().put("id", p.userId()).put("username", p.username()).put("email", null)
        .put("role", p.role()).put("is_active", true).put("is_admin", Role.ADMIN.wireName().equals(p.role()))
        .put("permissions", new JsonArray(new java.util.ArrayList<>(new TreeSet<>(p.permissions()))))
        .put("api_key_id", p.keyId()).put("single_user_mode", p.local());
  }
}
