package dev.simpletuner.cloud.server.auth;

import dev.simpletuner.cloud.server.store.Store;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.authentication.TokenCredentials;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * Browser and CLI sessions: HS256 JWTs signed with a key kept in the database (so every instance
 * of a cluster accepts them) and rotatable. A token names the user and the session epoch it was
 * issued in; raising the user's epoch (logout everywhere, password change, deactivation) ends it.
 */
public final class Sessions {
  public static final String COOKIE = "simpletuner_session";
  public static final long DEFAULT_TTL_SECONDS = 24 * 3600;
  public static final long REMEMBER_TTL_SECONDS = 30L * 24 * 3600;
  private static final String SCOPE = "server";
  private static final String NAME = "jwt_key";

  private final Vertx vertx;
  private final Store store;
  private volatile JWTAuth jwt;
  private volatile String keyText;
  private volatile long lastReload;

  private Sessions(Vertx vertx, Store store) {
    this.vertx = vertx;
    this.store = store;
  }

  public static Future<Sessions> open(Vertx vertx, Store store, long now) {
    Sessions s = new Sessions(vertx, store);
    return store.settings().putIfAbsent(SCOPE, NAME, randomKey(), now).map(key -> {
      s.use(key);
      return s;
    });
  }

  /** The verified claims {@code {sub, ep}}; fails for a bad signature, another algorithm, or expiry. */
  public Future<JsonObject> verify(String token) {
    return jwt.authenticate(new TokenCredentials(token)).map(user -> user.principal())
        .recover(e -> reloadIfRotated().compose(changed -> changed
            ? jwt.authenticate(new TokenCredentials(token)).map(user -> user.principal())
            : Future.failedFuture(e)));
  }

  public String issue(String userId, long epoch, long ttlSeconds) {
    return jwt.generateToken(new JsonObject().put("sub", userId).put("ep", epoch),
        new JWTOptions().setAlgorithm("HS256").setExpiresInSeconds((int) ttlSeconds).setIssuer("simpletuner-cloud"));
  }

  /** A new signing key: every session issued so far ends. */
  public Future<Void> rotate(long now) {
    String key = randomKey();
    return store.settings().put(SCOPE, java.util.Map.of(NAME, key), now).onSuccess(v -> use(key));
  }

  private Future<Boolean> reloadIfRotated() {
    long now = System.currentTimeMillis();
    if (now - lastReload < 1_000) {
      return Future.succeededFuture(false);
    }
    lastReload = now;
    return store.settings().get(SCOPE).map(values -> {
      String key = values.get(NAME);
      if (key == null || key.equals(keyText)) {
        return false;
      }
      use(key);
      return true;
    });
  }

  private void use(String key) {
    keyText = key;
    jwt = JWTAuth.create(vertx, new JWTAuthOptions()
        .setJWTOptions(new JWTOptions().setIssuer("simpletuner-cloud"))
        .addPubSecKey(new PubSecKeyOptions().setAlgorithm("HS256").setBuffer(key)));
  }

  private static String randomKey() {
    byte[] key = new byte[64];
    new SecureRandom().nextBytes(key);
    return Base64.getEncoder().encodeToString(key);
  }
}
