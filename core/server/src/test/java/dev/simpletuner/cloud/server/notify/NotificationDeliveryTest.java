package dev.simpletuner.cloud.server.notify;

import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import dev.simpletuner.cloud.server.support.Api;
import dev.simpletuner.cloud.server.support.Backend;
import dev.simpletuner.cloud.server.support.Configs;
import dev.simpletuner.cloud.server.support.TestCa;
import dev.simpletuner.cloud.server.support.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import jakarta.mail.internet.MimeMessage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Notifications from a real job's timeline to real receivers: a webhook receiver that checks the
 * Standard Webhooks signature, a Slack-shaped receiver, GreenMail as the SMTP server, receivers that
 * fail, and a server restarted between the event and the send.
 */
class NotificationDeliveryTest {
  private static final String SECRET_SPEC_VECTOR = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

  @Test
  void aSignedWebhookAndSlackHearOfTheJobWithItsNameStatusDurationCostAndLink() throws Exception {
    int port = TestServer.freePort();
    Map<String, String> env = new HashMap<>(Map.of("SIMPLETUNER_LOCAL_COMMAND", TestServer.trainerCommand(0.02),
        "SIMPLETUNER_PORT", String.valueOf(port), "SIMPLETUNER_PUBLIC_URL", "http://127.0.0.1:" + port));
    try (Receiver hook = Receiver.ok(0); Receiver slack = Receiver.slack(0);
         TestServer server = TestServer.start(Backend.SQLITE, env)) {
      Api api = server.api();
      JsonObject webhook = created(api, new JsonObject().put("channel_type", "webhook").put("name", "ops hook")
          .put("webhook_url", hook.url("/hook")));
      String secret = webhook.getString("webhook_secret");
      assertThat(secret).startsWith("whsec_");
      JsonObject slackChannel = created(api, new JsonObject().put("channel_type", "slack").put("name", "team")
          .put("webhook_url", slack.url("/services/T000/B000/XXXXSECRET")));
      for (String event : List.of("job.started", "job.completed")) {
        prefer(api, event, webhook.getLong("id"));
      }
      prefer(api, "job.completed", slackChannel.getLong("id"));
      prefer(api, "cost.exceeded", webhook.getLong("id"));
      // A limit of $0 is reached by any job: its end says so.
      Api.Response limit = api.put("/api/cloud/providers/local", new JsonObject().put("cost_limit_enabled", true)
          .put("cost_limit_amount", 0).put("cost_limit_action", "warn"));
      assertThat(limit.status()).as(limit.body()).isEqualTo(200);

      // Shown without secrets, and stored sealed.
      String listed = api.get("/api/cloud/notifications/channels").body();
      assertThat(listed).doesNotContain(secret.substring(6)).doesNotContain("XXXXSECRET").contains("\"webhook_secret_set\":true");
      assertThat(api.get("/api/cloud/notifications/channels/" + slackChannel.getLong("id")).json()
          .getString("webhook_url")).isEqualTo("http://127.0.0.1:" + receiverPort(slack) + "/****");
      assertThat(storedSettings(server)).doesNotContain(secret.substring(6)).doesNotContain("XXXXSECRET")
          .contains("enc:v1:");

      String jobId = api.post("/api/cloud/jobs/submit?provider=local", new JsonObject().put("config",
          Configs.lora(3))).json().getString("job_id");
      api.waitForStatus(jobId, "completed");
      await(() -> hook.ofType("job.completed").size() == 1 && slack.requests.size() == 1, Duration.ofSeconds(20));

      Receiver.Request completed = hook.ofType("job.completed").get(0);
      assertThat(verify(secret, completed)).isTrue();
      assertThat(completed.header("webhook-id")).startsWith("msg_");
      JsonObject body = new JsonObject(completed.body());
      assertThat(body.getString("type")).isEqualTo("job.completed");
      assertThat(body.getString("job_id")).isEqualTo(jobId);
      JsonObject data = body.getJsonObject("data");
      assertThat(data.getString("status")).isEqualTo("completed");
      assertThat(data.getLong("duration_seconds")).isNotNull().isGreaterThanOrEqualTo(0);
      assertThat(data.getString("link")).isEqualTo("http://127.0.0.1:" + port + "/#/job/" + jobId);
      assertThat(body.getString("message")).contains("Job completed").contains("status completed").contains("ran ");
      assertThat(hook.ofType("job.started")).hasSize(1);
      await(() -> hook.ofType("cost.exceeded").size() == 1, Duration.ofSeconds(10));
      JsonObject cost = new JsonObject(hook.ofType("cost.exceeded").get(0).body());
      assertThat(cost.getString("severity")).isEqualTo("error");
      assertThat(cost.getString("message")).contains("Cost limit exceeded");
      assertThat(verify(secret, hook.ofType("job.started").get(0))).isTrue();

      JsonObject slackBody = new JsonObject(slack.requests.get(0).body());
      assertThat(slack.requests.get(0).path()).isEqualTo("/services/T000/B000/XXXXSECRET");
      assertThat(slackBody.getString("text")).contains("Job completed");
      JsonArray blocks = slackBody.getJsonArray("blocks");
      assertThat(blocks.getJsonObject(0).getString("type")).isEqualTo("header");
      assertThat(blocks.getJsonObject(1).getJsonObject("text").getString("type")).isEqualTo("mrkdwn");

      // The receivers have them; the server records the answers a moment later.
      await(() -> api.get("/api/cloud/notifications/history?job_id=" + jobId + "&delivery_status=delivered").json()
          .getJsonArray("entries").size() == 4, Duration.ofSeconds(10));
      JsonArray history = api.get("/api/cloud/notifications/history?job_id=" + jobId).json().getJsonArray("entries");
      assertThat(history).hasSize(4);
      assertThat(history.getJsonObject(0).getJsonArray("attempt_log").getJsonObject(0).getInteger("status_code"))
          .isEqualTo(200);

      // A test send goes out at once, signed too, and is kept in the history.
      JsonObject test = api.post("/api/cloud/notifications/channels/" + webhook.getLong("id") + "/test", null).json();
      assertThat(test.getBoolean("success")).as(test.encode()).isTrue();
      assertThat(verify(secret, hook.ofType("test").get(0))).isTrue();
      assertThat(api.get("/api/cloud/notifications/status").json().getJsonObject("channels").getInteger("total"))
          .isEqualTo(2);
    }
  }

  @Test
  void mailGoesThroughSmtpWithLoginAndAWrongPasswordIsAnsweredInTheHistory() throws Exception {
    GreenMail mail = new GreenMail(new ServerSetup(TestServer.freePort(), "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
    mail.setUser("bot@example.org", "bot", "s3cret-pw");
    mail.start();
    try (TestServer server = TestServer.start(Backend.SQLITE, TestServer.trainerCommand(0.02))) {
      Api api = server.api();
      JsonObject channel = created(api, new JsonObject().put("channel_type", "email").put("name", "mail")
          .put("smtp_host", "127.0.0.1").put("smtp_port", mail.getSmtp().getPort()).put("smtp_username", "bot")
          .put("smtp_password", "s3cret-pw").put("smtp_use_tls", false).put("smtp_from_address", "bot@example.org")
          .put("smtp_from_name", "Trainer"));
      assertThat(channel.encode()).doesNotContain("s3cret-pw");
      assertThat(channel.getBoolean("smtp_password_set")).isTrue();
      api.post("/api/cloud/notifications/preferences", new JsonObject().put("event_type", "job.completed")
          .put("channel_id", channel.getLong("id")).put("recipients", new JsonArray().add("lead@example.org")));

      String jobId = api.post("/api/cloud/jobs/submit?provider=local", new JsonObject().put("config",
          Configs.lora(3))).json().getString("job_id");
      api.waitForStatus(jobId, "completed");
      assertThat(mail.waitForIncomingEmail(20_000, 1)).isTrue();
      MimeMessage received = mail.getReceivedMessages()[0];
      assertThat(received.getSubject()).startsWith("Job completed: ");
      assertThat(received.getAllRecipients()[0].toString()).isEqualTo("lead@example.org");
      assertThat(received.getFrom()[0].toString()).isEqualTo("Trainer <bot@example.org>");
      assertThat(com.icegreen.greenmail.util.GreenMailUtil.getBody(received)).contains("status completed");

      Api.Response changed = api.patch("/api/cloud/notifications/channels/" + channel.getLong("id"),
          new JsonObject().put("smtp_password", "wrong"));
      assertThat(changed.status()).isEqualTo(200);
      JsonObject test = api.post("/api/cloud/notifications/channels/" + channel.getLong("id") + "/test", null).json();
      assertThat(test.getBoolean("success")).isFalse();
      assertThat(test.getString("error")).isNotBlank();
      JsonObject entry = api.get("/api/cloud/notifications/history?delivery_status=dead").json()
          .getJsonArray("entries").getJsonObject(0);
      assertThat(entry.getString("event_type")).isEqualTo("test");
      assertThat(entry.getString("error_message")).isEqualTo(test.getString("error"));

      // STARTTLS asked for, and a server that does not offer it: nothing goes out in the clear.
      JsonObject tls = created(api, new JsonObject().put("channel_type", "email").put("name", "tls")
          .put("smtp_host", "127.0.0.1").put("smtp_port", mail.getSmtp().getPort()).put("smtp_username", "bot")
          .put("smtp_password", "s3cret-pw").put("smtp_from_address", "bot@example.org"));
      assertThat(tls.getBoolean("smtp_use_tls")).isTrue();
      JsonObject refused = api.post("/api/cloud/notifications/channels/" + tls.getLong("id") + "/test", null).json();
      assertThat(refused.getBoolean("success")).isFalse();
      assertThat(refused.getString("error")).containsIgnoringCase("STARTTLS");
      assertThat(mail.getReceivedMessages()).hasSize(1);
    } finally {
      mail.stop();
    }
  }

  @Test
  void mailOverTlsIsSentToAServerWhoseCertificateTheCaBundleVouchesFor(@TempDir Path dir) throws Exception {
    TestCa ca = TestCa.create(dir);
    Path keystore = dir.resolve("smtp.p12");
    Process export = new ProcessBuilder("openssl", "pkcs12", "-export", "-in", ca.certPem().toString(), "-inkey",
        ca.keyPem().toString(), "-out", keystore.toString(), "-passout", "pass:changeit", "-name", "smtp")
        .redirectErrorStream(true).start();
    assertThat(export.waitFor()).isZero();
    // GreenMail's TLS sockets take their key from these properties (DummySSLServerSocketFactory).
    System.setProperty("greenmail.tls.keystore.file", keystore.toString());
    System.setProperty("greenmail.tls.keystore.password", "changeit");
    GreenMail mail = new GreenMail(new ServerSetup(TestServer.freePort(), "127.0.0.1", ServerSetup.PROTOCOL_SMTPS));
    mail.setUser("bot@example.org", "bot", "pw");
    mail.start();
    try (TestServer server = TestServer.start(Backend.SQLITE, Map.of("SIMPLETUNER_LOCAL_COMMAND",
        TestServer.trainerCommand(0.02), "SIMPLETUNER_CA_BUNDLE", ca.caPem().toString()))) {
      Api api = server.api();
      JsonObject channel = created(api, new JsonObject().put("channel_type", "email").put("name", "tls")
          .put("smtp_host", "127.0.0.1").put("smtp_port", mail.getSmtps().getPort()).put("smtp_use_ssl", true)
          .put("smtp_username", "bot").put("smtp_password", "pw").put("smtp_from_address", "bot@example.org"));
      JsonObject test = api.post("/api/cloud/notifications/channels/" + channel.getLong("id") + "/test", null).json();
      assertThat(test.getBoolean("success")).as(test.encode()).isTrue();
      assertThat(mail.waitForIncomingEmail(10_000, 1)).isTrue();
      assertThat(mail.getReceivedMessages()[0].getSubject()).isEqualTo("Test notification");
    } finally {
      mail.stop();
    }
  }

  @Test
  void aFailingReceiverIsRetriedWithBackoffUntilTheMessageIsADeadLetter() {
    Map<String, String> env = Map.of("SIMPLETUNER_LOCAL_COMMAND", TestServer.trainerCommand(0.02),
        "SIMPLETUNER_NOTIFY_MAX_ATTEMPTS", "3", "SIMPLETUNER_NOTIFY_RETRY_SECONDS", "0.3",
        "SIMPLETUNER_NOTIFY_TIMEOUT_SECONDS", "1");
    // 503, then no answer at all, then 500: three attempts, then it is given up.
    try (Receiver failing = Receiver.scripted(0, 500, 503, 0);
         TestServer server = TestServer.start(Backend.SQLITE, env)) {
      Api api = server.api();
      JsonObject channel = created(api, new JsonObject().put("channel_type", "webhook").put("name", "flaky")
          .put("webhook_url", failing.url("/hook")));
      prefer(api, "job.completed", channel.getLong("id"));
      String jobId = api.post("/api/cloud/jobs/submit?provider=local", new JsonObject().put("config",
          Configs.lora(3))).json().getString("job_id");
      api.waitForStatus(jobId, "completed");
      await(() -> !api.get("/api/cloud/notifications/history?delivery_status=dead").json().getJsonArray("entries")
          .isEmpty(), Duration.ofSeconds(30));

      JsonObject dead = api.get("/api/cloud/notifications/history?delivery_status=dead").json()
          .getJsonArray("entries").getJsonObject(0);
      assertThat(dead.getString("job_id")).isEqualTo(jobId);
      assertThat(dead.getBoolean("dead_letter")).isTrue();
      assertThat(dead.getInteger("attempts")).isEqualTo(3);
      JsonArray log = dead.getJsonArray("attempt_log");
      assertThat(log.getJsonObject(0).getInteger("status_code")).isEqualTo(503);
      assertThat(log.getJsonObject(1).getInteger("status_code")).isNull();
      assertThat(log.getJsonObject(1).getString("error")).containsIgnoringCase("time");
      assertThat(log.getJsonObject(2).getInteger("status_code")).isEqualTo(500);
      assertThat(dead.getString("error_message")).startsWith("HTTP 500");
      // The 503 asked for a second (Retry-After), more than the first backoff (0.3 s); then 0.6 s.
      long first = java.time.Instant.parse(log.getJsonObject(1).getString("attempted_at")).toEpochMilli()
          - java.time.Instant.parse(log.getJsonObject(0).getString("attempted_at")).toEpochMilli();
      long second = java.time.Instant.parse(log.getJsonObject(2).getString("attempted_at")).toEpochMilli()
          - java.time.Instant.parse(log.getJsonObject(1).getString("attempted_at")).toEpochMilli();
      assertThat(first).isGreaterThanOrEqualTo(1000);
      assertThat(second).isGreaterThanOrEqualTo(600);
      // Every attempt carried the same message id, for receivers that deduplicate.
      assertThat(failing.ofType("job.completed").stream().map(r -> r.header("webhook-id")).distinct()).hasSize(1);
      assertThat(failing.ofType("job.completed")).hasSize(3);
    }
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void aRestartBetweenTheEventAndTheSendDeliversExactlyOnce(Backend backend) {
    int receiverPort = TestServer.freePort();
    Map<String, String> env = Map.of("SIMPLETUNER_LOCAL_COMMAND", TestServer.trainerCommand(0.02),
        "SIMPLETUNER_NOTIFY_MAX_ATTEMPTS", "20", "SIMPLETUNER_NOTIFY_RETRY_SECONDS", "0.5");
    try (TestServer server = TestServer.start(backend, env)) {
      Api api = server.api();
      JsonObject channel = created(api, new JsonObject().put("channel_type", "webhook").put("name", "later")
          .put("webhook_url", "http://127.0.0.1:" + receiverPort + "/hook"));
      prefer(api, "job.completed", channel.getLong("id"));
      String jobId = api.post("/api/cloud/jobs/submit?provider=local", new JsonObject().put("config",
          Configs.lora(3))).json().getString("job_id");
      api.waitForStatus(jobId, "completed");
      // Nothing listens yet: the first attempt fails and the message waits for a retry.
      await(() -> api.get("/api/cloud/notifications/history?job_id=" + jobId).json().getJsonArray("entries")
          .stream().anyMatch(e -> ((JsonObject) e).getInteger("attempts") >= 1), Duration.ofSeconds(20));
      server.stop();
      try (Receiver hook = Receiver.ok(receiverPort)) {
        server.boot();
        Api again = server.api();
        await(() -> hook.ofType("job.completed").size() >= 1, Duration.ofSeconds(20));
        Api.sleep(3000); // long enough for a second delivery, were one coming
        assertThat(hook.ofType("job.completed")).hasSize(1);
        JsonArray entries = again.get("/api/cloud/notifications/history?job_id=" + jobId).json()
            .getJsonArray("entries");
        assertThat(entries).hasSize(1);
        assertThat(entries.getJsonObject(0).getString("delivery_status")).isEqualTo("delivered");
        assertThat(entries.getJsonObject(0).getJsonArray("attempt_log").getJsonObject(0).getInteger("status_code"))
            .isNull();
      }
    }
  }

  @Test
  void twoInstancesOnOneDatabaseSendEachMessageOnce() {
    // Instances of a cluster share one secret key (README, "Several instances"): either may send.
    Map<String, String> env = Map.of("SIMPLETUNER_LOCAL_COMMAND", TestServer.trainerCommand(0.02),
        "SIMPLETUNER_SECRET_KEY", Base64.getEncoder().encodeToString(new byte[32]));
    try (Receiver hook = Receiver.ok(0); TestServer first = TestServer.start(Backend.POSTGRES, env);
         TestServer second = first.sibling()) {
      JsonObject channel = created(first.api(), new JsonObject().put("channel_type", "webhook").put("name", "both")
          .put("webhook_url", hook.url("/hook")));
      for (String event : List.of("job.submitted", "job.started", "job.completed")) {
        prefer(second.api(), event, channel.getLong("id"));
      }
      String one = second.api().post("/api/cloud/jobs/submit?provider=local", new JsonObject().put("config",
          Configs.lora(3))).json().getString("job_id");
      String two = first.api().post("/api/cloud/jobs/submit?provider=local", new JsonObject().put("config",
          Configs.lora(3))).json().getString("job_id");
      second.api().waitForStatus(one, "completed");
      first.api().waitForStatus(two, "completed");
      await(() -> hook.requests.size() >= 6, Duration.ofSeconds(20));
      Api.sleep(3000);
      assertThat(hook.requests).hasSize(6);
      assertThat(hook.requests.stream().map(r -> r.header("webhook-id")).distinct()).hasSize(6);
    }
  }

  @Test
  void badChannelsAndPreferencesAreRefusedAndChangeNothing() {
    try (TestServer server = TestServer.start(Backend.SQLITE, TestServer.trainerCommand(0.02))) {
      Api api = server.api();
      String base = "/api/cloud/notifications/channels";
      assertThat(api.post(base, new JsonObject().put("channel_type", "pager").put("name", "x")).status())
          .isEqualTo(400);
      assertThat(api.post(base, new JsonObject().put("channel_type", "webhook").put("name", "x")
          .put("webhook_url", "ftp://example.org")).status()).isEqualTo(400);
      assertThat(api.post(base, new JsonObject().put("channel_type", "webhook").put("name", "x")
          .put("webhook_url", "https://example.org/h").put("webhook_secret", "hunter2")).status()).isEqualTo(400);
      assertThat(api.post(base, new JsonObject().put("channel_type", "webhook").put("name", "x")
          .put("webhook_url", "https://example.org/h").put("colour", "red")).json().getString("error"))
          .startsWith("Unknown field 'colour'");
      assertThat(api.post(base, new JsonObject().put("channel_type", "email").put("name", "x")
          .put("smtp_host", "mail.example.org").put("smtp_from_address", "not-an-address")).status()).isEqualTo(400);
      assertThat(api.get(base).json().getInteger("total")).isZero();
      JsonObject hook = created(api, new JsonObject().put("channel_type", "webhook").put("name", "x")
          .put("webhook_url", "https://example.org/h").put("webhook_secret", SECRET_SPEC_VECTOR));
      assertThat(hook.containsKey("webhook_secret")).isFalse();
      assertThat(api.patch(base + "/" + hook.getLong("id"), new JsonObject().put("channel_type", "slack")).status())
          .isEqualTo(400);
      assertThat(api.get(base + "/999").status()).isEqualTo(404);
      assertThat(api.get(base + "/abc").status()).isEqualTo(404);
      String prefs = "/api/cloud/notifications/preferences";
      assertThat(api.post(prefs, new JsonObject().put("event_type", "job.exploded").put("channel_id",
          hook.getLong("id"))).status()).isEqualTo(400);
      assertThat(api.post(prefs, new JsonObject().put("event_type", "job.failed").put("channel_id", 999)).status())
          .isEqualTo(400);
      assertThat(api.post(prefs, new JsonObject().put("event_type", "job.failed").put("channel_id", hook.getLong("id")))
          .status()).isEqualTo(200);
      assertThat(api.post(prefs, new JsonObject().put("event_type", "job.failed").put("channel_id", hook.getLong("id")))
          .status()).isEqualTo(409);
      assertThat(api.get(prefs).json().getInteger("total")).isEqualTo(1);
      long preference = api.get(prefs).json().getJsonArray("preferences").getJsonObject(0).getLong("id");
      assertThat(api.patch(prefs + "/" + preference, new JsonObject().put("min_severity", "loud")).status())
          .isEqualTo(400);
      JsonObject quiet = api.patch(prefs + "/" + preference, new JsonObject().put("is_enabled", false)).json();
      assertThat(quiet.getBoolean("is_enabled")).isFalse();
      assertThat(quiet.getString("min_severity")).isEqualTo("info");
      // Deleting the channel takes its preferences with it.
      assertThat(api.delete(base + "/" + hook.getLong("id")).status()).isEqualTo(200);
      assertThat(api.get(prefs).json().getInteger("total")).isZero();
      assertThat(api.get("/api/cloud/notifications/events").json().getJsonArray("event_types").stream()
          .map(e -> ((JsonObject) e).getString("id"))).contains("job.completed", "cost.exceeded", "approval.required",
          "delivery.failed");
      assertThat(api.get("/api/cloud/notifications/presets/gmail").json().getString("smtp_host"))
          .isEqualTo("smtp.gmail.com");
    }
  }

  @Test
  void theSignatureIsTheStandardWebhooksOne() {
    // The Standard Webhooks libraries' own test vector (see research/external-apis.md, section 4).
    assertThat(StandardWebhooks.sign(SECRET_SPEC_VECTOR, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
        "{\"test\": 2432232314}")).isEqualTo("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  }

  /** The receiver's side of Standard Webhooks, written from the specification, not from our signer. */
  static boolean verify(String secret, Receiver.Request r) throws Exception {
    long ts = Long.parseLong(r.header("webhook-timestamp"));
    if (Math.abs(System.currentTimeMillis() / 1000 - ts) > 300) {
      return false;
    }
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(Base64.getDecoder().decode(secret.substring(6)), "HmacSHA256"));
    byte[] expected = Base64.getEncoder().encode(mac.doFinal((r.header("webhook-id") + "." + ts + "." + r.body())
        .getBytes(StandardCharsets.UTF_8)));
    for (String candidate : r.header("webhook-signature").split(" ")) {
      if (candidate.startsWith("v1,") && MessageDigest.isEqual(expected,
          candidate.substring(3).getBytes(StandardCharsets.UTF_8))) {
        return true;
      }
    }
    return false;
  }

  static JsonObject created(Api api, JsonObject body) {
    Api.Response r = api.post("/api/cloud/notifications/channels", body);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return r.json();
  }

  static void prefer(Api api, String event, long channelId) {
    Api.Response r = api.post("/api/cloud/notifications/preferences", new JsonObject().put("event_type", event)
        .put("channel_id", channelId));
    assertThat(r.status()).as(r.body()).isEqualTo(200);
  }

  private static int receiverPort(Receiver r) {
    return java.net.URI.create(r.url("/")).getPort();
  }

  /** The channels' settings column as stored in the SQLite file. */
  private static String storedSettings(TestServer server) throws Exception {
    Path db;
    try (Stream<Path> files = Files.walk(server.stateDir())) {
      db = files.filter(p -> p.getFileName().toString().equals("jobs.db")).findFirst().orElseThrow();
    }
    StringBuilder out = new StringBuilder();
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db);
         ResultSet rows = c.createStatement().executeQuery("SELECT settings FROM notification_channels")) {
      while (rows.next()) {
        out.append(rows.getString(1)).append('\n');
      }
    }
    return out.toString();
  }

  static void await(BooleanSupplier done, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!done.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within " + timeout);
      }
      Api.sleep(100);
    }
  }
}
