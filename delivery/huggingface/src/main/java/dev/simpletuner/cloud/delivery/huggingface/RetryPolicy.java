package dev.simpletuner.cloud.delivery.huggingface;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Bounded retries with exponential backoff and jitter. {@code Retry-After} wins when it asks for a
 * longer wait, up to {@code maxRetryAfterMs} so one answer cannot stall a delivery for hours.
 */
record RetryPolicy(int attempts, long baseDelayMs, long maxDelayMs, long maxRetryAfterMs) {
  static final RetryPolicy DEFAULT = new RetryPolicy(6, 500, 30_000, 120_000);

  /** Delay before attempt {@code n + 1}; "equal jitter" keeps a real minimum wait between attempts. */
  long delayMs(int n, long retryAfterMs) {
    long cap = Math.min(maxDelayMs, baseDelayMs << Math.min(n - 1, 20));
    long backoff = cap / 2 + ThreadLocalRandom.current().nextLong(cap / 2 + 1);
    return Math.max(backoff, Math.min(retryAfterMs, maxRetryAfterMs));
  }
}
