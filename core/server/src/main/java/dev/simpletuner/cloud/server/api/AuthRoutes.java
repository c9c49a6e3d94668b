package dev.simpletuner.cloud.server.api;

import dev.simpletuner.cloud.server.access.AccessGuard;
import dev.simpletuner.cloud.server.contract.ContractRouter;
import dev.simpletuner.cloud.server.http.Params;
import dev.simpletuner.cloud.server.http.Responses;
import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.auth.Authenticator;
import dev.simpletuner.cloud.server.auth.Passwords;
import dev.simpletuner.cloud.server.auth.Principal;
import dev.simpletuner.cloud.server.auth.Role;
import dev.simpletuner.cloud.server.auth.Sessions;
import dev.simpletuner.cloud.server.error.AppException;
import dev.simpletuner.cloud.server.error.ErrorCode;
import dev.simpletuner.cloud.server.store.UserStore.User;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.CookieSameSite;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.util.UUID;

/** First-run setup, login and logout, the caller's identity. */
final class AuthRoutes {
  static final String USERNAME = "[A-Za-z0-9][A-Za-z0-9._@-]{0,63}";
  /** Failed logins before the account is locked, and for how long. */
  private static final int MAX_FAILURES = 10;
  private static final long LOCK_MS = 15 * 60_000;

  private final Vertx vertx;
  private final ServerContext ctx;
  private final Authenticator auth;

  private final AccessGuard guard;

  AuthRoutes(Vertx vertx, ServerContext ctx, AccessGuard guard) {
    this.vertx = vertx;
    this.ctx = ctx;
    this.auth = ctx.auth();
    this.guard = guard;
  }

  void mount(ContractRouter ops) {
    ops.on("getSetupStatus", rc -> Responses.reply(rc, ctx.store().users().counts().map(n -> new JsonObject()
        .put("needs_setup", n.users() == 0).put("has_users", n.users() > 0).put("user_count", n.users())
        .put("has_admin", n.activeAdmins() > 0).put("registration_enabled", false))));
    ops.on("createFirstAdmin", this::firstAdmin);
    ops.on("login", this::login);
    ops.on("logout", this::logout);
    ops.on("getMe", rc -> Responses.json(rc, 200, Accounts.render(AccessGuard.principal(rc))));
    ops.on("checkAuth", rc -> Responses.reply(rc, guard.identify(rc.request())
        .map(p -> new JsonObject().put("authenticated", true).put("user", Accounts.render(p)).put("needs_setup", p.local()))
        .recover(e -> auth.usersExist().map(exist -> new JsonObject().put("authenticated", false)
            .put("needs_setup", !exist)))));
    ops.on("rotateSigningKey", rc -> {
      Principal p = AccessGuard.principal(rc);
      Responses.reply(rc, auth.sessions().rotate(ctx.now())
          .compose(v -> ctx.audit().record(p, "auth.signing_key.rotated", "server", null, "ok", null, null, ctx.now()))
          .map(v -> new JsonObject().put("success", true).put("message", "Every session has ended; log in again.")));
    });
  }

  /** The first account: only straight from this machine (not through a tunnel), and only once. */
  private void firstAdmin(RoutingContext rc) {
    if (!AccessGuard.isDirectLoopback(rc.request())) {
      rc.fail(new AppException(ErrorCode.PERMISSION_DENIED, "The first admin account can only be created from this "
          + "machine, not through a tunnel or from another host."));
      return;
    }
    JsonObject body = Params.body(rc);
    String username = checkUsername(body.getString("username"));
    String email = checkEmail(body.getString("email"));
    String password = checkPassword(body.getString("password"));
    long now = ctx.now();
    String userId = "u_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    Responses.reply(rc, vertx.executeBlocking(() -> Passwords.hash(password), false)
        .compose(hash -> ctx.store().users().create(new User(userId, username, email, hash, Role.ADMIN.wireName(),
            true, 0, null, null, null, null, 0, now, null, 0, displayName(body)), true))
        .compose(created -> {
          if (!created) {
            throw new AppException(ErrorCode.ALREADY_EXISTS, "An admin account already exists. Log in instead.");
          }
          auth.usersChanged(userId);
          return ctx.store().jobs().adoptLocalJobs(userId)
              .compose(n -> ctx.store().users().byId(userId))
              .compose(user -> ctx.audit().record(null, "user.created", "user", userId, "ok",
                      new JsonObject().put("username", username).put("role", "admin").put("first_admin", true),
                      AccessGuard.sourceIp(rc.request()), now)
                  .map(v -> session(rc, user.orElseThrow(), false)));
        }));
  }

  private void login(RoutingContext rc) {
    JsonObject body = Params.body(rc);
    String login = body.getString("username", "").strip();
    String password = body.getString("password", "");
    boolean remember = body.getBoolean("remember_me", false);
    String ip = AccessGuard.sourceIp(rc.request());
    long now = ctx.now();
    Responses.reply(rc, ctx.store().users().byLogin(login).compose(found -> {
      if (found.isEmpty()) {
        return vertx.executeBlocking(() -> {
          Passwords.burn(password);
          return null;
        }, false).compose(v -> failed(login, null, ip, "no such user"));
      }
      User user = found.get();
      if (user.lockedUntil() != null && user.lockedUntil() > now) {
        long minutes = Math.max(1, (user.lockedUntil() - now + 59_999) / 60_000);
        rc.response().putHeader("Retry-After", String.valueOf((user.lockedUntil() - now + 999) / 1000));
        return ctx.audit().record(null, "auth.login.failed", "user", user.userId(), "denied",
                new JsonObject().put("reason", "locked"), ip, now)
            .compose(v -> Future.failedFuture(new AppException(ErrorCode.ACCOUNT_LOCKED, "Too many failed logins: the "
                + "account is locked for " + minutes + " more minute(s).")));
      }
      return vertx.executeBlocking(() -> Passwords.verify(password, user.passwordHash()), false).compose(ok -> {
        if (!ok) {
          return ctx.store().users().recordFailure(user.userId(), MAX_FAILURES, LOCK_MS, now)
              .compose(v -> failed(login, user.userId(), ip, "wrong password"));
        }
        if (!user.active()) {
          return failed(login, user.userId(), ip, "account disabled");
        }
        auth.usersChanged(user.userId());
        return ctx.store().users().recordLogin(user.userId(), now)
            .compose(v -> ctx.audit().record(new Principal(user.userId(), user.username(), user.role(),
                java.util.Set.of(), null, false, ip), "auth.login.success", "user", user.userId(), "ok", null, ip, now))
            .map(v -> session(rc, user, remember));
      });
    }));
  }

  private Future<JsonObject> failed(String login, String userId, String ip, String reason) {
    return ctx.audit().record(null, "auth.login.failed", "user", userId, "denied",
            new JsonObject().put("username", login).put("reason", reason), ip, ctx.now())
        .compose(v -> Future.failedFuture(new AppException(ErrorCode.INVALID_TOKEN,
            "Invalid username or password.")));
  }

  /** Issues a session: the token in the body (for API clients) and as an HttpOnly, SameSite cookie. */
  private JsonObject session(RoutingContext rc, User user, boolean remember) {
    long ttl = remember ? Sessions.REMEMBER_TTL_SECONDS : Sessions.DEFAULT_TTL_SECONDS;
    String token = auth.sessions().issue(user.userId(), user.sessionEpoch(), ttl);
    rc.response().addCookie(Cookie.cookie(Sessions.COOKIE, token).setHttpOnly(true).setPath("/")
        .setSameSite(CookieSameSite.STRICT).setMaxAge(ttl).setSecure(isHttps(rc)));
    return new JsonObject().put("success", true).put("token", token)
        .put("expires_at", Instant.ofEpochMilli(ctx.now() + ttl * 1000).toString()).put("user", Accounts.render(user));
  }

  private void logout(RoutingContext rc) {
    boolean everywhere = Params.queryBool(rc, "everywhere");
    Authenticator.Credentials creds = Authenticator.credentials(rc.request());
    Future<Void> ended = Future.succeededFuture();
    if (creds.session() != null) {
      ended = auth.authenticate(creds, AccessGuard.sourceIp(rc.request()))
          .compose(p -> (everywhere ? ctx.store().users().endSessions(p.userId()) : Future.<Void>succeededFuture())
              .onSuccess(v -> auth.usersChanged(p.userId()))
              .compose(v -> ctx.audit().record(p, "auth.logout", "user", p.userId(), "ok",
                  new JsonObject().put("everywhere", everywhere), null, ctx.now())))
          .recover(e -> Future.succeededFuture());
    }
    rc.response().addCookie(Cookie.cookie(Sessions.COOKIE, "").setPath("/").setHttpOnly(true).setMaxAge(0)
        .setSameSite(CookieSameSite.STRICT));
    Responses.reply(rc, ended.map(v -> new JsonObject().put("success", true)));
  }

  private static boolean isHttps(RoutingContext rc) {
    return rc.request().isSSL() || "https".equalsIgnoreCase(rc.request().getHeader("X-Forwarded-Proto"));
  }

  static String checkUsername(String username) {
    if (username == null || !username.strip().matches(USERNAME)) {
      throw AppException.invalid("username", "A username is 1-64 letters, digits, '.', '_', '@' or '-', starting "
          + "with a letter or digit.");
    }
    return username.strip();
  }

  static String checkEmail(String email) {
    if (email == null || email.isBlank()) {
      return null;
    }
    if (!email.strip().matches("[^@\\s]+@[^@\\s]+\\.[^@\\s]+")) {
      throw AppException.invalid("email", "That does not look like an e-mail address.");
    }
    return email.strip();
  }

  static String displayName(JsonObject body) {
    String name = body.getString("display_name");
    return name == null || name.isBlank() ? null : name.strip();
  }

  static String checkPassword(String password) {
    if (password == null || password.length() < Passwords.MIN_LENGTH) {
      throw AppException.invalid("password", "A password needs at least " + Passwords.MIN_LENGTH + " characters.");
    }
    return password;
  }
}
