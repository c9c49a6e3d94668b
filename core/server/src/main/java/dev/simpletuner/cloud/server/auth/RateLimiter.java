package dev.simpletuner.cloud.server.auth;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Sliding-window request limits, kept in this process (each instance of a cluster limits on its
 * own, so a cluster of N allows up to N times the figures; account lockout is in the database and
 * holds cluster-wide). Thread-safe.
 */
public final class RateLimiter {
  private static final int MAX_TRACKED = 100_000;
  private final int limit;
  private final long windowMillis;
  private final Map<String, Deque<Long>> hits = new LinkedHashMap<>(1024, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Deque<Long>> eldest) {
      return size() > MAX_TRACKED;
    }
  };

  public RateLimiter(int limit, long windowMillis) {
    this.limit = limit;
    this.windowMillis = windowMillis;
  }

  /** Counts a hit for {@code key}; returns 0 when allowed, else the milliseconds until it would be. */
  public synchronized long hit(String key, long now) {
    Deque<Long> times = hits.computeIfAbsent(key, k -> new ArrayDeque<>());
    while (!times.isEmpty() && times.peekFirst() <= now - windowMillis) {
      times.pollFirst();
    }
    if (times.size() >= limit) {
      return Math.max(1, times.peekFirst() + windowMillis - now);
    }
    times.addLast(now);
    return 0;
  }
}
