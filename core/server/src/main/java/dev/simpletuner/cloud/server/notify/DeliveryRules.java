package dev.simpletuner.cloud.server.notify;

import dev.simpletuner.cloud.server.config.ConfigException;
import java.util.Map;

/**
 * How hard notifications are tried: {@code SIMPLETUNER_NOTIFY_MAX_ATTEMPTS} (6) attempts, the
 * first retry after {@code SIMPLETUNER_NOTIFY_RETRY_SECONDS} (5) and each next one twice as late
 * (at most 6 hours), {@code SIMPLETUNER_NOTIFY_TIMEOUT_SECONDS} (15) for a receiver to answer.
 */
public record DeliveryRules(int maxAttempts, long retryBaseMs, long timeoutMs) {
  static final long MAX_DELAY_MS = 6 * 3600_000L;

  public static DeliveryRules from(Map<String, String> env) {
    double attempts = number(env, "SIMPLETUNER_NOTIFY_MAX_ATTEMPTS", 6, 1, 100);
    if (attempts != Math.rint(attempts)) {
      throw new ConfigException("SIMPLETUNER_NOTIFY_MAX_ATTEMPTS must be a whole number.");
    }
    return new DeliveryRules((int) attempts, (long) (number(env, "SIMPLETUNER_NOTIFY_RETRY_SECONDS", 5, 0.01, 86400)
        * 1000), (long) (number(env, "SIMPLETUNER_NOTIFY_TIMEOUT_SECONDS", 15, 0.1, 300) * 1000));
  }

  /** The wait after failed attempt number {@code attempt} (1 for the first). */
  public long delayAfter(int attempt) {
    double delay = retryBaseMs * Math.pow(2, Math.min(attempt - 1, 30));
    return (long) Math.min(delay, MAX_DELAY_MS);
  }

  private static double number(Map<String, String> env, String name, double fallback, double min, double max) {
    String value = env.get(name);
    if (value == null || value.isBlank()) {
      return fallback;
    }
    try {
      double n = Double.parseDouble(value.strip());
      if (n >= min && n <= max) {
        return n;
      }
    } catch (NumberFormatException e) {
      // said below
    }
    throw new ConfigException(name + " must be a number from " + min + " to " + max + ", not '" + value + "'.");
  }
}
