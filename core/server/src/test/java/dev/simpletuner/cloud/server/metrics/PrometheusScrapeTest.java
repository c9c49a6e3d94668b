package dev.simpletuner.cloud.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.job.Job;
import dev.simpletuner.cloud.server.job.JobStatus;
import dev.simpletuner.cloud.server.job.JobType;
import dev.simpletuner.cloud.server.store.JobUpdate;
import dev.simpletuner.cloud.server.support.Api;
import dev.simpletuner.cloud.server.support.Backend;
import dev.simpletuner.cloud.server.support.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A real Prometheus (Debian's package) scrapes a running server with the scrape token, and PromQL
 * over what it stored finds the jobs by status and the spend; the endpoint refuses whoever has
 * neither the token nor metrics.read, and exports only the configured categories.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PrometheusScrapeTest {
  private static final String TOKEN = "scrape-" + UUID.randomUUID();
  private final HttpClient http = HttpClient.newHttpClient();
  private TestServer server;
  private Api api;
  private Path work;
  private Process prometheus;
  private int prometheusPort;
  private String admin;

  @BeforeAll
  void start() throws Exception {
    work = Files.createTempDirectory("st-prometheus-");
    Path config = work.resolve("config.yaml");
    Files.writeString(config, "metrics:\n  scrape_token: " + TOKEN + "\n  categories: [jobs, cost, health, http]\n");
    server = TestServer.start(Backend.SQLITE, Map.of("SIMPLETUNER_LOCAL_COMMAND", "sleep 600",
        "SIMPLETUNER_CONFIG", config.toString()));
    api = server.api();
    ServerContext ctx = server.server().context();
    long now = ctx.now();
    finished(ctx, JobStatus.COMPLETED, now, 1.25);
    finished(ctx, JobStatus.COMPLETED, now, 1.25);
    finished(ctx, JobStatus.COMPLETED, now, 1.25);
    finished(ctx, JobStatus.FAILED, now, 0.5);
    Api.Response created = api.post("/api/auth/setup/first-admin", new JsonObject().put("username", "owner")
        .put("email", "owner@example.com").put("password", "correct horse battery"));
    assertThat(created.status()).as(created.body()).isEqualTo(200);
    admin = created.json().getString("token");

    prometheusPort = TestServer.freePort();
    Path prometheusConfig = work.resolve("prometheus.yml");
    Files.writeString(prometheusConfig, """
        global:
          scrape_interval: 1s
        scrape_configs:
          - job_name: simpletuner
            metrics_path: /api/cloud/metrics/prometheus
            authorization:
              type: Bearer
              credentials: %s
            static_configs:
              - targets: ['127.0.0.1:%d']
        """.formatted(TOKEN, server.server().port()));
    prometheus = new ProcessBuilder("prometheus", "--config.file=" + prometheusConfig,
        "--storage.tsdb.path=" + work.resolve("tsdb"), "--web.listen-address=127.0.0.1:" + prometheusPort)
        .redirectErrorStream(true).redirectOutput(work.resolve("prometheus.log").toFile()).start();
  }

  @AfterAll
  void stop() throws Exception {
    if (prometheus != null) {
      prometheus.destroy();
      prometheus.waitFor();
    }
    server.close();
    TestServer.deleteTree(work);
  }

  private static void finished(ServerContext ctx, JobStatus status, long now, double cost) {
    String id = UUID.randomUUID().toString();
    ctx.store().jobs().submit(Job.submitted(id, "local", JobType.LOCAL, "local", JobStatus.RUNNING, "cfg", "run", null,
        null, 0.001, 0.0, now - 60_000, new JsonObject(), new JsonArray(), new JsonObject(), null, null), null, null)
        .await();
    ctx.store().jobs().update(id, JobStatus.ACTIVE, JobUpdate.create().status(status).completedAt(now - 1000)
        .costUsd(cost), now).await().orElseThrow();
  }

  /** A PromQL instant query's single value, polled until Prometheus has scraped something for it. */
  private double query(String promql) throws Exception {
    URI uri = URI.create("http://127.0.0.1:" + prometheusPort + "/api/v1/query?query="
        + URLEncoder.encode(promql, StandardCharsets.UTF_8));
    String last = "";
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      try {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
        last = r.body();
        if (r.statusCode() == 200) {
          JsonArray result = new JsonObject(r.body()).getJsonObject("data").getJsonArray("result");
          if (!result.isEmpty()) {
            assertThat(result).as(r.body()).hasSize(1);
            return Double.parseDouble(result.getJsonObject(0).getJsonArray("value").getString(1));
          }
        }
      } catch (IOException notYet) {
        last = notYet.toString(); // Prometheus still starting
      }
      Thread.sleep(500);
    }
    throw new AssertionError("No series for " + promql + " within 60 s; last answer: " + last + "; log: "
        + Files.readString(work.resolve("prometheus.log")));
  }

  @Test
  void prometheusScrapesJobCountsAndCostWithTheToken() throws Exception {
    assertThat(query("up{job=\"simpletuner\"}")).as("the scrape succeeds").isEqualTo(1.0);
    assertThat(query("simpletuner_jobs{status=\"completed\",provider=\"local\"}")).isEqualTo(3.0);
    assertThat(query("simpletuner_jobs{status=\"failed\",provider=\"local\"}")).isEqualTo(1.0);
    assertThat(query("sum(simpletuner_jobs)")).isEqualTo(4.0);
    assertThat(query("simpletuner_spend_usd{provider=\"local\"}")).as("3 x 1.25 + 0.5").isEqualTo(4.25);
    assertThat(query("simpletuner_uptime_seconds > 0")).isPositive();
  }

  @Test
  void withoutTheTokenOrThePermissionTheEndpointRefuses() {
    assertThat(api.get("/metrics").status()).as("no credentials").isEqualTo(401);
    assertThat(api.get("/api/cloud/metrics/prometheus", "Authorization", "Bearer " + TOKEN + "x").status())
        .as("a wrong token").isEqualTo(401);
    Api.Response made = api.post("/api/users", new JsonObject().put("username", "vera").put("password",
        "password-vera").put("role", "lead"), "Authorization", "Bearer " + admin);
    assertThat(made.status()).as(made.body()).isEqualTo(200);
    String lead = api.post("/api/auth/login", new JsonObject().put("username", "vera").put("password",
        "password-vera")).json().getString("token");
    assertThat(api.get("/metrics", "Authorization", "Bearer " + lead).status()).as("no metrics.read").isEqualTo(403);
    Api.Response asAdmin = api.get("/api/metrics/prometheus", "Authorization", "Bearer " + admin);
    assertThat(asAdmin.status()).isEqualTo(200);
    assertThat(asAdmin.header("Content-Type")).startsWith("text/plain; version=0.0.4");
  }

  @Test
  void theReferenceCliGetsJson() {
    // simpletuner/cli/cloud/api.py sends Accept: application/json and reads "metrics" (cli/metrics.py).
    Api.Response raw = api.get("/api/metrics/prometheus", "Authorization", "Bearer " + TOKEN, "Accept",
        "application/json");
    assertThat(raw.status()).isEqualTo(200);
    assertThat(raw.json().getString("metrics")).contains("simpletuner_uptime_seconds");
    JsonObject info = api.get("/api/metrics/prometheus/info", "Authorization", "Bearer " + TOKEN).json();
    assertThat(info.getBoolean("enabled")).isTrue();
    assertThat(info.getJsonArray("categories")).containsExactlyInAnyOrder("jobs", "cost", "health", "http");
    assertThat(info.getJsonArray("metric_families")).contains("simpletuner_uptime_seconds");
  }

  @Test
  void onlyTheConfiguredCategoriesAreExported() {
    Api.Response scraped = api.get("/metrics", "Authorization", "Bearer " + TOKEN);
    assertThat(scraped.status()).isEqualTo(200);
    assertThat(scraped.body()).contains("simpletuner_jobs{", "simpletuner_uptime_seconds",
        "vertx_http_server_requests_total{", "endpoint=\"api\"")
        .doesNotContain("vertx_pool_", "simpletuner_event_loop_delay", "simpletuner_circuit_breaker_state");
  }
}
