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

  /**
   * An account: {@code id} is its number (the reference's integer id), {@code user_id} the string
   * id used everywhere else here; either names it in paths. Its role is its one level.
   */
  static JsonObject render(User u) {
    Role role = Role.parse(u.role());
    return new JsonObject().put("id", u.number()).put("user_id", u.userId()).put("username", u.username())
        .put("email", u.email() == null ? "" : u.email()).put("display_name", u.displayName())
        .put("role", u.role()).put("is_active", u.active()).put("is_admin", role == Role.ADMIN)
        .put("auth_provider", "local").put("email_verified", false)
        .put("levels", role == null ? new JsonArray() : new JsonArray().add(level(role)))
        .put("permissions", new JsonArray(new java.util.ArrayList<>(new TreeSet<>(role == null
            ? java.util.Set.of() : role.permissions()))))
        .put("max_concurrent_jobs", u.maxConcurrentJobs()).put("cost_limit_amount", u.costLimitAmount())
        .put("cost_limit_period", u.costLimitPeriod())
        .put("created_at", Instant.ofEpochMilli(u.createdAt()).toString())
        .put("last_login_at", u.lastLoginAt() == null ? null : Instant.ofEpochMilli(u.lastLoginAt()).toString());
  }

  /** A role as the reference's level: number, name, priority, system flag and permissions. */
  static JsonObject level(Role role) {
    return new JsonObject().put("id", role.ordinal() + 1).put("name", role.wireName()).put("priority", role.priority())
        .put("is_system", true).put("description", role.description())
        .put("permissions", new JsonArray(new java.util.ArrayList<>(new TreeSet<>(role.permissions()))));
  }

  static JsonObject render(Principal p) {
    return new JsonObject().put("id", p.userId()).put("username", p.username()).put("email", null)
        .put("role", p.role()).put("is_active", true).put("is_admin", Role.ADMIN.wireName().equals(p.role()))
        .put("permissions", new JsonArray(new java.util.ArrayList<>(new TreeSet<>(p.permissions()))))
        .put("api_key_id", p.keyId()).put("single_user_mode", p.local());
  }
}
