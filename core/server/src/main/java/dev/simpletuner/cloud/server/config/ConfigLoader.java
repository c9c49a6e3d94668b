package dev.simpletuner.cloud.server.config;

import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Resolves {@link ServerConfig}: built-in defaults &lt; config file &lt; environment &lt; flags.
 * The config file is {@code --conf}, else {@code SIMPLETUNER_CONFIG}, else {@code <state>/config.yaml}
 * when it exists.
 */
public final class ConfigLoader {

  /** Flag name, environment variable and config-file key of every plain setting. */
  private enum Key {
    HOST("--host", "SIMPLETUNER_HOST", "host"),
    PORT("--port", "SIMPLETUNER_PORT", "port"),
    STATE_DIR("--state-dir", "SIMPLETUNER_STATE_DIR", "state_dir"),
    CONFIG("--conf", "SIMPLETUNER_CONFIG", null),
    DATABASE_URL("--database-url", "SIMPLETUNER_DATABASE_URL", "database_url"),
    PUBLIC_URL(null, "SIMPLETUNER_PUBLIC_URL", "public_url"),
    PLUGINS_DIR("--plugins-dir", "SIMPLETUNER_PLUGINS_DIR", "plugins_dir"),
    REMOTE_SHUTDOWN(null, "SIMPLETUNER_ALLOW_REMOTE_SHUTDOWN", "allow_remote_shutdown");

    final String flag;
    final String env;
    final String fileKey;

    Key(String flag, String env, String fileKey) {
      this.flag = flag;
      this.env = env;
      this.fileKey = fileKey;
    }
  }

  public static final String USAGE = """
      Usage: java -jar simpletuner-cloud.jar [options]
        --host <addr>          bind address (SIMPLETUNER_HOST, default 127.0.0.1)
        --port <n>             port (SIMPLETUNER_PORT, default 8001)
        --state-dir <dir>      database, secrets, outputs (SIMPLETUNER_STATE_DIR, default ~/.simpletuner)
        --conf <file>          YAML config file (SIMPLETUNER_CONFIG, default <state>/config.yaml if present)
        --database-url <url>   postgresql://user:pass@host:port/db (SIMPLETUNER_DATABASE_URL; default embedded SQLite)
        --plugins-dir <dir>    third-party plugin jars (SIMPLETUNER_PLUGINS_DIR, default <state>/plugins)
        --help                 show this text
             java -jar simpletuner-cloud.jar restore <backup folder> ...   (restore --help)
      """;

  private final Map<String, String> env;
  private final String userHome;

  public ConfigLoader(Map<String, String> env, String userHome) {
    this.env = env;
    this.userHome = userHome;
  }

  public static ConfigLoader fromSystem() {
    return new ConfigLoader(System.getenv(), System.getProperty("user.home"));
  }

  public ServerConfig load(List<String> args) {
    Map<Key, String> flags = parseFlags(args);
    Function<Key, String> early = key -> first(flags.get(key), nonBlank(env.get(key.env)));

    String stateDirEarly = early.apply(Key.STATE_DIR);
    Path stateDir = expand(stateDirEarly != null ? stateDirEarly : "~/.simpletuner");
    Path configFile = configFile(early.apply(Key.CONFIG), stateDir);
    Map<String, Object> file = configFile == null ? Map.of() : readYaml(configFile);

    Function<Key, String> value = key -> first(flags.get(key), nonBlank(env.get(key.env)),
        key.fileKey == null ? null : scalar(file.get(key.fileKey), key.fileKey));

    if (stateDirEarly == null && value.apply(Key.STATE_DIR) != null) {
      stateDir = expand(value.apply(Key.STATE_DIR));
    }
    String host = orDefault(value.apply(Key.HOST), ServerConfig.DEFAULT_HOST);
    int port = parsePort(orDefault(value.apply(Key.PORT), String.valueOf(ServerConfig.DEFAULT_PORT)));
    String databaseUrl = value.apply(Key.DATABASE_URL);
    String publicUrl = value.apply(Key.PUBLIC_URL);
    String pluginsDir = value.apply(Key.PLUGINS_DIR);
    Map<String, Object> limits = section(file, "limits");
    long maxBody = parseLong(limits.get("max_body_bytes"), ServerConfig.DEFAULT_MAX_BODY_BYTES, "limits.max_body_bytes");
    int logLines = (int) parseLong(limits.get("log_lines_per_job"), ServerConfig.DEFAULT_LOG_LINES_PER_JOB,
        "limits.log_lines_per_job");
    return new ServerConfig(host, port, stateDir, configFile, databaseUrl, publicUrl,
        pluginsDir != null ? expand(pluginsDir) : stateDir.resolve("plugins"), maxBody, logLines,
        pluginSettings(section(file, "providers"), "providers"), pluginSettings(section(file, "delivery"), "delivery"),
        storage(section(file, "storage"), env), rates(limits.get("rate_per_minute")),
        callbacks(section(file, "callbacks")),
        plugins(section(file, "plugins")), workers(section(file, "workers"), env),
        flag(value.apply(Key.REMOTE_SHUTDOWN), "allow_remote_shutdown"), retention(section(file, "retention")),
        storageLimits(section(file, "storage")), metrics(section(file, "metrics"), env),
        snapshots(section(file, "snapshots"), env));
  }

  /** {@code snapshots.git_repository} (SIMPLETUNER_SNAPSHOTS_GIT_REPOSITORY): absent, no snapshots. */
  private ServerConfig.Snapshots snapshots(Map<String, Object> snapshots, Map<String, String> env) {
    String repository = first(nonBlank(env.get("SIMPLETUNER_SNAPSHOTS_GIT_REPOSITORY")),
        scalar(snapshots.get("git_repository"), "snapshots.git_repository"));
    return repository == null || repository.isBlank() ? ServerConfig.Snapshots.NONE
        : new ServerConfig.Snapshots(expand(repository.strip()));
  }

  /** {@code retention.*}: how long finished work is kept (0 or absent: forever). */
  private static ServerConfig.Retention retention(Map<String, Object> retention) {
    ServerConfig.Retention d = ServerConfig.Retention.DEFAULT;
    long batch = parseLong(retention.get("batch_size"), d.batchSize(), "retention.batch_size");
    if (batch > 10_000) {
      throw new ConfigException("Config key 'retention.batch_size' must be 1 to 10000.");
    }
    return new ServerConfig.Retention(orZero(retention.get("job_days"), "retention.job_days"),
        orZero(retention.get("audit_days"), "retention.audit_days"),
        parseLong(retention.get("idempotency_hours"), d.idempotencyHours(), "retention.idempotency_hours"),
        (int) batch, parseLong(retention.get("interval_seconds"), d.intervalSeconds(), "retention.interval_seconds"),
        orZero(retention.get("notification_days"), "retention.notification_days"));
  }

  /** {@code storage.received_mb_per_job}, {@code storage.min_free_mb}, {@code storage.idle_timeout_seconds}. */
  private static ServerConfig.StorageLimits storageLimits(Map<String, Object> storage) {
    ServerConfig.StorageLimits d = ServerConfig.StorageLimits.DEFAULT;
    Object cap = storage.get("received_mb_per_job");
    Object floor = storage.get("min_free_mb");
    long idle = parseLong(storage.get("idle_timeout_seconds"), d.idleTimeoutSeconds(), "storage.idle_timeout_seconds");
    if (idle > 86_400) {
      throw new ConfigException("Config key 'storage.idle_timeout_seconds' must be 1 to 86400.");
    }
    return new ServerConfig.StorageLimits(cap == null ? d.receivedBytesPerJob()
        : orZero(cap, "storage.received_mb_per_job") * 1024 * 1024,
        floor == null ? d.minFreeBytes() : orZero(floor, "storage.min_free_mb") * 1024 * 1024, (int) idle);
  }

  /**
   * {@code metrics.categories} (a list or comma-separated; {@code SIMPLETUNER_METRICS_CATEGORIES})
   * and {@code metrics.scrape_token} ({@code SIMPLETUNER_METRICS_SCRAPE_TOKEN}).
   */
  private static ServerConfig.Metrics metrics(Map<String, Object> metrics, Map<String, String> env) {
    Object categories = first(nonBlank(env.get("SIMPLETUNER_METRICS_CATEGORIES")), metrics.get("categories"));
    java.util.Set<String> chosen = new java.util.LinkedHashSet<>();
    if (categories instanceof List<?> list) {
      list.forEach(c -> chosen.add(String.valueOf(c).strip()));
    } else if (categories != null) {
      for (String c : String.valueOf(categories).split(",")) {
        if (!c.isBlank()) {
          chosen.add(c.strip());
        }
      }
    }
    String token = first(nonBlank(env.get("SIMPLETUNER_METRICS_SCRAPE_TOKEN")),
        scalar(metrics.get("scrape_token"), "metrics.scrape_token"));
    if (token != null && token.strip().length() < 16) {
      throw new ConfigException("metrics.scrape_token (SIMPLETUNER_METRICS_SCRAPE_TOKEN) must be at least 16 "
          + "characters.");
    }
    return new ServerConfig.Metrics(java.util.Set.copyOf(chosen), token == null ? null : token.strip());
  }

  /** A whole number of 0 or more (absent: 0). */
  private static long orZero(Object value, String key) {
    if (value == null || "0".equals(String.valueOf(value).strip())) {
      return 0;
    }
    return parseLong(value, 0, key);
  }

  /** A yes/no setting: true or false (absent: false). */
  private static boolean flag(String value, String name) {
    if (value == null) {
      return false;
    }
    return switch (value.strip().toLowerCase(java.util.Locale.ROOT)) {
      case "true", "1", "yes" -> true;
      case "false", "0", "no" -> false;
      default -> throw new ConfigException(name + " must be true or false, not '" + value + "'.");
    };
  }

  /** {@code limits.rate_per_minute.<class>}: requests per minute of a rate-limit class (login, submit, ...). */
  private static Map<String, Integer> rates(Object section) {
    if (section == null) {
      return Map.of();
    }
    if (!(section instanceof Map<?, ?> map)) {
      throw new ConfigException("Config key 'limits.rate_per_minute' must be a mapping of class to a number.");
    }
    Map<String, Integer> rates = new LinkedHashMap<>();
    map.forEach((name, value) -> {
      long perMinute = parseLong(value, -1, "limits.rate_per_minute." + name);
      if (perMinute < 1 || perMinute > 1_000_000) {
        throw new ConfigException("Config key 'limits.rate_per_minute." + name + "' must be 1 to 1000000.");
      }
      rates.put(String.valueOf(name), (int) perMinute);
    });
    return Map.copyOf(rates);
  }

  private static Map<Key, String> parseFlags(List<String> args) {
    Map<Key, String> flags = new HashMap<>();
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      String name = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
      Key key = null;
      for (Key k : Key.values()) {
        if (name.equals(k.flag)) {
          key = k;
        }
      }
      if (key == null) {
        throw new ConfigException("Unknown option: " + arg + "\n" + USAGE);
      }
      String v;
      if (arg.contains("=")) {
        v = arg.substring(arg.indexOf('=') + 1);
      } else if (i + 1 < args.size()) {
        v = args.get(++i);
      } else {
        throw new ConfigException("Option " + arg + " needs a value.\n" + USAGE);
      }
      flags.put(key, v);
    }
    return flags;
  }

  private Path configFile(String explicit, Path stateDir) {
    if (explicit != null) {
      Path path = expand(explicit);
      if (!Files.isRegularFile(path)) {
        throw new ConfigException("Config file " + path + " does not exist or is not a file.");
      }
      return path;
    }
    Path implicit = stateDir.resolve("config.yaml");
    return Files.isRegularFile(implicit) ? implicit : null;
  }

  private static Map<String, Object> readYaml(Path file) {
    try (Reader reader = Files.newBufferedReader(file)) {
      Object doc = new Yaml(new SafeConstructor(new LoaderOptions())).load(reader);
      if (doc == null) {
        return Map.of();
      }
      if (!(doc instanceof Map<?, ?> map)) {
        throw new ConfigException("Config file " + file + " must be a YAML mapping of settings.");
      }
      return stringKeys(map);
    } catch (IOException e) {
      throw new ConfigException("Cannot read config file " + file + ": " + e.getMessage(), e);
    } catch (RuntimeException e) {
      if (e instanceof ConfigException) {
        throw e;
      }
      throw new ConfigException("Config file " + file + " is not valid YAML: " + e.getMessage(), e);
    }
  }

  private static Map<String, Object> section(Map<String, Object> file, String name) {
    Object value = file.get(name);
    if (value == null) {
      return Map.of();
    }
    if (!(value instanceof Map<?, ?> map)) {
      throw new ConfigException("Config key '" + name + "' must be a mapping.");
    }
    return stringKeys(map);
  }

  private static ServerConfig.Storage storage(Map<String, Object> storage, Map<String, String> env) {
    ServerConfig.Storage d = ServerConfig.Storage.DEFAULT;
    return new ServerConfig.Storage(parseLong(storage.get("grace_seconds"), d.graceSeconds(), "storage.grace_seconds"),
        parseLong(storage.get("settle_seconds"), d.settleSeconds(), "storage.settle_seconds"),
        megabytes(storage.get("dataset_scratch_mb"), d.datasetScratchBytes(), "storage.dataset_scratch_mb"),
        s3Port(storage.get("s3_port")), sharedBucket(storage, env));
  }

  /**
   * {@code storage.backend} ({@code SIMPLETUNER_STORAGE_BACKEND}): {@code local} (the default) or
   * {@code s3} with {@code storage.s3.*}, each also {@code SIMPLETUNER_STORAGE_S3_<NAME>} (the way to
   * keep the secret out of the file). Anything missing or malformed stops the start.
   */
  private static SharedBucket sharedBucket(Map<String, Object> storage, Map<String, String> env) {
    String backend = first(nonBlank(env.get("SIMPLETUNER_STORAGE_BACKEND")),
        scalar(storage.get("backend"), "storage.backend"));
    if (backend == null || backend.strip().equalsIgnoreCase("local")) {
      return null;
    }
    if (!backend.strip().equalsIgnoreCase("s3")) {
      throw new ConfigException("Config key 'storage.backend' must be 'local' or 's3', not '" + backend.strip() + "'.");
    }
    Map<String, Object> s3 = section(storage, "s3");
    Function<String, String> setting = name -> {
      String value = first(nonBlank(env.get("SIMPLETUNER_STORAGE_S3_" + name.toUpperCase(java.util.Locale.ROOT))),
          scalar(s3.get(name), "storage.s3." + name));
      return value == null || value.isBlank() ? null : value.strip();
    };
    String region = orDefault(setting.apply("region"), "us-east-1");
    String endpointText = orDefault(setting.apply("endpoint"), "https://s3." + region + ".amazonaws.com");
    URI endpoint;
    try {
      endpoint = new URI(endpointText.replaceAll("/+$", ""));
    } catch (java.net.URISyntaxException e) {
      endpoint = null;
    }
    if (endpoint == null || endpoint.getHost() == null || !("http".equalsIgnoreCase(endpoint.getScheme())
        || "https".equalsIgnoreCase(endpoint.getScheme()))) {
      throw new ConfigException("Config key 'storage.s3.endpoint' must be an http(s) URL such as "
          + "https://s3.us-east-1.amazonaws.com or http://127.0.0.1:9000.");
    }
    List<String> missing = java.util.stream.Stream.of("bucket", "access_key", "secret_key")
        .filter(name -> setting.apply(name) == null).map(name -> "storage.s3." + name).toList();
    if (!missing.isEmpty()) {
      throw new ConfigException("storage.backend is s3, but " + String.join(", ", missing) + " is not set (in the "
          + "config file or as SIMPLETUNER_STORAGE_S3_<NAME>).");
    }
    String prefix = orDefault(setting.apply("prefix"), "simpletuner-outputs").replaceAll("^/+|/+$", "");
    if (prefix.isEmpty()) {
      throw new ConfigException("Config key 'storage.s3.prefix' must name a folder of the bucket, not its root.");
    }
    String pathStyle = setting.apply("path_style");
    if (pathStyle != null && !pathStyle.equalsIgnoreCase("true") && !pathStyle.equalsIgnoreCase("false")) {
      throw new ConfigException("Config key 'storage.s3.path_style' must be true or false.");
    }
    // AWS wants virtual-host addressing; other S3-compatible stores (MinIO, Ceph, s3proxy) path style.
    boolean path = pathStyle != null ? Boolean.parseBoolean(pathStyle) : !endpoint.getHost().endsWith("amazonaws.com");
    return new SharedBucket(endpoint, region, setting.apply("bucket"), prefix, setting.apply("access_key"),
        setting.apply("secret_key"), path);
  }

  private static int s3Port(Object value) {
    long port = parseLong(value, 0, "storage.s3_port");
    if (port < 0 || port > 65535) {
      throw new ConfigException("Config key 'storage.s3_port' must be a port (1-65535), or 0 for none.");
    }
    return (int) port;
  }

  private static ServerConfig.Callbacks callbacks(Map<String, Object> callbacks) {
    ServerConfig.Callbacks d = ServerConfig.Callbacks.DEFAULT;
    return new ServerConfig.Callbacks(megabytes(callbacks.get("max_body_mb"), d.maxBodyBytes(), "callbacks.max_body_mb"),
        megabytes(callbacks.get("artifact_mb_per_job"), d.artifactBytesPerJob(), "callbacks.artifact_mb_per_job"));
  }

  private static long megabytes(Object value, long defaultBytes, String key) {
    if (value == null) {
      return defaultBytes;
    }
    long mb = parseLong(value, -1, key);
    if (mb > 1024 * 1024) {
      throw new ConfigException("Config key '" + key + "' must be 1 to 1048576 (MiB).");
    }
    return mb * 1024 * 1024;
  }

  /** {@code plugins.*}: how providers and delivery targets are called. */
  /** {@code workers.*}; the heartbeat timeout also from {@code SIMPLETUNER_HEARTBEAT_TIMEOUT} (WORKERS.md names it). */
  private static ServerConfig.Workers workers(Map<String, Object> workers, Map<String, String> env) {
    ServerConfig.Workers d = ServerConfig.Workers.DEFAULT;
    String fromEnv = nonBlank(env.get("SIMPLETUNER_HEARTBEAT_TIMEOUT"));
    long timeout = parseLong(fromEnv != null ? fromEnv : workers.get("heartbeat_timeout_seconds"),
        d.heartbeatTimeoutSeconds(), fromEnv != null ? "SIMPLETUNER_HEARTBEAT_TIMEOUT" : "workers.heartbeat_timeout_seconds");
    if (timeout < 1 || timeout > 86_400) {
      throw new ConfigException("The worker heartbeat timeout (SIMPLETUNER_HEARTBEAT_TIMEOUT or "
          + "workers.heartbeat_timeout_seconds) must be 1 to 86400 seconds.");
    }
    long retries = parseLong(workers.get("max_retries"), d.maxRetries(), "workers.max_retries");
    if (retries < 0 || retries > 100) {
      throw new ConfigException("Config key 'workers.max_retries' must be 0 to 100.");
    }
    return new ServerConfig.Workers(timeout, (int) retries);
  }

  private static ServerConfig.Plugins plugins(Map<String, Object> plugins) {
    ServerConfig.Plugins d = ServerConfig.Plugins.DEFAULT;
    long seconds = parseLong(plugins.get("call_timeout_seconds"), d.callTimeout().toSeconds(),
        "plugins.call_timeout_seconds");
    if (seconds < 1 || seconds > 86_400) {
      throw new ConfigException("Config key 'plugins.call_timeout_seconds' must be 1 to 86400.");
    }
    String provider = scalar(plugins.get("default_provider"), "plugins.default_provider");
    return new ServerConfig.Plugins(java.time.Duration.ofSeconds(seconds),
        provider == null || provider.isBlank() ? d.defaultProvider() : provider.strip());
  }

  /** {@code <section>.<id>.<setting>}: settings of providers or delivery targets. */
  private static Map<String, Map<String, String>> pluginSettings(Map<String, Object> section, String name) {
    Map<String, Map<String, String>> result = new LinkedHashMap<>();
    section.forEach((id, settings) -> {
      if (settings == null) {
        return; // a section left with only comments in it
      }
      if (!(settings instanceof Map<?, ?> map)) {
        throw new ConfigException("Config key '" + name + "." + id + "' must be a mapping of settings.");
      }
      Map<String, String> values = new LinkedHashMap<>();
      stringKeys(map).forEach((k, v) -> values.put(k, scalar(v, name + "." + id + "." + k)));
      result.put(id, Map.copyOf(values));
    });
    return Map.copyOf(result);
  }

  private static Map<String, Object> stringKeys(Map<?, ?> map) {
    Map<String, Object> out = new LinkedHashMap<>();
    map.forEach((k, v) -> out.put(String.valueOf(k), v));
    return out;
  }

  private static String scalar(Object value, String key) {
    if (value == null) {
      return null;
    }
    if (value instanceof Map || value instanceof List) {
      throw new ConfigException("Config key '" + key + "' must be a single value.");
    }
    return String.valueOf(value);
  }

  private Path expand(String path) {
    String p = path.strip();
    if (p.equals("~") || p.startsWith("~/")) {
      if (userHome == null || userHome.isBlank()) {
        throw new ConfigException("Cannot expand '~': no home directory. Set SIMPLETUNER_STATE_DIR.");
      }
      p = userHome + p.substring(1);
    }
    return Path.of(p).toAbsolutePath().normalize();
  }

  private static int parsePort(String value) {
    try {
      int port = Integer.parseInt(value.strip());
      if (port < 0 || port > 65535) {
        throw new NumberFormatException();
      }
      return port;
    } catch (NumberFormatException e) {
      throw new ConfigException("Port must be a number from 0 to 65535, got '" + value + "'.");
    }
  }

  private static long parseLong(Object value, long fallback, String key) {
    if (value == null) {
      return fallback;
    }
    try {
      long parsed = Long.parseLong(String.valueOf(value).strip());
      if (parsed <= 0) {
        throw new NumberFormatException();
      }
      return parsed;
    } catch (NumberFormatException e) {
      throw new ConfigException("Config key '" + key + "' must be a positive whole number, got '" + value + "'.");
    }
  }

  @SafeVarargs
  private static <T> T first(T... values) {
    for (T v : values) {
      if (v != null) {
        return v;
      }
    }
    return null;
  }

  private static String nonBlank(String s) {
    return s == null || s.isBlank() ? null : s;
  }

  private static String orDefault(String value, String fallback) {
    return value != null ? value : fallback;
  }
}
