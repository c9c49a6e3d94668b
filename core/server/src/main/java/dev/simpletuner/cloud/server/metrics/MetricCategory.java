package dev.simpletuner.cloud.server.metrics;

import dev.simpletuner.cloud.server.config.ConfigException;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The families the Prometheus export is made of (config {@code metrics.categories},
 * {@code SIMPLETUNER_METRICS_CATEGORIES}; none named: all). Each meter belongs to the category of
 * the longest prefix of its name listed here. The reference's category names are accepted too:
 * {@code circuit_breakers} is part of {@code providers}, {@code provider} (its cost limits) of
 * {@code cost}.
 */
public enum MetricCategory {
  JOBS("jobs by status and provider, queue depth and wait", "simpletuner.jobs", "simpletuner.queue"),
  COST("active jobs' accrued cost and rate, spend per period against the cost limit", "simpletuner.active.jobs",
      "simpletuner.spend", "simpletuner.cost"),
  PROVIDERS("provider call latency and errors, circuit-breaker state", "simpletuner.provider",
      "simpletuner.circuit.breaker"),
  HTTP("requests, bytes and latency by endpoint (api, callback, storage, webhook, ui)", "vertx.http.server"),
  DELIVERY("delivery outcomes by target", "simpletuner.delivery"),
  NOTIFICATIONS("notification outcomes by channel", "simpletuner.notifications"),
  RUNTIME("event-loop delay, the Vert.x event bus and connections", "simpletuner.event.loop", "vertx."),
  STORE("pools: the database's (pool_type=sql: connections in use, waiting, time held) and the worker "
      + "threads'; SQL statements in flight", "vertx.pool", "vertx.sql"),
  HEALTH("uptime and the liveness of every instance sharing the database", "simpletuner.uptime",
      "simpletuner.instance");

  private static final Map<String, MetricCategory> ALIASES = Map.of("circuit_breakers", PROVIDERS, "provider", COST);
  private final String description;
  private final List<String> prefixes;

  MetricCategory(String description, String... prefixes) {
    this.description = description;
    this.prefixes = List.of(prefixes);
  }

  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  public String description() {
    return description;
  }

  /** The category of a meter by its (dotted) name, or null when no prefix matches. */
  public static MetricCategory of(String meterName) {
    MetricCategory best = null;
    int length = -1;
    for (MetricCategory c : values()) {
      for (String p : c.prefixes) {
        if (meterName.startsWith(p) && p.length() > length) {
          best = c;
          length = p.length();
        }
      }
    }
    return best;
  }

  /** The categories named in the config; none named: all of them. Unknown names stop the server. */
  public static Set<MetricCategory> parse(Set<String> names) {
    if (names.isEmpty()) {
      return EnumSet.allOf(MetricCategory.class);
    }
    Set<MetricCategory> chosen = EnumSet.noneOf(MetricCategory.class);
    for (String name : names) {
      String key = name.toLowerCase(Locale.ROOT);
      MetricCategory c = ALIASES.get(key);
      if (c == null) {
        c = java.util.Arrays.stream(values()).filter(v -> v.id().equals(key)).findFirst().orElse(null);
      }
      if (c == null) {
        Set<String> known = new TreeSet<>(ALIASES.keySet());
        for (MetricCategory v : values()) {
          known.add(v.id());
        }
        throw new ConfigException("Unknown metrics category '" + name + "' in metrics.categories "
            + "(SIMPLETUNER_METRICS_CATEGORIES); known: " + known + ".");
      }
      chosen.add(c);
    }
    return chosen;
  }
}
