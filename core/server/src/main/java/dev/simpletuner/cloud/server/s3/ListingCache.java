package dev.simpletuner.cloud.server.s3;

import dev.simpletuner.cloud.server.store.OutputStore;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.Shareable;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The last listing of each dataset bucket, for a few seconds: SimpleTuner pages through a whole
 * bucket 1000 keys at a time, and a 10,000-file dataset should not be walked ten times for one
 * listing. A write to the bucket drops its listing; a walk that started before a write does not
 * store what it found (it may have missed the write). One instance per Vert.x instance, shared by
 * all HTTP verticles.
 */
final class ListingCache implements Shareable {
  private static final long TTL_NANOS = 5_000_000_000L;

  /** A bucket's last write (as a tick of {@link #ticks}) and its listing, if one is kept. */
  private static final class Slot {
    long writtenAt;
    List<OutputStore.Output> listing;
    long listedAtNanos;
  }

  private final Map<String, Slot> buckets = new HashMap<>();
  private long ticks;

  static ListingCache of(Vertx vertx) {
    return vertx.sharedData().<String, ListingCache>getLocalMap("storage.dataset-listings")
        .computeIfAbsent("cache", k -> new ListingCache());
  }

  /** The bucket's listing if a fresh one is kept, else null. */
  synchronized List<OutputStore.Output> fresh(String bucket) {
    Slot slot = buckets.get(bucket);
    return slot != null && slot.listing != null && System.nanoTime() - slot.listedAtNanos < TTL_NANOS
        ? slot.listing : null;
  }

  /** Call before walking: the token to hand to {@link #put} with what the walk found. */
  synchronized long walkStarted() {
    return ++ticks;
  }

  synchronized void put(String bucket, long token, List<OutputStore.Output> listing) {
    long now = System.nanoTime();
    // Stale listings of other buckets go too, so that a bucket nobody lists any more holds no memory.
    buckets.values().forEach(s -> {
      if (s.listing != null && now - s.listedAtNanos >= TTL_NANOS) {
        s.listing = null;
      }
    });
    Slot slot = buckets.computeIfAbsent(bucket, b -> new Slot());
    if (slot.writtenAt < token) {
      slot.listing = listing;
      slot.listedAtNanos = now;
    }
  }

  /** A write or a delete changed the bucket: what was listed before may be wrong now. */
  synchronized void invalidate(String bucket) {
    Slot slot = buckets.computeIfAbsent(bucket, b -> new Slot());
    slot.writtenAt = ++ticks;
    slot.listing = null;
  }

  synchronized void forgetJob(String jobId) {
    buckets.keySet().removeIf(b -> DatasetBuckets.isOfJob(b, jobId));
  }
}
