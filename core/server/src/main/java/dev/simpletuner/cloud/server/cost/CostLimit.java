package dev.simpletuner.cloud.server.cost;

import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.plugin.ProviderHandle;
import dev.simpletuner.cloud.server.settings.ProviderSettings;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.Locale;
import java.util.Map;

/**
 * A provider's spending cap over a rolling window (daily = last 24 h, weekly = 7 days,
 * monthly = 30 days), counting running jobs at their live cost.
 */
public final class CostLimit {
  /** Spend at or above this share of the limit is a warning. */
  private static final double WARN_SHARE = 0.8;

  private CostLimit() {
  }

  /** The status document of {@code GET /api/cloud/metrics/cost-limit}. */
  public static Future<JsonObject> status(ServerContext ctx, ProviderHandle handle) {
    Map<String, String> saved = handle.saved();
    boolean enabled = Boolean.parseBoolean(saved.getOrDefault(ProviderSettings.COST_LIMIT_ENABLED, "false"));
    String period = saved.getOrDefault(ProviderSettings.COST_LIMIT_PERIOD, "monthly");
    String action = saved.getOrDefault(ProviderSettings.COST_LIMIT_ACTION, "warn");
    Double limit = saved.containsKey(ProviderSettings.COST_LIMIT_AMOUNT)
        ? Double.valueOf(saved.get(ProviderSettings.COST_LIMIT_AMOUNT)) : null;
    long since = ctx.now() - windowMillis(period);
    return Spend.since(ctx, since, handle.id()).map(spent -> {
      double spend = round(spent);
      boolean active = enabled && limit != null;
      Double percent = null;
      if (active) {
        percent = limit > 0 ? round(100.0 * spend / limit) : spend > 0 ? 100.0 : 0.0;
      }
      boolean exceeded = active && spend >= limit;
      boolean warning = active && !exceeded && spend >= WARN_SHARE * limit;
      return new JsonObject()
          .put("provider", handle.id())
          .put("enabled", enabled)
          .put("limit_amount", limit)
          .put("period", period)
          .put("action", action)
          .put("current_spend", spend)
          .put("percent_used", percent)
          .put("is_exceeded", exceeded)
          .put("is_warning", warning)
          .put("window_start", java.time.Instant.ofEpochMilli(since).toString())
          .put("message", message(enabled, limit, spend, period, exceeded, warning));
    });
  }

  private static String message(boolean enabled, Double limit, double spend, String period, boolean exceeded,
                                boolean warning) {
    if (!enabled || limit == null) {
      return String.format(Locale.ROOT, "No cost limit set. Spent $%.2f in the last %s.", spend, window(period));
    }
    String state = exceeded ? "Cost limit exceeded" : warning ? "Approaching the cost limit" : "Within the cost limit";
    return String.format(Locale.ROOT, "%s: $%.2f spent of $%.2f %s limit.", state, spend, limit, period);
  }

  public static long windowMillis(String period) {
    long day = 24L * 3600 * 1000;
    return switch (period) {
      case "daily" -> day;
      case "weekly" -> 7 * day;
      default -> 30 * day;
    };
  }

  private static String window(String period) {
    return switch (period) {
      case "daily" -> "24 hours";
      case "weekly" -> "7 days";
      default -> "30 days";
    };
  }

  private static double round(double v) {
    return Math.round(v * 10000) / 10000.0;
  }
}
