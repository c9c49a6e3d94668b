package dev.simpletuner.cloud.server.store;

import dev.simpletuner.cloud.server.job.Job;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Recently read jobs, so that polling clients (CI loops, dashboards) and trainer callbacks do not
 * cost a database round trip each. Every job write in this process invalidates the entry; a read
 * that raced with a write of the same job is not cached (writes are counted per job, in stripes, so
 * that busy jobs do not keep each other out of the cache). Where other processes may write too (PostgreSQL), entries live only for a moment,
 * which bounds how stale a late change can look, and only ended jobs are cached unless the other
 * processes' writes are being announced (then each announcement invalidates its job).
 */
final class JobCache {
  private record Entry(Job job, long expiresAtNanos) {
  }

  /** A list total, good while no job was written since {@code writesAt} (and, shared, until it expires). */
  private record Count(long total, long writesAt, long expiresAtNanos) {
  }

  private static final int MAX_COUNTS = 256;
  private static final int STRIPES = 1024;

  private final int capacity;
  private final long ttlNanos;
  private volatile boolean onlyTerminal;
  /** Job writes of any job (list totals), and per stripe of job ids (cached rows). */
  private final AtomicLong writes = new AtomicLong();
  private final AtomicLongArray jobWrites = new AtomicLongArray(STRIPES);
  private final Map<String, Entry> entries;
  private final Map<String, Count> counts = new HashMap<>();

  /** Sole writer: cache everything until invalidated. */
  static JobCache soleWriter(int capacity) {
    return new JobCache(capacity, Long.MAX_VALUE, false);
  }

  /** Shared database: cache ended jobs for {@code ttlMillis}. */
  static JobCache shared(int capacity, long ttlMillis) {
    return new JobCache(capacity, ttlMillis * 1_000_000, true);
  }

  private JobCache(int capacity, long ttlNanos, boolean onlyTerminal) {
    this.capacity = capacity;
    this.ttlNanos = ttlNanos;
    this.onlyTerminal = onlyTerminal;
    this.entries = new LinkedHashMap<>(capacity, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Entry> eldest) {
        return size() > JobCache.this.capacity;
      }
    };
  }

  synchronized Job get(String jobId) {
    Entry e = entries.get(jobId);
    if (e == null) {
      return null;
    }
    if (ttlNanos != Long.MAX_VALUE && System.nanoTime() - e.expiresAtNanos() > 0) {
      entries.remove(jobId);
      return null;
    }
    return e.job();
  }

  /**
   * The number of jobs a list filter matched, as last counted, if no job was written in this process
   * (or announced by another) since; null when it must be counted again. Polling dashboards and CI
   * loops ask for the same total over and over, and counting is the dearest part of a list.
   */
  synchronized Long count(String filter) {
    Count c = counts.get(filter);
    if (c == null || c.writesAt() != writes.get()
        || ttlNanos != Long.MAX_VALUE && System.nanoTime() - c.expiresAtNanos() > 0) {
      return null;
    }
    return c.total();
  }

  /** Keeps a total counted from the database, unless any job was written since the count began. */
  synchronized void putCount(String filter, long total, long readStarted) {
    if (writes.get() != readStarted) {
      return;
    }
    if (counts.size() >= MAX_COUNTS) {
      counts.clear();
    }
    // Writes of other instances are not always announced: a shared database's totals live briefly.
    long expires = ttlNanos == Long.MAX_VALUE ? Long.MAX_VALUE : System.nanoTime() + ttlNanos;
    counts.put(filter, new Count(total, readStarted, expires));
  }

  /** A token to pass to {@link #putCount} after counting in the database. */
  long readStarted() {
    return writes.get();
  }

  /** A token to pass to {@link #put} after reading the job from the database. */
  long readStarted(String jobId) {
    return jobWrites.get(stripe(jobId));
  }

  /** Caches a job read from the database, unless the job was written since the read began. */
  synchronized void put(Job job, long readStarted) {
    if (jobWrites.get(stripe(job.jobId())) == readStarted && (!onlyTerminal || job.status().isTerminal())) {
      long expires = ttlNanos == Long.MAX_VALUE ? Long.MAX_VALUE : System.nanoTime() + ttlNanos;
      entries.put(job.jobId(), new Entry(job, expires));
    }
  }

  /**
   * Caches the row a write of this process returned, unless another write of the job (or of its
   * stripe) began since {@code token}, taken once this write had invalidated the job. Reads still
   * running are kept from caching what they read before the write.
   */
  synchronized void written(Job job, long token) {
    int stripe = stripe(job.jobId());
    boolean alone = jobWrites.get(stripe) == token;
    writes.incrementAndGet();
    jobWrites.incrementAndGet(stripe);
    entries.remove(job.jobId());
    if (alone && (!onlyTerminal || job.status().isTerminal())) {
      long expires = ttlNanos == Long.MAX_VALUE ? Long.MAX_VALUE : System.nanoTime() + ttlNanos;
      entries.put(job.jobId(), new Entry(job, expires));
    }
  }

  /**
   * While other instances' writes are announced (PostgreSQL notifications, each invalidating its
   * job here), active jobs may be cached too; when the announcements stop, only ended jobs again.
   */
  synchronized void othersAnnounceWrites(boolean announced) {
    onlyTerminal = !announced;
    clear();
  }

  synchronized void clear() {
    writes.incrementAndGet();
    for (int i = 0; i < STRIPES; i++) {
      jobWrites.incrementAndGet(i);
    }
    entries.clear();
  }

  synchronized void invalidate(String jobId) {
    writes.incrementAndGet();
    jobWrites.incrementAndGet(stripe(jobId));
    entries.remove(jobId);
  }

  private static int stripe(String jobId) {
    return (jobId.hashCode() & Integer.MAX_VALUE) % STRIPES;
  }
}
