package dev.simpletuner.cloud.server.plugin;

import dev.simpletuner.cloud.spi.JobReporter;
import dev.simpletuner.cloud.spi.ProviderContext;
import dev.simpletuner.cloud.spi.SettingSpec;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The host side of {@link ProviderContext}. Effective settings: declared default &lt; config file
 * &lt; saved through the API &lt; the setting's environment variable.
 */
final class HostProviderContext implements ProviderContext {
  private final Vertx vertx;
  private final String providerId;
  private final Iterable<SettingSpec> specs;
  private final Map<String, String> fileValues;
  private final Map<String, String> env;
  private final Path dataDir;
  private final String hostId;
  private final JobReporter reporter;
  private volatile Map<String, String> effective = Map.of();
  private volatile Map<String, String> sources = Map.of();
  private volatile Map<String, String> saved = Map.of();

  HostProviderContext(Vertx vertx, String providerId, Iterable<SettingSpec> specs, Map<String, String> fileValues,
                      Map<String, String> env, Path dataDir, String hostId, JobReporter reporter) {
    this.vertx = vertx;
    this.providerId = providerId;
    this.specs = specs;
    this.fileValues = fileValues;
    this.env = env;
    this.dataDir = dataDir;
    this.hostId = hostId;
    this.reporter = reporter;
  }

  void reload(Map<String, String> saved) {
    Map<String, String> values = new LinkedHashMap<>();
    Map<String, String> from = new LinkedHashMap<>();
    for (SettingSpec spec : specs) {
      String name = spec.name();
      put(values, from, name, spec.defaultValue(), "default");
      put(values, from, name, fileValues.get(name), "file");
      put(values, from, name, saved.get(name), "saved");
      put(values, from, name, spec.env() == null ? null : blankToNull(env.get(spec.env())), "env");
    }
    effective = Map.copyOf(values);
    sources = Map.copyOf(from);
    this.saved = Map.copyOf(saved);
  }

  /** Everything saved for this provider through the API, including the server's own settings. */
  Map<String, String> saved() {
    return saved;
  }

  private static void put(Map<String, String> values, Map<String, String> from, String name, String value,
                          String source) {
    if (value != null) {
      values.put(name, value);
      from.put(name, source);
    }
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }

  Map<String, String> sources() {
    return sources;
  }

  @Override
  public Vertx vertx() {
    return vertx;
  }

  @Override
  public Map<String, String> settings() {
    return effective;
  }

  @Override
  public Path dataDir() {
    return dataDir;
  }

  @Override
  public String hostId() {
    return hostId;
  }

  @Override
  public JobReporter reporter() {
    return reporter;
  }

  @Override
  public System.Logger logger() {
    return new Slf4jSystemLogger("provider." + providerId);
  }
}
