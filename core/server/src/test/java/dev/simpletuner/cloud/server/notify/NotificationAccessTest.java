package dev.simpletuner.cloud.server.notify;

import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import dev.simpletuner.cloud.server.support.Api;
import dev.simpletuner.cloud.server.support.Backend;
import dev.simpletuner.cloud.server.support.Configs;
import dev.simpletuner.cloud.server.support.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import jakarta.mail.internet.MimeMessage;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Who may do what: channels are the admins', preferences each user's own; a user hears of their
 * own jobs, an admin of everyone's; the history shows a user only their own messages.
 */
class NotificationAccessTest {

  @Test
  void channelsAreForAdminsAndEachUserHearsOfWhatTheyMaySee() throws Exception {
    GreenMail mail = new GreenMail(new ServerSetup(TestServer.freePort(), "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
    mail.start();
    try (TestServer server = TestServer.start(Backend.SQLITE, TestServer.trainerCommand(0.02))) {
      Api api = server.api();
      String[] admin = bearer(api.post("/api/auth/setup/first-admin", new JsonObject().put("username", "owner")
          .put("email", "owner@example.com").put("password", "correct horse battery")).json().getString("token"));
      Api.Response made = api.post("/api/users", new JsonObject().put("username", "rita").put("email",
          "rita@example.com").put("password", "password-rita").put("role", "researcher"), admin);
      assertThat(made.status()).as(made.body()).isEqualTo(200);
      String[] rita = bearer(api.post("/api/auth/login", new JsonObject().put("username", "rita")
          .put("password", "password-rita")).json().getString("token"));

      JsonObject body = new JsonObject().put("channel_type", "email").put("name", "mail").put("smtp_host", "127.0.0.1")
          .put("smtp_port", mail.getSmtp().getPort()).put("smtp_use_tls", false)
          .put("smtp_from_address", "trainer@example.com");
      assertThat(api.post("/api/cloud/notifications/channels", body, rita).status()).isEqualTo(403);
      JsonObject channel = api.post("/api/cloud/notifications/channels", body, admin).json();
      long id = channel.getLong("id");
      assertThat(api.post("/api/cloud/notifications/channels/" + id + "/test", null, rita).status()).isEqualTo(403);
      assertThat(api.delete("/api/cloud/notifications/channels/" + id, rita).status()).isEqualTo(403);
      assertThat(api.get("/api/cloud/notifications/channels", rita).json().getInteger("total")).isEqualTo(1);

      String prefs = "/api/cloud/notifications/preferences";
      JsonObject completed = new JsonObject().put("event_type", "job.completed").put("channel_id", id);
      assertThat(api.post(prefs, completed.copy().put("recipients", new JsonArray().add("boss@example.com")), rita)
          .status()).isEqualTo(403);
      String adminId = api.get("/api/auth/me", admin).json().getString("id");
      assertThat(api.post(prefs, completed.copy().put("user_id", adminId), rita).status()).isEqualTo(403);
      assertThat(api.get(prefs + "?user_id=" + adminId, rita).status()).isEqualTo(403);
      assertThat(api.post(prefs, completed, rita).status()).isEqualTo(200);
      long adminPreference = api.post(prefs, completed, admin).json().getLong("id");
      assertThat(api.delete(prefs + "/" + adminPreference, rita).status()).isEqualTo(404);

      String ritasJob = submit(api, rita);
      String adminsJob = submit(api, admin);
      completed(api, ritasJob, admin);
      completed(api, adminsJob, admin);
      // Rita's job: to Rita and to the admin; the admin's job: to the admin only.
      assertThat(mail.waitForIncomingEmail(20_000, 3)).isTrue();
      Thread.sleep(1500);
      List<String> to = Arrays.stream(mail.getReceivedMessages()).map(NotificationAccessTest::to).sorted().toList();
      assertThat(to).containsExactly("owner@example.com", "owner@example.com", "rita@example.com");

      JsonArray ritasHistory = api.get("/api/cloud/notifications/history", rita).json().getJsonArray("entries");
      assertThat(ritasHistory).hasSize(1);
      assertThat(ritasHistory.getJsonObject(0).getString("job_id")).isEqualTo(ritasJob);
      assertThat(api.get("/api/cloud/notifications/history", admin).json().getJsonArray("entries")).hasSize(3);
    } finally {
      mail.stop();
    }
  }

  private static String to(MimeMessage m) {
    try {
      return m.getAllRecipients()[0].toString();
    } catch (jakarta.mail.MessagingException e) {
      throw new AssertionError(e);
    }
  }

  private static String submit(Api api, String[] auth) {
    Api.Response r = api.post("/api/cloud/jobs/submit?provider=local", new JsonObject().put("config", Configs.lora(3)),
        auth);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return r.json().getString("job_id");
  }

  private static void completed(Api api, String jobId, String[] auth) {
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (!"completed".equals(api.get("/api/cloud/jobs/" + jobId, auth).json().getJsonObject("job")
        .getString("status"))) {
      assertThat(System.nanoTime()).as("job " + jobId + " completed in time").isLessThan(deadline);
      Api.sleep(100);
    }
  }

  private static String[] bearer(String token) {
    return new String[] {"Authorization", "Bearer " + token};
  }
}
