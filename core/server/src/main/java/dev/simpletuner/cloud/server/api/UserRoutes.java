package dev.simpletuner.cloud.server.api;

import dev.simpletuner.cloud.server.access.AccessGuard;
import dev.simpletuner.cloud.server.contract.ContractRouter;
import dev.simpletuner.cloud.server.http.Params;
import dev.simpletuner.cloud.server.http.Responses;
import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.auth.Passwords;
import dev.simpletuner.cloud.server.auth.Permission;
import dev.simpletuner.cloud.server.auth.Principal;
import dev.simpletuner.cloud.server.auth.Role;
import dev.simpletuner.cloud.server.error.AppException;
import dev.simpletuner.cloud.server.error.ErrorCode;
import dev.simpletuner.cloud.server.store.UserStore;
import dev.simpletuner.cloud.server.store.UserStore.User;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.Arrays;
import java.util.UUID;

/**
 * Account administration, in this server's terms (one role per account) and the reference's
 * (integer ids, {@code is_admin}, levels): paths name an account by {@code u_...} or by number.
 */
final class UserRoutes {
  private final Vertx vertx;
  private final ServerContext ctx;

  UserRoutes(Vertx vertx, ServerContext ctx) {
    this.vertx = vertx;
    this.ctx = ctx;
  }

  void mount(ContractRouter ops) {
    ops.on("listUsers", rc -> Responses.reply(rc, ctx.store().users().list(Params.queryInt(rc, "limit", 100),
        Params.queryInt(rc, "offset", 0), "true".equals(Params.query(rc, "include_inactive"))).map(users -> {
          JsonArray out = new JsonArray();
          users.forEach(u -> out.add(Accounts.render(u)));
          return new JsonObject().put("users", out);
        })));
    ops.on("createUser", this::create);
    ops.on("getUser", rc -> Responses.reply(rc, account(Params.path(rc, "user_id")).map(Accounts::render)));
    ops.on("updateUser", this::update);
    ops.on("deleteUser", this::delete);
    ops.on("activateUser", rc -> setActive(rc, true));
    ops.on("deactivateUser", rc -> setActive(rc, false));
    ops.on("assignUserLevel", rc -> setRole(rc, Params.body(rc).getString("level_name"), false));
    ops.on("removeUserLevel", rc -> setRole(rc, Params.path(rc, "level_name"), true));
    ops.on("getMyAccount", rc -> {
      Principal p = AccessGuard.principal(rc);
      Responses.reply(rc, p.local() ? Future.succeededFuture(Accounts.render(p))
          : ctx.store().users().byId(p.userId()).map(u -> u.map(Accounts::render).orElseGet(() -> Accounts.render(p))));
    });
    ops.on("getAuthStatus", rc -> Responses.reply(rc, ctx.store().users().counts().map(n -> new JsonObject()
        .put("in_use", n.users() > 0).put("user_count", n.users()).put("has_external_providers", false))));
    ops.on("listPermissions", rc -> {
      JsonArray out = new JsonArray();
      for (int i = 0; i < Permission.ALL.size(); i++) {
        String name = Permission.ALL.get(i);
        out.add(new JsonObject().put("id", i + 1).put("name", name).put("category", name.substring(0, name.indexOf('.')))
            .put("description", Permission.DESCRIPTIONS.get(name)));
      }
      Responses.json(rc, 200, new JsonObject().put("permissions", out));
    });
    ops.on("listLevels", rc -> {
      JsonArray out = new JsonArray();
      Arrays.stream(Role.values()).forEach(r -> out.add(Accounts.level(r)));
      Responses.json(rc, 200, new JsonObject().put("levels", out));
    });
  }

  private Future<User> account(String ref) {
    return ctx.store().users().byRef(ref).map(u -> u.orElseThrow(() -> new AppException(ErrorCode.NOT_FOUND,
        "No account " + ref + ".")));
  }

  /** The answer to a change: the account's fields, and the same under {@code user}. */
  private static JsonObject changed(User u) {
    JsonObject view = Accounts.render(u);
    return view.copy().put("success", true).put("user", view);
  }

  private void create(RoutingContext rc) {
    Principal p = AccessGuard.principal(rc);
    if (p.local()) {
      // Any account ends single-user mode; if it were not an admin, setup status would say there is
      // nothing to set up while nobody could administer the server. So accounts start with the admin.
      throw new AppException(ErrorCode.SETUP_REQUIRED, "Accounts start with the first admin: create it "
          + "(POST /api/auth/setup/first-admin), log in, then create more accounts.");
    }
    JsonObject body = Params.body(rc);
    String username = AuthRoutes.checkUsername(body.getString("username"));
    String email = AuthRoutes.checkEmail(body.getString("email"));
    // Without a password (the reference's accounts for single sign-on) nobody can log in to the
    // account until an admin sets one.
    String password = body.getString("password") == null ? null : AuthRoutes.checkPassword(body.getString("password"));
    String role = roleOf(body);
    String userId = "u_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    long now = ctx.now();
    Future<String> hash = password == null ? Future.succeededFuture(Passwords.NO_PASSWORD)
        : vertx.executeBlocking(() -> Passwords.hash(password), false);
    Responses.reply(rc, hash
        .compose(h -> ctx.store().users().create(new User(userId, username, email, h, role, true, 0, null,
            null, null, null, 0, now, null, 0, AuthRoutes.displayName(body)), false))
        .compose(created -> {
          if (!created) {
            throw new AppException(ErrorCode.ALREADY_EXISTS, "The username or e-mail is taken.",
                new JsonObject().put("field", "username"));
          }
          ctx.auth().usersChanged(userId);
          return ctx.audit().record(p, "user.created", "user", userId, "ok", new JsonObject().put("username", username)
              .put("role", role), null, now).compose(v -> account(userId));
        })
        .map(UserRoutes::changed));
  }

  /** {@code role}, else the reference's {@code is_admin}, else its highest known {@code level_names}; researcher by default. */
  private static String roleOf(JsonObject body) {
    if (body.getString("role") != null) {
      return body.getString("role");
    }
    if (Boolean.TRUE.equals(body.getBoolean("is_admin"))) {
      return Role.ADMIN.wireName();
    }
    Role best = null;
    for (Object name : body.getJsonArray("level_names", new JsonArray())) {
      Role r = Role.parse(String.valueOf(name));
      if (r == null) {
        throw unknownLevel("level_names", name);
      }
      best = best == null || r.ordinal() > best.ordinal() ? r : best;
    }
    return (best == null ? Role.RESEARCHER : best).wireName();
  }

  private static AppException unknownLevel(String field, Object name) {
    return AppException.invalid(field, "Unknown level '" + name + "'. Levels here are the roles: "
        + String.join(", ", Arrays.stream(Role.values()).map(Role::wireName).toList()) + ".");
  }

  private void update(RoutingContext rc) {
    Principal p = AccessGuard.principal(rc);
    JsonObject body = Params.body(rc);
    String role = body.getString("role") != null ? body.getString("role")
        : body.getBoolean("is_admin") == null ? null
        : body.getBoolean("is_admin") ? Role.ADMIN.wireName() : null;
    String password = body.containsKey("password") ? AuthRoutes.checkPassword(body.getString("password")) : null;
    boolean clearQuota = body.containsKey("max_concurrent_jobs") && body.getValue("max_concurrent_jobs") == null;
    Responses.reply(rc, account(Params.path(rc, "user_id")).compose(target -> {
      // is_admin=false takes the admin role away, down to researcher; other roles stay as they are.
      String newRole = role != null ? role : Boolean.FALSE.equals(body.getBoolean("is_admin"))
          && Role.ADMIN.wireName().equals(target.role()) ? Role.RESEARCHER.wireName() : null;
      // Hashed only once the change is allowed: a refused change costs no hashing.
      return keepsAnAdmin(p, target, newRole, body.getBoolean("is_active"))
          .compose(v -> password == null ? Future.<String>succeededFuture()
              : vertx.executeBlocking(() -> Passwords.hash(password), false))
          .compose(h -> ctx.store().users().update(target.userId(), new UserStore.Change(
              body.containsKey("username") ? AuthRoutes.checkUsername(body.getString("username")) : null,
              AuthRoutes.checkEmail(body.getString("email")), AuthRoutes.displayName(body), newRole,
              body.getBoolean("is_active"), h, body.getInteger("max_concurrent_jobs"),
              body.getDouble("cost_limit_amount"), body.getString("cost_limit_period"), clearQuota)))
          .compose(updated -> {
            if (updated.takenField() != null) {
              throw new AppException(ErrorCode.ALREADY_EXISTS, "Another account has that " + updated.takenField() + ".",
                  new JsonObject().put("field", updated.takenField()));
            }
            User u = updated.user().orElseThrow(() -> new AppException(ErrorCode.NOT_FOUND, "No account "
                + target.userId() + "."));
            ctx.auth().usersChanged(u.userId());
            JsonObject audited = body.copy();
            audited.remove("password");
            if (password != null) {
              audited.put("password", "changed");
            }
            return ctx.audit().record(p, "user.updated", "user", u.userId(), "ok", audited, null, ctx.now())
                .map(v -> changed(u));
          });
    }));
  }

  /**
   * Refuses a change that would lock everyone out: nobody demotes or disables their own account,
   * and the last active admin stays one.
   */
  private Future<Void> keepsAnAdmin(Principal p, User target, String newRole, Boolean active) {
    boolean demotes = newRole != null && !Role.ADMIN.wireName().equals(newRole);
    boolean disables = Boolean.FALSE.equals(active);
    if (!demotes && !disables) {
      return Future.succeededFuture();
    }
    if (target.userId().equals(p.userId())) {
      return Future.failedFuture(AppException.invalid(demotes ? "role" : "is_active",
          "You cannot demote or disable your own account; ask another admin."));
    }
    if (!Role.ADMIN.wireName().equals(target.role()) || !target.active()) {
      return Future.succeededFuture();
    }
    return ctx.store().users().counts().compose(n -> n.activeAdmins() > 1 ? Future.succeededFuture()
        : Future.failedFuture(new AppException(ErrorCode.CONFLICT, "That is the last active admin; make another "
            + "account an admin first.")));
  }

  private void setActive(RoutingContext rc, boolean active) {
    Principal p = AccessGuard.principal(rc);
    Responses.reply(rc, account(Params.path(rc, "user_id")).compose(target -> keepsAnAdmin(p, target, null, active)
        .compose(v -> ctx.store().users().update(target.userId(), new UserStore.Change(null, null, null, null, active,
            null, null, null, null, false)))
        .compose(updated -> {
          ctx.auth().usersChanged(target.userId());
          return ctx.audit().record(p, active ? "user.activated" : "user.deactivated", "user", target.userId(), "ok",
              new JsonObject(), null, ctx.now()).map(v -> changed(updated.user().orElseThrow()));
        })));
  }

  /**
   * One role per account here. As the reference's levels add up, assigning a level raises the role
   * to it and never lowers it; removing the account's level leaves it a viewer.
   */
  private void setRole(RoutingContext rc, String levelName, boolean remove) {
    Principal p = AccessGuard.principal(rc);
    Role level = Role.parse(levelName);
    if (level == null) {
      throw unknownLevel("level_name", levelName);
    }
    Responses.reply(rc, account(Params.path(rc, "user_id")).compose(target -> {
      if (remove && !level.wireName().equals(target.role())) {
        throw new AppException(ErrorCode.NOT_FOUND, "Account " + target.username() + " does not have level "
            + level.wireName() + " (its role is " + target.role() + ").");
      }
      Role current = Role.parse(target.role());
      String role = remove ? Role.VIEWER.wireName()
          : (current != null && current.ordinal() > level.ordinal() ? current : level).wireName();
      return keepsAnAdmin(p, target, role, null)
          .compose(v -> ctx.store().users().update(target.userId(), new UserStore.Change(null, null, null, role, null,
              null, null, null, null, false)))
          .compose(updated -> {
            ctx.auth().usersChanged(target.userId());
            return ctx.audit().record(p, "user.updated", "user", target.userId(), "ok", new JsonObject()
                .put("role", role), null, ctx.now()).map(v -> changed(updated.user().orElseThrow()));
          });
    }));
  }

  private void delete(RoutingContext rc) {
    Principal p = AccessGuard.principal(rc);
    Responses.reply(rc, account(Params.path(rc, "user_id")).compose(target -> {
      if (target.userId().equals(p.userId())) {
        throw new AppException(ErrorCode.CONFLICT, "You cannot delete your own account; ask another admin.");
      }
      return keepsAnAdmin(p, target, Role.VIEWER.wireName(), null)
          .compose(v -> ctx.store().users().delete(target.userId(), ctx.now()))
          .compose(deleted -> {
            ctx.auth().usersChanged(target.userId());
            return ctx.audit().record(p, "user.deleted", "user", target.userId(), "ok", new JsonObject()
                .put("username", target.username()), null, ctx.now());
          })
          .map(v -> new JsonObject().put("success", true).put("user_id", target.userId()).put("id", target.number())
              .put("message", "Account " + target.username() + " deleted; its API keys are revoked. Its jobs, configs "
                  + "and audit entries are kept."));
    }));
  }
}
