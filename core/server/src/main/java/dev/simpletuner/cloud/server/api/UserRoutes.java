package dev.simpletuner.cloud.server.api;

import dev.simpletuner.cloud.server.access.AccessGuard;
import dev.simpletuner.cloud.server.contract.ContractRouter;
import dev.simpletuner.cloud.server.http.Params;
import dev.simpletuner.cloud.server.http.Responses;
import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.auth.Passwords;
import dev.simpletuner.cloud.server.auth.Principal;
import dev.simpletuner.cloud.server.error.AppException;
import dev.simpletuner.cloud.server.error.ErrorCode;
import dev.simpletuner.cloud.server.store.UserStore.User;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.UUID;

/** Account administration. */
final class UserRoutes {
  private final Vertx vertx;
  private final ServerContext ctx;

  UserRoutes(Vertx vertx, ServerContext ctx) {
    this.vertx = vertx;
    this.ctx = ctx;
  }

  void mount(ContractRouter ops) {
    ops.on("listUsers", rc -> Responses.reply(rc, ctx.store().users().list().map(users -> {
      JsonArray out = new JsonArray();
      users.forEach(u -> out.add(Accounts.render(u)));
      return new JsonObject().put("users", out);
    })));
    ops.on("createUser", this::create);
    ops.on("updateUser", this::update);
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
    String password = AuthRoutes.checkPassword(body.getString("password"));
    String role = body.getString("role");
    String userId = "u_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    long now = ctx.now();
    Responses.reply(rc, vertx.executeBlocking(() -> Passwords.hash(password), false)
        .compose(hash -> ctx.store().users().create(new User(userId, username, email, hash, role, true, 0, null,
            null, null, null, 0, now, null), false))
        .compose(created -> {
          if (!created) {
            throw new AppException(ErrorCode.ALREADY_EXISTS, "The username or e-mail is taken.",
                new JsonObject().put("field", "username"));
          }
          ctx.auth().usersChanged(userId);
          return ctx.audit().record(p, "user.created", "user", userId, "ok", new JsonObject().put("username", username)
              .put("role", role), null, now).compose(v -> ctx.store().users().byId(userId));
        })
        .map(u -> new JsonObject().put("success", true).put("user", Accounts.render(u.orElseThrow()))));
  }

  private void update(RoutingContext rc) {
    Principal p = AccessGuard.principal(rc);
    String userId = Params.path(rc, "user_id");
    JsonObject body = Params.body(rc);
    if (userId.equals(p.userId()) && (body.containsKey("role") && !"admin".equals(body.getString("role"))
        || Boolean.FALSE.equals(body.getBoolean("is_active")))) {
      throw AppException.invalid("role", "You cannot demote or disable your own account; ask another admin.");
    }
    String password = body.containsKey("password") ? AuthRoutes.checkPassword(body.getString("password")) : null;
    boolean clearQuota = body.containsKey("max_concurrent_jobs") && body.getValue("max_concurrent_jobs") == null;
    Future<String> hash = password == null ? Future.succeededFuture(null)
        : vertx.executeBlocking(() -> Passwords.hash(password), false);
    Responses.reply(rc, hash.compose(h -> ctx.store().users().update(userId, body.getString("role"),
            body.getBoolean("is_active"), h, body.getInteger("max_concurrent_jobs"),
            body.getDouble("cost_limit_amount"), body.getString("cost_limit_period"), clearQuota))
        .compose(updated -> {
          User u = updated.orElseThrow(() -> new AppException(ErrorCode.NOT_FOUND, "No account " + userId + "."));
          ctx.auth().usersChanged(userId);
          JsonObject changed = body.copy();
          changed.remove("password");
          if (password != null) {
            changed.put("password", "changed");
          }
          return ctx.audit().record(p, "user.updated", "user", userId, "ok", changed, null, ctx.now())
              .map(v -> new JsonObject().put("success", true).put("user", Accounts.render(u)));
        }));
  }
}
