package dev.simpletuner.cloud.server.auth;

import dev.simpletuner.cloud.server.store.AuditStore;
import dev.simpletuner.cloud.server.store.AuditStore.Entry;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tamper-evident audit trail: each entry's HMAC covers every field of the entry and the
 * previous entry's HMAC. The key lives outside the database (derived from the server's secret
 * key), so someone who can edit the database cannot re-forge the chain after changing a row.
 */
public final class AuditLog {
  private static final Logger LOG = LoggerFactory.getLogger(AuditLog.class);
  private static final int VERIFY_BATCH = 1000;
  private final AuditStore store;
  private final byte[] key;

  public AuditLog(AuditStore store, byte[] key) {
    this.store = store;
    this.key = key.clone();
  }

  /** Records an event. Never fails the caller: a failed write is logged. */
  public Future<Void> record(Principal actor, String eventType, String targetType, String targetId, String outcome,
                             JsonObject details, String sourceIp, long now) {
    Entry entry = new Entry(0, now, eventType, actor == null ? null : actor.userId(),
        actor == null ? null : actor.username(), actor == null ? null : actor.keyId(),
        sourceIp != null ? sourceIp : actor == null ? null : actor.sourceIp(), targetType, targetId, outcome,
        details == null ? new JsonObject() : details, null, null);
    return store.append(entry, this::hash).recover(e -> {
      LOG.error("Could not write audit entry {}: {}", eventType, e.getMessage());
      return Future.succeededFuture();
    });
  }

  String hash(Entry e) {
    JsonArray fields = new JsonArray().add(e.createdAt()).add(e.eventType()).add(e.actorId()).add(e.actorName())
        .add(e.keyId()).add(e.sourceIp()).add(e.targetType()).add(e.targetId()).add(e.outcome())
        .add(e.details().encode()).add(e.prevHash());
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return HexFormat.of().formatHex(mac.doFinal(fields.encode().getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException ex) {
      throw new IllegalStateException(ex);
    }
  }

  /** Walks the whole chain. */
  public Future<JsonObject> verify() {
    return verify(null, null);
  }

  /**
   * Walks the chain from {@code startId} to {@code endId} (null: its ends), as
   * {@code {valid, entries_checked, first_id, last_id, broken_links[{id, reason}], first_broken_id, reason}}.
   * A range that starts inside the chain trusts its first entry's link to the one before. After
   * retention purged the oldest entries, the whole chain starts at the anchor they left: the first
   * kept entry must link to the last purged one's hash.
   */
  public Future<JsonObject> verify(Long startId, Long endId) {
    long end = endId == null ? Long.MAX_VALUE : endId;
    return store.anchor().compose(anchor -> {
      long purgedUpTo = anchor.map(AuditStore.Anchor::lastId).orElse(0L);
      Future<JsonObject> walk = startId == null || startId <= purgedUpTo + 1
          ? verifyFrom(purgedUpTo, anchor.map(AuditStore.Anchor::lastHash).orElse("genesis"), 0, null, null, end)
          : verifyFrom(startId - 1, null, 0, null, null, end);
      return walk.map(result -> result.put("purged_entries", anchor.map(AuditStore.Anchor::purged).orElse(0L))
          .put("anchor_id", anchor.map(AuditStore.Anchor::lastId).orElse(null)));
    });
  }

  private Future<JsonObject> verifyFrom(long afterId, String prev, long checked, Long firstId, Long lastId, long endId) {
    return store.after(afterId, endId, VERIFY_BATCH).compose(batch -> {
      String expectedPrev = prev;
      long count = checked;
      Long first = firstId;
      Long last = lastId;
      for (Entry e : batch) {
        first = first == null ? e.id() : first;
        if (expectedPrev != null && !e.prevHash().equals(expectedPrev)) {
          return Future.succeededFuture(broken(count, first, e.id(), "the link to the previous entry is broken"));
        }
        String recomputed = hash(e.withChain(e.prevHash(), null));
        if (!MessageDigest.isEqual(recomputed.getBytes(StandardCharsets.UTF_8),
            e.entryHash().getBytes(StandardCharsets.UTF_8))) {
          return Future.succeededFuture(broken(count, first, e.id(), "the entry was changed after it was written"));
        }
        expectedPrev = e.entryHash();
        last = e.id();
        count++;
      }
      if (batch.size() < VERIFY_BATCH) {
        return Future.succeededFuture(new JsonObject().put("valid", true).put("entries_checked", count)
            .put("first_id", first).put("last_id", last).put("broken_links", new JsonArray())
            .put("first_broken_id", null).put("reason", null));
      }
      return verifyFrom(batch.get(batch.size() - 1).id(), expectedPrev, count, first, last, endId);
    });
  }

  private static JsonObject broken(long checked, Long firstId, long id, String reason) {
    return new JsonObject().put("valid", false).put("entries_checked", checked).put("first_id", firstId)
        .put("last_id", id).put("broken_links", new JsonArray().add(new JsonObject().put("id", id).put("reason", reason)))
        .put("first_broken_id", id).put("reason", reason);
  }
}
