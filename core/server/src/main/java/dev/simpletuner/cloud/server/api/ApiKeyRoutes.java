package dev.simpletuner.cloud.server.api;

import dev.simpletuner.cloud.server.access.AccessGuard;
import dev.simpletuner.cloud.server.contract.ContractRouter;
import dev.simpletuner.cloud.server.http.Params;
import dev.simpletuner.cloud.server.http.Responses;
import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.auth.ApiKeys;
import dev.simpletuner.cloud.server.auth.Permission;
import dev.simpletuner.cloud.server.auth.Principal;
import dev.simpletuner.cloud.server.error.AppException;
import dev.simpletuner.cloud.server.error.ErrorCode;
import dev.simpletuner.cloud.server.store.ApiKeyStore.ApiKey;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/** API keys for automation (the seed's "API Key authentication"): created once, listed, revoked. */
final class ApiKeyRoutes {
  private static final int DEFAULT_EXPIRY_DAYS = 90;
  private final ServerContext ctx;

  ApiKeyRoutes(ServerContext ctx) {
    this.ctx = ctx;
  }

  void mount(ContractRouter ops) {
    ops.on("createApiKey", this::create);
    ops.on("createApiKeyAlias", this::create);
    ops.on("listApiKeys", this::list);
    ops.on("listApiKeysAlias", this::list);
    ops.on("revokeApiKey", this::revoke);
    ops.on("revokeApiKeyAlias", this::revoke);
  }

  private void create(RoutingContext rc) {
    Principal p = AccessGuard.principal(rc);
    if (p.local()) {
      throw new AppException(ErrorCode.SETUP_REQUIRED, "API keys belong to accounts. Create the first admin "
          + "account (POST /api/auth/setup/first-admin), log in, then create keys.");
    }
    JsonObject body = Params.body(rc);
    Set<String> scopes = new LinkedHashSet<>();
    JsonArray requested = body.getJsonArray("scoped_permissions", new JsonArray());
    for (Object scope : requested) {
      String s = String.valueOf(scope);
      if (!Permission.ALL.contains(s)) {
        throw AppException.invalid("scoped_permissions", "Unknown permission '" + s + "'. Known: "
            + String.join(", ", Permission.ALL) + ".");
      }
      if (!p.can(s)) {
        throw AppException.invalid("scoped_permissions", "A key cannot have '" + s + "': you do not have it.");
      }
      scopes.add(s);
    }
    if (scopes.isEmpty()) {
      scopes.addAll(p.permissions()); // no scopes asked: the owner's permissions as they are now
    }
    Integer days = body.getValue("expires_days") == null && !body.containsKey("expires_days") ? DEFAULT_EXPIRY_DAYS
        : body.getInteger("expires_days");
    long now = ctx.now();
    String key = ApiKeys.generate();
    ApiKey record = new ApiKey("key_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16), p.userId(),
        body.getString("name").strip(), ApiKeys.displayPrefix(key), ApiKeys.hash(key), List.copyOf(scopes), now,
        null, days == null ? null : now + days * 86_400_000L, null);
    Responses.reply(rc, ctx.store().apiKeys().create(record)
        .compose(v -> ctx.audit().record(p, "api_key.created", "api_key", record.keyId(), "ok", new JsonObject()
            .put("name", record.name()).put("scopes", new JsonArray(record.scopes())).put("expires_days", days),
            null, now))
        .map(v -> new JsonObject().put("success", true).put("key", key).put("key_info", render(record))
            .put("message", "Store this key now: it is not shown again.")));
  }

  private void list(RoutingContext rc) {
    Principal p = AccessGuard.principal(rc);
    boolean all = Params.queryBool(rc, "all") && p.can(Permission.API_KEY_ALL);
    Responses.reply(rc, ctx.store().apiKeys().list(all ? null : p.userId()).map(keys -> {
      JsonArray out = new JsonArray();
      keys.forEach(k -> out.add(render(k)));
      return new JsonObject().put("keys", out).put("total", keys.size());
    }));
  }

  private void revoke(RoutingContext rc) {
    Principal p = AccessGuard.principal(rc);
    String keyId = Params.path(rc, "key_id");
    Responses.reply(rc, ctx.store().apiKeys().revoke(keyId, p.can(Permission.API_KEY_ALL) ? null : p.userId(),
        ctx.now()).compose(revoked -> {
          if (!revoked) {
            throw new AppException(ErrorCode.NOT_FOUND, "No active API key " + keyId + ".");
          }
          ctx.auth().keyRevoked(null);
          return ctx.audit().record(p, "api_key.revoked", "api_key", keyId, "ok", null, null, ctx.now())
              .map(v -> new JsonObject().put("success", true).put("key_id", keyId));
        }));
  }

  static JsonObject render(ApiKey k) {
    long now = System.currentTimeMillis();
    return new JsonObject().put("id", k.keyId()).put("name", k.name()).put("key_prefix", k.prefix())
        .put("scoped_permissions", new JsonArray(new ArrayList<>(k.scopes()))).put("user_id", k.userId())
        .put("created_at", iso(k.createdAt())).put("last_used_at", iso(k.lastUsedAt()))
        .put("expires_at", iso(k.expiresAt())).put("revoked_at", iso(k.revokedAt()))
        .put("is_active", k.revokedAt() == null && (k.expiresAt() == null || k.expiresAt() > now));
  }

  private static String iso(Long millis) {
    return millis == null ? null : Instant.ofEpochMilli(millis).toString();
  }
}
