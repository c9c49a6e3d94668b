package dev.simpletuner.cloud.server.plugin;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simpletuner.cloud.server.support.Api;
import dev.simpletuner.cloud.server.support.Backend;
import dev.simpletuner.cloud.server.support.TestServer;
import dev.simpletuner.cloud.spi.SpiVersion;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every call into a plugin goes through one guarded path, and the SPI's threading promises hold:
 * create() on a worker thread, asynchronous calls on an event loop (also the shutdown a plain
 * thread starts), the plugin's class loader as context class loader, a call that never answers
 * fails after the configured timeout, and a provider that keeps failing is paused.
 */
class PluginGuardTest {
  private static final String HEADER = "package com.guard;\nimport dev.simpletuner.cloud.spi.*;\n"
      + "import io.vertx.core.*;\nimport java.nio.file.*;\nimport java.util.*;\n";

  /** A provider whose answers report the thread it was called on; {@code validate} decides what validation does. */
  private static String provider(String name, String validate) {
    return HEADER + "public final class " + name + " implements Provider {\n"
        + "  static String where() { return (Context.isOnEventLoopThread() ? \"event-loop\" : \"not-event-loop\")\n"
        + "      + \" \" + (Thread.currentThread().getContextClassLoader() == " + name + ".class.getClassLoader()"
        + " ? \"plugin-loader\" : \"other-loader\"); }\n"
        + "  final String created; final Path dataDir; int validations;\n"
        + "  " + name + "(ProviderContext ctx) { dataDir = ctx.dataDir(); created = (Context.isOnEventLoopThread()"
        + " ? \"event-loop\" : Thread.currentThread().getName().contains(\"worker\") ? \"worker\" : \"other\")"
        + " + \" \" + (Thread.currentThread().getContextClassLoader() == " + name + ".class.getClassLoader()"
        + " ? \"plugin-loader\" : \"other-loader\"); }\n"
        + "  public List<HardwareOffer> hardware() { return List.of(new HardwareOffer(\"gpu\", \"created on \" + created"
        + " + \", validations \" + validations, 0.0)); }\n"
        + "  public Future<CredentialStatus> validateCredentials() { validations++; " + validate + " }\n"
        + "  public Future<Void> shutdown() { try { Files.writeString(dataDir.resolve(\"shutdown\"), where()); }"
        + " catch (Exception e) { return Future.failedFuture(e); } return Future.succeededFuture(); }\n"
        + "  public Future<SubmittedJob> submit(JobSpec spec) { return Future.failedFuture(\"no\"); }\n"
        + "  public Future<ProviderJobStatus> status(String id) { return Future.failedFuture(\"no\"); }\n"
        + "  public Future<Void> cancel(String id) { return Future.succeededFuture(); }\n}\n";
  }

  private static String factory(String name, String id) {
    return HEADER + "public final class " + name + "Factory implements ProviderFactory {\n"
        + "  public String id() { return \"" + id + "\"; }\n"
        + "  public String displayName() { return \"" + name + "\"; }\n"
        + "  public Provider create(ProviderContext ctx) { return new " + name + "(ctx); }\n}\n";
  }

  @Test
  void everyCallGoesThroughTheGuardOnTheThreadsTheSpiPromises(@TempDir Path plugins, @TempDir Path conf)
      throws Exception {
    Map<String, String> sources = new java.util.HashMap<>();
    sources.put("com.guard.P", HEADER + "public final class P implements Plugin {\n"
        + "  public String name() { return \"guard\"; }\n  public String version() { return \"1\"; }\n"
        + "  public int spiMajor() { return " + SpiVersion.MAJOR + "; }\n"
        + "  public List<ProviderFactory> providerFactories() { return List.of(new ProbeFactory(), new StuckFactory(),"
        + " new FlakyFactory()); }\n}\n");
    sources.put("com.guard.Probe", provider("Probe", "return Future.succeededFuture(CredentialStatus.ok(where()));"));
    sources.put("com.guard.Stuck", provider("Stuck", "return Promise.<CredentialStatus>promise().future();"));
    sources.put("com.guard.Flaky", provider("Flaky", "throw new IllegalStateException(\"service down\");"));
    sources.put("com.guard.ProbeFactory", factory("Probe", "probe"));
    sources.put("com.guard.StuckFactory", factory("Stuck", "stuck"));
    sources.put("com.guard.FlakyFactory", factory("Flaky", "flaky"));
    TestPlugins.jar(plugins.resolve("guard.jar"), sources, List.of("com.guard.P"), List.of());
    Path config = Files.writeString(conf.resolve("config.yaml"), "plugins:\n  call_timeout_seconds: 1\n");

    TestServer server = TestServer.start(Backend.SQLITE, Map.of("SIMPLETUNER_PLUGINS_DIR", plugins.toString(),
        "SIMPLETUNER_CONFIG", config.toString(), "SIMPLETUNER_LOCAL_COMMAND", "true"));
    try (server) {
      Api api = server.api();
      assertThat(hardwareName(api, "probe")).startsWith("created on worker plugin-loader");
      JsonObject probe = api.get("/api/cloud/providers/probe/validate").json();
      assertThat(probe.getBoolean("valid")).isTrue();
      assertThat(probe.getString("username")).isEqualTo("event-loop plugin-loader");

      JsonObject stuck = api.get("/api/cloud/providers/stuck/validate").json();
      assertThat(stuck.getBoolean("valid")).isFalse();
      assertThat(stuck.getString("error")).isEqualTo("provider stuck did not answer (validate credentials) within 1 s");

      // Five outages in a row pause the provider: the sixth call is refused without reaching it.
      for (int i = 0; i < 5; i++) {
        assertThat(api.get("/api/cloud/providers/flaky/validate").json().getString("error")).isEqualTo("service down");
      }
      String sixth = api.get("/api/cloud/providers/flaky/validate").json().getString("error");
      assertThat(sixth).isNotEqualTo("service down");
      assertThat(hardwareName(api, "flaky")).endsWith("validations 5");

      // Stopping from this plain (test) thread: the provider's shutdown still runs on an event loop.
      server.stop();
      assertThat(Files.readString(server.stateDir().resolve("providers/probe/shutdown")))
          .isEqualTo("event-loop plugin-loader");
    }
  }

  private static String hardwareName(Api api, String provider) {
    return api.get("/api/cloud/providers/" + provider).json().getJsonArray("hardware").getJsonObject(0)
        .getString("name");
  }
}
