package dev.simpletuner.cloud.server.plugin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simpletuner.cloud.server.support.Api;
import dev.simpletuner.cloud.server.support.Backend;
import dev.simpletuner.cloud.server.support.Configs;
import dev.simpletuner.cloud.server.support.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Third-party plugin jars built during the test, dropped into a plugins directory, loaded by the
 * real server: the good ones work, the bad ones are refused with the reason, none stops the server.
 */
class PluginLoadingTest {
  private static final Path EXAMPLE = Path.of(System.getProperty("user.dir")).resolve("../../examples/simulated-cloud")
      .normalize();
  private static final Path JACKSON_2_17 = Path.of("target/plugin-libs");

  @Test
  void loadsIsolatesAndRefusesPlugins(@TempDir Path plugins) throws Exception {
    TestPlugins.jar(plugins.resolve("simulated-cloud.jar"), TestPlugins.sourcesOf(EXAMPLE),
        List.of("com.example.simcloud.SimulatedCloudPlugin"), List.of());
    TestPlugins.jar(plugins.resolve("old-spi.jar"), TestPlugins.plugin("com.old", "old-spi", 99, "old", "\"Old\"",
        "return new Q();", "\"gpu\""), List.of("com.old.P"), List.of());
    TestPlugins.jar(plugins.resolve("broken-factory.jar"), TestPlugins.plugin("com.broken", "broken-factory",
        dev.simpletuner.cloud.spi.SpiVersion.MAJOR, "broken", "\"Broken\"",
        "throw new IllegalStateException(\"no licence file\");", "\"gpu\""), List.of("com.broken.P"), List.of());
    TestPlugins.jar(plugins.resolve("zz-duplicate.jar"), TestPlugins.plugin("com.dup", "duplicate",
        dev.simpletuner.cloud.spi.SpiVersion.MAJOR, "simulated", "\"Impostor\"", "return new Q();", "\"gpu\""),
        List.of("com.dup.P"), List.of());
    TestPlugins.jar(plugins.resolve("bad-services.jar"), TestPlugins.plugin("com.bad", "bad-services",
        dev.simpletuner.cloud.spi.SpiVersion.MAJOR, "bad", "\"Bad\"", "return new Q();", "\"gpu\""),
        List.of("com.bad.DoesNotExist"), List.of());
    // Bundles its own (older) Jackson; reports the version it sees and its context class loader.
    List<Path> jackson;
    try (Stream<Path> libs = Files.list(JACKSON_2_17)) {
      jackson = libs.filter(p -> p.toString().endsWith(".jar")).toList();
    }
    Path clash = Files.createDirectories(plugins.resolve("jackson-clash/lib"));
    for (Path lib : jackson) {
      Files.copy(lib, clash.resolve(lib.getFileName()));
    }
    TestPlugins.jar(plugins.resolve("jackson-clash/jackson-clash.jar"), TestPlugins.plugin("com.clash",
        "jackson-clash", dev.simpletuner.cloud.spi.SpiVersion.MAJOR, "jackson-clash",
        "\"Jackson \" + com.fasterxml.jackson.databind.cfg.PackageVersion.VERSION",
        "return new Q();",
        "(Thread.currentThread().getContextClassLoader() == getClass().getClassLoader() ? \"tccl-plugin\" "
            + ": \"tccl-other\") + \" \" + new com.fasterxml.jackson.databind.ObjectMapper().version()"),
        List.of("com.clash.P"), jackson);

    try (TestServer server = TestServer.start(Backend.SQLITE, Map.of("SIMPLETUNER_PLUGINS_DIR", plugins.toString(),
        "SIMPLETUNER_LOCAL_COMMAND", "true"))) {
      Api api = server.api();
      JsonArray listed = api.get("/api/plugins").json().getJsonArray("plugins");
      assertThat(status(listed, "simulated-cloud")).isEqualTo("loaded");
      assertThat(error(listed, "old-spi")).contains("SPI major 99");
      assertThat(error(listed, "broken-factory")).contains("no licence file");
      assertThat(error(listed, "duplicate")).contains("'simulated'").contains("simulated-cloud");
      assertThat(errorAt(listed, "bad-services.jar")).contains("com.bad.DoesNotExist");
      assertThat(status(listed, "jackson-clash")).isEqualTo("loaded");
      assertThat(status(listed, "local")).isEqualTo("loaded");

      // The plugin's own Jackson wins inside the plugin, the server's outside it.
      JsonObject clashProvider = api.get("/api/cloud/providers/jackson-clash").json();
      assertThat(clashProvider.getString("name")).isEqualTo("Jackson 2.17.2");
      assertThat(clashProvider.getJsonArray("hardware").getJsonObject(0).getString("name"))
          .isEqualTo("tccl-plugin 2.17.2");
      assertThat(com.fasterxml.jackson.databind.cfg.PackageVersion.VERSION.toString()).isNotEqualTo("2.17.2");

      // A job on the third-party provider goes through the same lifecycle as a built-in one.
      api.put("/api/cloud/providers/simulated", new JsonObject().put("seconds_per_job", 1).put("api_key", "k"));
      assertThat(api.get("/api/cloud/providers/simulated").json().getJsonObject("settings").getString("api_key"))
          .isEqualTo("****");
      String jobId = api.post("/api/cloud/jobs/submit?provider=simulated", new JsonObject()
          .put("config", Configs.lora(5))).json().getString("job_id");
      JsonObject job = api.waitFor(jobId, j -> {
        api.postEmpty("/api/cloud/jobs/sync");
        return j.getBoolean("is_terminal");
      }, Duration.ofSeconds(30));
      assertThat(job.getString("status")).isEqualTo("completed");
      assertThat(job.getString("job_type")).isEqualTo("cloud");
      assertThat(job.getDouble("cost_usd")).isCloseTo(1.0 * 0.0014, org.assertj.core.data.Offset.offset(1e-6));
    }
  }

  private static JsonObject find(JsonArray plugins, String name) {
    return plugins.stream().map(JsonObject.class::cast).filter(p -> name.equals(p.getString("name"))).findFirst()
        .orElseThrow(() -> new AssertionError("no plugin " + name + " in " + plugins.encodePrettily()));
  }

  private static String status(JsonArray plugins, String name) {
    return find(plugins, name).getString("status");
  }

  private static String error(JsonArray plugins, String name) {
    JsonObject p = find(plugins, name);
    assertThat(p.getString("status")).isEqualTo("refused");
    return p.getString("error");
  }

  private static String errorAt(JsonArray plugins, String location) {
    return plugins.stream().map(JsonObject.class::cast).filter(p -> p.getString("location").endsWith(location))
        .findFirst().orElseThrow().getString("error");
  }
}
