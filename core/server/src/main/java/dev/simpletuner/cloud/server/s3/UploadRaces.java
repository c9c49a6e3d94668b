package dev.simpletuner.cloud.server.s3;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * What a flaky connection makes happen twice at once on one server (shared by all HTTP verticles):
 * a part sent again while its first send still streams (the send that started last decides the
 * part, whichever ends first), and a CompleteMultipartUpload retried while the first one still
 * joins (the retry waits for it and answers the same).
 */
final class UploadRaces {
  private static final Map<String, Long> COMMITTED = new HashMap<>();
  private static final Map<String, Future<Void>> PART_TAILS = new HashMap<>();
  private static final Map<String, Future<String>> COMPLETING = new ConcurrentHashMap<>();
  private static long sends;

  private UploadRaces() {
  }

  /** A send of a part begins: its ticket for {@link #commitPart}. */
  static synchronized long partStarted() {
    return ++sends;
  }

  /**
   * Makes a received send the part ({@code commit} moves its file into place and records it)
   * unless a send that started after it already did; commits of one part run one after the other.
   * True when this send became the part.
   */
  static synchronized Future<Boolean> commitPart(String uploadId, int number, long ticket,
                                                 Supplier<Future<Void>> commit) {
    String key = uploadId + "/" + number;
    Future<Boolean> mine = PART_TAILS.getOrDefault(key, Future.succeededFuture()).transform(ignored -> {
      if (committed(key) > ticket) {
        return Future.succeededFuture(false);
      }
      return commit.get().map(v -> {
        markCommitted(key, ticket);
        return true;
      });
    });
    Future<Void> tail = mine.<Void>mapEmpty().recover(e -> Future.succeededFuture());
    PART_TAILS.put(key, tail);
    tail.onComplete(ar -> dropTail(key, tail));
    return mine;
  }

  private static synchronized long committed(String key) {
    return COMMITTED.getOrDefault(key, 0L);
  }

  private static synchronized void markCommitted(String key, long ticket) {
    COMMITTED.merge(key, ticket, Math::max);
  }

  private static synchronized void dropTail(String key, Future<Void> tail) {
    PART_TAILS.remove(key, tail);
  }

  /** The upload's parts are gone (completed or aborted): forget their sends. */
  static synchronized void forget(String uploadId) {
    String prefix = uploadId + "/";
    COMMITTED.keySet().removeIf(k -> k.startsWith(prefix));
  }

  /** The running completion of an upload, or null. */
  static Future<String> completing(String uploadId) {
    return COMPLETING.get(uploadId);
  }

  /**
   * Runs {@code complete} for the upload unless a completion of it is running; then that one's
   * result (the object's ETag) is the answer.
   */
  static Future<String> completeOnce(String uploadId, Supplier<Future<String>> complete) {
    Promise<String> mine = Promise.promise();
    Future<String> running = COMPLETING.putIfAbsent(uploadId, mine.future());
    if (running != null) {
      return running;
    }
    Future<String> done;
    try {
      done = complete.get();
    } catch (RuntimeException e) {
      done = Future.failedFuture(e);
    }
    done.onComplete(ar -> {
      COMPLETING.remove(uploadId);
      mine.handle(ar);
    });
    return mine.future();
  }
}
