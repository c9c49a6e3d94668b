package dev.simpletuner.cloud.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Defaults &lt; config file &lt; environment &lt; flags (SPEC.md section 2). */
class ConfigLoaderTest {

  @Test
  void defaultsNeedNothing(@TempDir Path home) {
    ServerConfig c = new ConfigLoader(Map.of(), home.toString()).load(List.of());
    assertThat(c.host()).isEqualTo("127.0.0.1");
    assertThat(c.port()).isEqualTo(8001);
    assertThat(c.stateDir()).isEqualTo(home.resolve(".simpletuner"));
    assertThat(c.pluginsDir()).isEqualTo(home.resolve(".simpletuner/plugins"));
    assertThat(c.databaseUrl()).isNull();
    assertThat(c.configFile()).isNull();
  }

  @Test
  void fileThenEnvironmentThenFlags(@TempDir Path home) throws Exception {
    Path state = home.resolve("state");
    Files.createDirectories(state);
    Files.writeString(state.resolve("config.yaml"), """
        host: 0.0.0.0
        port: 9000
        public_url: https://abc.ngrok.io
        providers:
          local:
            command: python3 train.py
            max_concurrent: 2
        limits:
          log_lines_per_job: 500
          rate_per_minute:
            submit: 600
        delivery:
          local:
        """);
    Map<String, String> env = Map.of("SIMPLETUNER_STATE_DIR", state.toString(), "SIMPLETUNER_PORT", "9100");
    ServerConfig fromFileAndEnv = new ConfigLoader(env, home.toString()).load(List.of());
    assertThat(fromFileAndEnv.host()).isEqualTo("0.0.0.0");
    assertThat(fromFileAndEnv.port()).isEqualTo(9100);
    assertThat(fromFileAndEnv.publicUrl()).isEqualTo("https://abc.ngrok.io");
    assertThat(fromFileAndEnv.logLinesPerJob()).isEqualTo(500);
    assertThat(fromFileAndEnv.ratesPerMinute()).containsExactly(Map.entry("submit", 600));
    assertThat(fromFileAndEnv.deliverySettings()).doesNotContainKey("local"); // a section left with comments only
    assertThat(fromFileAndEnv.providerSettings().get("local")).containsEntry("command", "python3 train.py")
        .containsEntry("max_concurrent", "2");
    ServerConfig withFlags = new ConfigLoader(env, home.toString()).load(List.of("--port", "9200", "--host=127.0.0.2"));
    assertThat(withFlags.port()).isEqualTo(9200);
    assertThat(withFlags.host()).isEqualTo("127.0.0.2");
  }

  @Test
  void mistakesAreExplained(@TempDir Path home) throws Exception {
    ConfigLoader loader = new ConfigLoader(Map.of("SIMPLETUNER_STATE_DIR", home.toString()), home.toString());
    assertThatThrownBy(() -> loader.load(List.of("--bogus"))).hasMessageContaining("Unknown option: --bogus");
    assertThatThrownBy(() -> loader.load(List.of("--port", "http"))).hasMessageContaining("Port must be a number");
    assertThatThrownBy(() -> loader.load(List.of("--conf", home.resolve("missing.yaml").toString())))
        .hasMessageContaining("does not exist");
    Files.writeString(home.resolve("config.yaml"), "port: [1, 2]\n");
    assertThatThrownBy(() -> loader.load(List.of())).hasMessageContaining("'port' must be a single value");
    Files.writeString(home.resolve("config.yaml"), "limits:\n  rate_per_minute:\n    submit: 0\n");
    assertThatThrownBy(() -> loader.load(List.of())).hasMessageContaining("limits.rate_per_minute.submit");
    Files.writeString(home.resolve("config.yaml"), "host: [unclosed\n");
    assertThatThrownBy(() -> loader.load(List.of())).hasMessageContaining("not valid YAML");
  }

  @Test
  void sharedBucketFromFileWithTheSecretFromTheEnvironment(@TempDir Path home) throws Exception {
    Files.writeString(home.resolve("config.yaml"), """
        storage:
          backend: s3
          s3:
            endpoint: http://minio:9000/
            bucket: team-models
            prefix: /runs/outputs/
            access_key: AKIDEXAMPLE
        """);
    String secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    ServerConfig c = new ConfigLoader(Map.of("SIMPLETUNER_STATE_DIR", home.toString(),
        "SIMPLETUNER_STORAGE_S3_SECRET_KEY", secret), home.toString()).load(List.of());
    SharedBucket bucket = c.storage().bucket();
    assertThat(bucket.endpoint().toString()).isEqualTo("http://minio:9000");
    assertThat(bucket.region()).isEqualTo("us-east-1");
    assertThat(bucket.prefix()).isEqualTo("runs/outputs");
    assertThat(bucket.secretKey()).isEqualTo(secret);
    assertThat(bucket.pathStyle()).isTrue();
    assertThat(bucket.objectUri("runs/outputs/x", null).toString())
        .isEqualTo("http://minio:9000/team-models/runs/outputs/x");
    assertThat(bucket.toString()).doesNotContain(secret);
    assertThat(new ConfigLoader(Map.of("SIMPLETUNER_STATE_DIR", home.toString(),
        "SIMPLETUNER_STORAGE_BACKEND", "local"), home.toString()).load(List.of()).storage().bucket()).isNull();
  }

  @Test
  void sharedBucketMistakesStopTheStart(@TempDir Path home) throws Exception {
    ConfigLoader loader = new ConfigLoader(Map.of("SIMPLETUNER_STATE_DIR", home.toString()), home.toString());
    Files.writeString(home.resolve("config.yaml"), "storage:\n  backend: gcs\n");
    assertThatThrownBy(() -> loader.load(List.of()))
        .hasMessageContaining("'storage.backend' must be 'local' or 's3'");
    Files.writeString(home.resolve("config.yaml"), "storage:\n  backend: s3\n  s3:\n    bucket: b\n");
    assertThatThrownBy(() -> loader.load(List.of()))
        .hasMessageContaining("storage.s3.access_key, storage.s3.secret_key is not set");
    Files.writeString(home.resolve("config.yaml"), "storage:\n  backend: s3\n  s3:\n    endpoint: minio:9000\n"
        + "    bucket: b\n    access_key: k\n    secret_key: s\n");
    assertThatThrownBy(() -> loader.load(List.of()))
        .hasMessageContaining("'storage.s3.endpoint' must be an http(s) URL");
    Files.writeString(home.resolve("config.yaml"), "storage:\n  backend: s3\n  s3:\n    bucket: b\n"
        + "    access_key: k\n    secret_key: s\n    path_style: maybe\n");
    assertThatThrownBy(() -> loader.load(List.of()))
        .hasMessageContaining("'storage.s3.path_style' must be true or false");
  }

  @Test
  void retentionStorageLimitsAndMetricsFromFileAndEnvironment(@TempDir Path home) throws Exception {
    Path state = home.resolve("state");
    Files.createDirectories(state);
    Files.writeString(state.resolve("config.yaml"), """
        storage:
          received_mb_per_job: 2
          min_free_mb: 0
          idle_timeout_seconds: 30
        retention:
          job_days: 30
          batch_size: 100
          notification_days: 14
        metrics:
          categories: [jobs, circuit_breakers]
          scrape_token: from-the-file-0123456789
        """);
    ServerConfig c = new ConfigLoader(Map.of("SIMPLETUNER_STATE_DIR", state.toString(),
        "SIMPLETUNER_METRICS_SCRAPE_TOKEN", "from-the-environment-0123"), home.toString()).load(List.of());
    assertThat(c.storageLimits()).isEqualTo(new ServerConfig.StorageLimits(2L * 1024 * 1024, 0, 30));
    assertThat(c.retention()).isEqualTo(new ServerConfig.Retention(30, 0, 24, 100, 3600, 14));
    assertThat(c.metrics().categories()).containsExactlyInAnyOrder("jobs", "circuit_breakers");
    assertThat(c.metrics().scrapeToken()).isEqualTo("from-the-environment-0123");
    assertThat(dev.simpletuner.cloud.server.metrics.MetricCategory.parse(c.metrics().categories()))
        .extracting(Enum::name).containsExactlyInAnyOrder("JOBS", "PROVIDERS");

    ServerConfig defaults = new ConfigLoader(Map.of(), home.toString()).load(List.of());
    assertThat(defaults.retention().jobDays()).as("kept forever unless asked").isZero();
    assertThat(defaults.metrics().scrapeToken()).isNull();
    assertThat(dev.simpletuner.cloud.server.metrics.MetricCategory.parse(defaults.metrics().categories()))
        .hasSize(dev.simpletuner.cloud.server.metrics.MetricCategory.values().length);
    assertThatThrownBy(() -> dev.simpletuner.cloud.server.metrics.MetricCategory.parse(java.util.Set.of("gpu")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("metrics.categories").hasMessageContaining("jobs");
    assertThatThrownBy(() -> new ConfigLoader(Map.of("SIMPLETUNER_METRICS_SCRAPE_TOKEN", "short"), home.toString())
        .load(List.of())).isInstanceOf(ConfigException.class).hasMessageContaining("at least 16");
  }
}
