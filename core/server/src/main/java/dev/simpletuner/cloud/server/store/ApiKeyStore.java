package dev.simpletuner.cloud.server.store;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.sqlclient.Row;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** API keys, stored as hashes and found by hash (a unique index: one lookup, never a scan). */
public final class ApiKeyStore {
  private static final String COLUMNS = "key_id, user_id, name, prefix, key_hash, scopes, created_at, last_used_at, "
      + "expires_at, revoked_at";
  private final Db db;

  ApiKeyStore(Db db) {
    this.db = db;
  }

  /** One key. {@code scopes} are permission names. */
  public record ApiKey(String keyId, String userId, String name, String prefix, String keyHash, List<String> scopes,
                       long createdAt, Long lastUsedAt, Long expiresAt, Long revokedAt) {
  }

  public Future<Void> create(ApiKey k) {
    return db.query("INSERT INTO api_keys (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, NULL)", k.keyId(),
        k.userId(), k.name(), k.prefix(), k.keyHash(), new JsonArray(k.scopes()).encode(), k.createdAt(),
        k.expiresAt()).mapEmpty();
  }

  public Future<Optional<ApiKey>> byHash(String hash) {
    return db.query("SELECT " + COLUMNS + " FROM api_keys WHERE key_hash = ?", hash).map(rows -> {
      List<ApiKey> keys = keys(rows);
      return keys.isEmpty() ? Optional.empty() : Optional.of(keys.get(0));
    });
  }

  public Future<Optional<ApiKey>> byId(String keyId) {
    return db.query("SELECT " + COLUMNS + " FROM api_keys WHERE key_id = ?", keyId)
        .map(rows -> keys(rows).stream().findFirst());
  }

  /** Keys of one user, or of everyone when {@code userId} is null. */
  public Future<List<ApiKey>> list(String userId) {
    return userId == null
        ? db.query("SELECT " + COLUMNS + " FROM api_keys ORDER BY created_at DESC").map(ApiKeyStore::keys)
        : db.query("SELECT " + COLUMNS + " FROM api_keys WHERE user_id = ? ORDER BY created_at DESC", userId)
            .map(ApiKeyStore::keys);
  }

  /** Revokes a key (of {@code userId} only, unless null); false when there was no active key. */
  public Future<Boolean> revoke(String keyId, String userId, long now) {
    return (userId == null
        ? db.query("UPDATE api_keys SET revoked_at = ? WHERE key_id = ? AND revoked_at IS NULL", now, keyId)
        : db.query("UPDATE api_keys SET revoked_at = ? WHERE key_id = ? AND user_id = ? AND revoked_at IS NULL", now,
            keyId, userId)).map(rows -> rows.rowCount() == 1);
  }

  public Future<Void> touch(String keyId, long now) {
    return db.query("UPDATE api_keys SET last_used_at = ? WHERE key_id = ?", now, keyId).mapEmpty();
  }

  private static List<ApiKey> keys(Iterable<Row> rows) {
    List<ApiKey> out = new ArrayList<>();
    for (Row r : rows) {
      List<String> scopes = new ArrayList<>();
      new JsonArray(r.getString("scopes")).forEach(s -> scopes.add(String.valueOf(s)));
      out.add(new ApiKey(r.getString("key_id"), r.getString("user_id"), r.getString("name"), r.getString("prefix"),
          r.getString("key_hash"), scopes, r.getLong("created_at"), r.getLong("last_used_at"),
          r.getLong("expires_at"), r.getLong("revoked_at")));
    }
    return out;
  }
}
