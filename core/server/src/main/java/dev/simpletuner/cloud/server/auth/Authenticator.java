package dev.simpletuner.cloud.server.auth;

import dev.simpletuner.cloud.server.error.AppException;
import dev.simpletuner.cloud.server.error.ErrorCode;
import dev.simpletuner.cloud.server.store.ApiKeyStore.ApiKey;
import dev.simpletuner.cloud.server.store.Store;
import dev.simpletuner.cloud.server.store.UserStore.User;
import io.vertx.core.Future;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.HttpServerRequest;
import java.time.Clock;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Turns a request's credentials (an {@code stk_} API key in {@code Authorization: Bearer} or
 * {@code X-API-Key}, or a session JWT in {@code Authorization: Bearer} or the session cookie) into a
 * {@link Principal}. Users and keys are cached for a few seconds; revocation on this instance is
 * immediate, on others within that time.
 */
public final class Authenticator {
  private static final long CACHE_MS = 5_000;
  private static final long TOUCH_EVERY_MS = 60_000;

  private final Store store;
  private final Sessions sessions;
  private final Clock clock;
  private final Map<String, Cached<Optional<ApiKey>>> keys = new ConcurrentHashMap<>();
  private final Map<String, Cached<Optional<User>>> users = new ConcurrentHashMap<>();
  private volatile Cached<Boolean> anyUser;

  private record Cached<T>(T value, long at) {
  }

  /** The credentials a request carried, before they were checked. */
  /**
   * What a request presents. {@code refusal} says why credentials that cannot be taken as they are
   * are refused (rather than ignored): an {@code Authorization} header that is not a bearer
   * credential, an empty key or token, or a bearer credential beside an {@code X-API-Key} that
   * differs from it.
   */
  public record Credentials(String apiKey, String session, boolean fromCookie, String refusal) {
    Credentials(String apiKey, String session, boolean fromCookie) {
      this(apiKey, session, fromCookie, null);
    }

    public boolean none() {
      return apiKey == null && session == null && refusal == null;
    }
  }

  public Authenticator(Store store, Sessions sessions, Clock clock) {
    this.store = store;
    this.sessions = sessions;
    this.clock = clock;
  }

  public Sessions sessions() {
    return sessions;
  }

  public static Credentials credentials(HttpServerRequest request) {
    String header = request.getHeader("X-API-Key");
    String auth = request.getHeader("Authorization");
    String bearer = auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7) ? auth.substring(7).strip() : null;
    if (header != null && header.isBlank() || bearer != null && bearer.isEmpty()) {
      // Usually a CI secret that is not set: say so instead of treating the caller as anonymous.
      return new Credentials(null, null, false, "The " + (bearer != null && bearer.isEmpty() ? "bearer token"
          : "X-API-Key header") + " is empty: is the secret that holds the key set?");
    }
    if (auth != null && bearer == null) {
      return new Credentials(null, null, false, "The Authorization header must be 'Bearer <API key or session "
          + "token>'.");
    }
    if (header != null) {
      return new Credentials(header.strip(), null, false, bearer == null || bearer.equals(header.strip()) ? null
          : "Two different credentials were sent (X-API-Key and Authorization); send one.");
    }
    if (bearer != null) {
      return bearer.startsWith(ApiKeys.PREFIX) ? new Credentials(bearer, null, false)
          : new Credentials(null, bearer, false);
    }
    Cookie cookie = request.getCookie(Sessions.COOKIE);
    if (cookie != null && !cookie.getValue().isBlank()) {
      return new Credentials(null, cookie.getValue(), true);
    }
    return new Credentials(null, null, false);
  }

  /** Whether any account exists (then every request must authenticate). */
  public Future<Boolean> usersExist() {
    Cached<Boolean> cached = anyUser;
    long now = clock.millis();
    if (cached != null && (cached.value() || now - cached.at() < 1_000)) {
      return Future.succeededFuture(cached.value()); // once true, always true
    }
    return store.users().count().map(n -> {
      anyUser = new Cached<>(n > 0, now);
      return n > 0;
    });
  }

  public void usersChanged(String userId) {
    anyUser = null;
    if (userId != null) {
      users.remove(userId);
    }
  }

  /** Forgets cached keys, so a revocation holds at once on this instance. */
  public void keyRevoked(String keyHash) {
    if (keyHash == null) {
      keys.clear();
    } else {
      keys.remove(keyHash);
    }
  }

  /** The principal for the credentials; fails with 401 when they do not hold. */
  public Future<Principal> authenticate(Credentials creds, String sourceIp) {
    if (creds.refusal() != null) {
      return Future.failedFuture(unauthorized(creds.refusal()));
    }
    if (creds.apiKey() != null) {
      return byKey(creds.apiKey(), sourceIp);
    }
    return sessions.verify(creds.session())
        .recover(e -> Future.failedFuture(unauthorized("The session is invalid or has expired. Log in again.")))
        .compose(claims -> user(claims.getString("sub")).map(found -> {
          User user = found.filter(User::active).orElseThrow(() -> unauthorized("The account is disabled."));
          if (user.sessionEpoch() != claims.getLong("ep", -1L)) {
            throw unauthorized("The session has ended. Log in again.");
          }
          Role role = Role.parse(user.role());
          return new Principal(user.userId(), user.username(), user.role(),
              role == null ? Set.of() : role.permissions(), null, false, sourceIp);
        }));
  }

  private Future<Principal> byKey(String key, String sourceIp) {
    if (!ApiKeys.looksLikeKey(key)) {
      return Future.failedFuture(unauthorized("The API key is malformed."));
    }
    String hash = ApiKeys.hash(key);
    long now = clock.millis();
    return apiKey(hash).compose(found -> {
      ApiKey k = found.orElseThrow(() -> unauthorized("Unknown API key."));
      if (k.revokedAt() != null) {
        throw unauthorized("The API key was revoked.");
      }
      if (k.expiresAt() != null && k.expiresAt() <= now) {
        throw unauthorized("The API key has expired.");
      }
      if (k.lastUsedAt() == null || now - k.lastUsedAt() > TOUCH_EVERY_MS) {
        keys.put(hash, new Cached<>(Optional.of(new ApiKey(k.keyId(), k.userId(), k.name(), k.prefix(), k.keyHash(),
            k.scopes(), k.createdAt(), now, k.expiresAt(), k.revokedAt())), now));
        store.apiKeys().touch(k.keyId(), now);
      }
      return user(k.userId()).map(owner -> {
        User user = owner.filter(User::active).orElseThrow(() -> unauthorized("The key's account is disabled."));
        Role role = Role.parse(user.role());
        // A key never does more than its scopes, nor more than its owner.
        Set<String> permissions = new HashSet<>(role == null ? Set.of() : role.permissions());
        permissions.retainAll(k.scopes());
        return new Principal(user.userId(), user.username(), user.role(), Set.copyOf(permissions), k.keyId(), false,
            sourceIp);
      });
    });
  }

  private Future<Optional<ApiKey>> apiKey(String hash) {
    long now = clock.millis();
    Cached<Optional<ApiKey>> cached = keys.get(hash);
    if (cached != null && now - cached.at() < CACHE_MS) {
      return Future.succeededFuture(cached.value());
    }
    // Misses are not cached: random keys must not fill memory.
    return store.apiKeys().byHash(hash).onSuccess(k -> k.ifPresent(found -> keys.put(hash, new Cached<>(k, now))));
  }

  private Future<Optional<User>> user(String userId) {
    long now = clock.millis();
    Cached<Optional<User>> cached = users.get(userId);
    if (cached != null && now - cached.at() < CACHE_MS) {
      return Future.succeededFuture(cached.value());
    }
    return store.users().byId(userId).onSuccess(u -> users.put(userId, new Cached<>(u, now)));
  }

  static AppException unauthorized(String message) {
    return new AppException(ErrorCode.INVALID_TOKEN, message);
  }
}
