package dev.simpletuner.cloud.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simpletuner.cloud.server.support.Api;
import dev.simpletuner.cloud.server.support.Backend;
import dev.simpletuner.cloud.server.support.TestServer;
import io.vertx.core.json.JsonObject;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * SimpleTuner's own command line (run unchanged from SIMPLETUNER_SOURCE) against this server,
 * command by command: exit status and what it prints, as its users see them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReferenceCliTest {
  @TempDir
  static Path tmp;
  private TestServer server;
  private Api api;
  private ReferenceCli cli;

  private HttpServer statusPage;

  @BeforeAll
  void start() throws IOException {
    statusPage = StatusPageFake.start();
    server = TestServer.start(Backend.SQLITE, Map.of("REPLICATE_STATUS_URL", StatusPageFake.url(statusPage)));
    api = server.api();
    cli = new ReferenceCli(api.base(), null, tmp.resolve("cli"));
  }

  @AfterAll
  void stop() {
    server.close();
    statusPage.stop(0);
  }

  private ReferenceCli.Run ok(String... args) {
    ReferenceCli.Run run = cli.run(args);
    assertThat(run.exit()).as(run.toString()).isZero();
    return run;
  }

  @Test
  void costLimitIsShownAsSetAndCanBeDisabled() {
    assertThat(ok("cloud", "cost-limit", "set", "--amount", "50", "--period", "weekly", "--action", "block").out())
        .contains("Cost limit set: $50.0 per weekly (block)");
    assertThat(ok("cloud", "cost-limit", "show").out())
        .contains("Enabled: True").contains("Amount:  $50.00").contains("Period:  weekly").contains("Action:  block");
    JsonObject live = api.get("/api/cloud/providers/replicate").json().getJsonObject("config");
    assertThat(live.getBoolean("cost_limit_enabled")).isTrue();
    assertThat(live.getDouble("cost_limit_amount")).isEqualTo(50.0);

    assertThat(ok("cloud", "cost-limit", "disable").out()).contains("Cost limit disabled.");
    assertThat(ok("cloud", "cost-limit", "show").out()).contains("Enabled: False").contains("Period:  weekly");
  }

  @Test
  void configSetTakesJsonTypesAndShowMasksTheToken() {
    assertThat(ok("cloud", "config", "set", "http_timeout", "45").out())
        .contains("Configuration updated: http_timeout = 45");
    assertThat(api.get("/api/cloud/providers/replicate/config").json().getJsonObject("config")
        .getValue("http_timeout")).isInstanceOf(Number.class).hasToString("45");

    assertThat(ok("cloud", "config", "set-token", "--token", "r8_secret_token_value_1234").out())
        .contains("API token saved successfully.");
    String shown = ok("cloud", "config", "show").out();
    assertThat(shown).contains("api_token: ***").contains("http_timeout: 45")
        .doesNotContain("r8_secret_token_value_1234");
    String json = ok("cloud", "config", "show", "--format", "json").out();
    assertThat(json).doesNotContain("r8_secret_token_value_1234");

    assertThat(ok("cloud", "config", "delete-token").out()).contains("API token deleted successfully.");
    assertThat(api.get("/api/cloud/providers/replicate").json().getJsonObject("config").getValue("api_token")).isNull();
  }

  @Test
  void aRefusalPrintsTheServersSentence() {
    ReferenceCli.Run bad = cli.run("cloud", "config", "set", "cost_limit_period", "fortnightly");
    assertThat(bad.exit()).as(bad.toString()).isEqualTo(1);
    assertThat(bad.err()).startsWith("Error: ").contains("cost_limit_period", "weekly").doesNotContain("HTTP Error");
  }

  @Test
  void cloudStatusShowsTheServerAndReplicatesStatusPage() {
    ReferenceCli.Run status = ok("cloud", "status");
    assertThat(status.out()).contains("Overall Status: [+] HEALTHY").contains("[+] database: sqlite")
        .contains("Replicate Status:").contains("[!] 1 ongoing incident(s)").contains("[i] 1 scheduled maintenance(s)");
    assertThat(status.err()).isEmpty();
  }

  @Test
  void jobsStatusAndTheDryRunReadTheQueueAndValidateTheConfig() {
    assertThat(api.post("/api/configs", new JsonObject().put("name", "no-family").put("config", new JsonObject()
        .put("--model_type", "lora").put("--max_train_steps", 10))).status()).isEqualTo(201);
    assertThat(api.post("/api/cloud/jobs/submit?provider=local", new JsonObject().put("config", new JsonObject()
        .put("--model_family", "flux").put("--model_type", "lora").put("--optimizer", "adamw_bf16")
        .put("--max_train_steps", 1)).put("dataloader_config", new io.vertx.core.json.JsonArray())).status())
        .isEqualTo(200);

    String status = ok("jobs", "status").out();
    assertThat(status).containsPattern("Queue Depth:\\s+\\d").contains("Max Concurrent:      ").doesNotContain("Error");
    String json = ok("jobs", "status", "--format", "json").out();
    assertThat(new JsonObject(json).getJsonObject("by_status").fieldNames()).isNotEmpty();

    ReferenceCli.Run dry = ok("jobs", "submit", "no-family", "--dry-run");
    assertThat(dry.out()).contains("Worker Pool:").contains("Queue Status:")
        .contains("[X] Config has errors:").contains("--model_family");
    assertThat(dry.err()).doesNotContain("Not found");
  }

  @Test
  void remoteShutdownIsRefusedUnlessTheServerAllowsIt() {
    ReferenceCli.Run refused = cli.run("shutdown");
    assertThat(refused.exit()).as(refused.toString()).isEqualTo(1);
    assertThat(refused.err()).contains("Remote shutdown is off on this server");
    assertThat(api.get("/api/cloud/health/live").status()).isEqualTo(200);
  }

  @Test
  void remoteShutdownStopsAServerThatAllowsIt() {
    TestServer allowing = TestServer.start(Backend.SQLITE, Map.of("SIMPLETUNER_ALLOW_REMOTE_SHUTDOWN", "true"));
    ReferenceCli.Run run = new ReferenceCli(allowing.api().base(), null, tmp.resolve("shutdown")).run("shutdown");
    assertThat(run.exit()).as(run.toString()).isZero();
    assertThat(run.out()).contains("Server is shutting down gracefully.");
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (reachable(allowing.api())) {
      assertThat(System.nanoTime()).as("the server still answers 30 s after the shutdown request").isLessThan(deadline);
      Api.sleep(200);
    }
    TestServer.deleteTree(allowing.stateDir());
  }

  private static boolean reachable(Api api) {
    try {
      return api.get("/api/cloud/health/live").status() == 200;
    } catch (AssertionError | RuntimeException e) {
      return false; // Api fails the request once nothing listens

    }
  }

  @Test
  void familiesThisServerDoesNotServeSaySoInsteadOfNotFound() {
    for (String[] command : new String[][] {{"quota", "list"},
        {"auth", "orgs", "list"}, {"database", "health"}, {"auth", "users", "levels", "create", "--name", "ops"}}) {
      ReferenceCli.Run run = cli.run(command);
      assertThat(run.exit()).as(run.toString()).isEqualTo(1);
      assertThat(run.err()).as(String.join(" ", command)).startsWith("Error: ").contains("not served")
          .doesNotContain("Not found").doesNotContain("HTTP Error");
    }
  }

  @Test
  void backupsAreListedWithTheBackupCommands() {
    assertThat(ok("backup", "list").out()).contains("No backups found.");
  }

  @Test
  void notificationChannelsAndPreferencesAreManagedWithTheNotificationsCommands() {
    assertThat(ok("notifications", "channel-create", "--type", "webhook", "--name", "ops",
        "--webhook-url", "https://hooks.example.org/st").out()).contains("Channel created:").contains("Type: webhook");
    JsonObject channel = api.get("/api/cloud/notifications/channels").json().getJsonArray("channels").getJsonObject(0);
    String id = String.valueOf(channel.getLong("id"));
    assertThat(ok("notifications", "channels").out()).contains("ops").contains("webhook")
        .contains("https://hooks.example.or"); // the CLI cuts the column at 24 characters
    assertThat(ok("notifications", "preference-create", "--event-type", "job.failed", "--channel-id", id)
        .out()).contains("Event Type: job.failed");
    assertThat(ok("notifications", "preferences").out()).contains("job.failed");
    assertThat(ok("notifications", "events").out()).contains("job.completed").contains("cost.exceeded");
    assertThat(ok("notifications", "presets").out()).contains("smtp.gmail.com");
    assertThat(ok("notifications", "status").out()).contains("Total:   1");
    assertThat(ok("notifications", "history").out()).contains("No delivery history found.");
    assertThat(ok("notifications", "channel-delete", id).out()).contains("Channel " + id + " deleted.");
    assertThat(api.get("/api/cloud/notifications/channels").json().getInteger("total")).isZero();
  }

  @Test
  void approvalRulesShowTheirTypeAndRequestsAreNamedByNumber() {
    assertThat(api.post("/api/approvals/rules", new JsonObject().put("name", "big spend").put("condition",
        "cost_exceeds").put("threshold", "25")).status()).isEqualTo(200);
    assertThat(ok("jobs", "approval", "rules").out()).containsPattern("\\[\\+] Rule rule_\\w+: cost_exceeds");
    JsonObject rule = api.get("/api/approvals/rules").json().getJsonArray("rules").getJsonObject(0);
    assertThat(rule.getBoolean("enabled")).isTrue();
    assertThat(rule.getLong("number")).isPositive();
    assertThat(api.delete("/api/approvals/rules/" + rule.getLong("number")).status()).isEqualTo(200);
    assertThat(api.get("/api/approvals/rules").json().getJsonArray("rules")).isEmpty();
  }
}
