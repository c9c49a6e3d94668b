package dev.simpletuner.cloud.server.notify;

import static dev.simpletuner.cloud.server.notify.NotificationDeliveryTest.await;
import static dev.simpletuner.cloud.server.notify.NotificationDeliveryTest.created;
import static dev.simpletuner.cloud.server.notify.NotificationDeliveryTest.prefer;
import static dev.simpletuner.cloud.server.notify.NotificationDeliveryTest.verify;
import static org.assertj.core.api.Assertions.assertThat;

import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.retention.RetentionPurge;
import dev.simpletuner.cloud.server.support.Api;
import dev.simpletuner.cloud.server.support.Backend;
import dev.simpletuner.cloud.server.support.TestServer;
import dev.simpletuner.cloud.server.support.WireAgent;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server's own events as notifications, to real receivers: a worker that stops sending
 * heartbeats (a signed webhook), an audit chain that fails verification in the periodic check and
 * in {@code GET /api/audit/verify} (Slack, once however often it is found); both listed as
 * events to choose; and the history's retention purging what was sent and keeping what was not.
 */
class SystemEventsTest {
  private static final long DAY_MS = 24L * 3600 * 1000;

  @Test
  void aSilentWorkerAndABrokenAuditChainAreToldOnceAndOldHistoryIsPurged(@TempDir Path tmp) throws Exception {
    Path config = tmp.resolve("config.yaml");
    Files.writeString(config, "retention:\n  notification_days: 30\n");
    try (Receiver hook = Receiver.ok(0); Receiver slack = Receiver.slack(0);
         TestServer server = TestServer.start(Backend.SQLITE, Map.of("SIMPLETUNER_HEARTBEAT_TIMEOUT", "3",
             "SIMPLETUNER_CONFIG", config.toString()))) {
      Api api = server.api();
      ServerContext ctx = server.server().context();
      assertThat(api.get("/api/cloud/notifications/events").json().getJsonArray("event_types").stream()
          .map(e -> ((JsonObject) e).getString("id")))
          .contains("system.worker_offline", "system.audit_chain_broken");
      JsonObject webhook = created(api, new JsonObject().put("channel_type", "webhook").put("name", "ops hook")
          .put("webhook_url", hook.url("/hook")));
      JsonObject team = created(api, new JsonObject().put("channel_type", "slack").put("name", "team")
          .put("webhook_url", slack.url("/services/T000/B000/XXXXSECRET")));
      prefer(api, "system.worker_offline", webhook.getLong("id"));
      prefer(api, "system.audit_chain_broken", team.getLong("id"));

      // A worker connects, beats once, then falls silent.
      Api.Response made = api.post("/api/admin/workers", new JsonObject().put("name", "gpu-box"));
      assertThat(made.status()).as(made.body()).isEqualTo(200);
      try (WireAgent agent = new WireAgent(api, made.json().getString("token"))) {
        assertThat(agent.register("gpu-box", true, null).status()).isEqualTo(200);
        agent.openStream();
        assertThat(agent.heartbeat("idle", null).status()).isEqualTo(200);
        await(() -> !hook.ofType("system.worker_offline").isEmpty(), Duration.ofSeconds(30));
      }
      Receiver.Request offline = hook.ofType("system.worker_offline").get(0);
      assertThat(verify(webhook.getString("webhook_secret"), offline)).isTrue();
      JsonObject body = new JsonObject(offline.body());
      assertThat(body.getString("message")).contains("Worker offline").contains("gpu-box").contains("no heartbeat");
      assertThat(body.getString("severity")).isEqualTo("warning");
      assertThat(body.getJsonObject("data").getString("worker_name")).isEqualTo("gpu-box");

      // Someone edits an audit row in the database: the periodic check finds it, then the API does.
      Path db = server.stateDir().resolve("cloud/jobs.db");
      long tampered;
      try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
        try (ResultSet r = s.executeQuery("SELECT MIN(id) FROM audit_log")) {
          tampered = r.getLong(1);
        }
        s.executeUpdate("UPDATE audit_log SET outcome = 'rewritten' WHERE id = " + tampered);
      }
      new RetentionPurge(server.server().vertx(), ctx).run().await();
      await(() -> slack.requests.size() == 1, Duration.ofSeconds(15));
      String text = new JsonObject(slack.requests.get(0).body()).getString("text");
      assertThat(text).contains("Audit chain verification failed").contains("entry " + tampered)
          .contains("the periodic check");
      JsonObject verified = api.get("/api/audit/verify").json();
      assertThat(verified.getBoolean("valid")).isFalse();
      assertThat(verified.getLong("first_broken_id")).isEqualTo(tampered);
      Api.sleep(2_500); // two delivery ticks: the same break is not told again
      assertThat(slack.requests).hasSize(1);
      assertThat(hook.ofType("system.worker_offline")).as("one silence, one message").hasSize(1);

      // History: what was sent more than notification_days ago goes (with its attempts), the rest stays.
      try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement()) {
        s.executeUpdate("UPDATE notification_outbox SET created_at = created_at - " + 40 * DAY_MS
            + " WHERE event_type = 'system.worker_offline'");
        s.executeUpdate("UPDATE server_events SET created_at = created_at - " + 40 * DAY_MS
            + " WHERE event_type = 'system.worker_offline'");
      }
      RetentionPurge.Report report = new RetentionPurge(server.server().vertx(), ctx).run().await();
      assertThat(report.notifications()).isEqualTo(1);
      assertThat(api.get("/api/cloud/notifications/history").json().getJsonArray("entries").stream()
          .map(e -> ((JsonObject) e).getString("event_type"))).containsExactly("system.audit_chain_broken");
      try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement s = c.createStatement();
           ResultSet r = s.executeQuery("SELECT COUNT(*) FROM server_events")) {
        assertThat(r.getLong(1)).as("the old worker event went, the audit one stays").isEqualTo(1);
      }
    }
  }
}
