package dev.simpletuner.cloud.server.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simpletuner.cloud.server.support.Api;
import dev.simpletuner.cloud.server.support.Backend;
import dev.simpletuner.cloud.server.support.Configs;
import dev.simpletuner.cloud.server.support.TestServer;
import io.vertx.core.json.JsonObject;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/** Password guessing is slowed down and locked out; the audit chain shows any edit. */
class AbuseAndAuditTest {

  @Test
  void bruteForceIsRateLimitedAndTheAuditChainCatchesEdits() throws Exception {
    try (TestServer server = TestServer.start(Backend.SQLITE, TestServer.trainerCommand(0.01))) {
      Api api = server.api();
      String admin = api.post("/api/auth/setup/first-admin", new JsonObject().put("username", "owner")
          .put("password", "a long enough password")).json().getString("token");
      // A mixed workload for the audit trail.
      api.post("/api/cloud/jobs/submit?provider=local", new JsonObject().put("config", Configs.lora()),
          "Authorization", "Bearer " + admin);
      api.put("/api/cloud/providers/local", new JsonObject().put("max_concurrent", 2), "Authorization",
          "Bearer " + admin);
      api.post("/api/cloud/auth/api-keys", new JsonObject().put("name", "k"), "Authorization", "Bearer " + admin);

      int refused = 0;
      Api.Response last = null;
      for (int i = 0; i < 15; i++) {
        last = api.post("/api/auth/login", new JsonObject().put("username", "owner").put("password", "guess-" + i));
        if (last.status() == 429) {
          refused++;
        } else {
          assertThat(last.status()).isEqualTo(401);
        }
      }
      assertThat(refused).isGreaterThanOrEqualTo(5);
      assertThat(last.header("Retry-After")).isNotNull();
      assertThat(last.json().getString("code")).isIn("rate_limited", "account_locked");

      String[] auth = {"Authorization", "Bearer " + admin};
      JsonObject failures = api.get("/api/audit?event_type=auth.login.failed", auth).json();
      assertThat(failures.getLong("total")).isGreaterThanOrEqualTo(10);
      assertThat(api.get("/api/audit?event_type=security.rate_limited", auth).json().getLong("total")).isPositive();
      assertThat(api.get("/api/audit?event_type=job.submitted", auth).json().getLong("total")).isEqualTo(1);
      assertThat(api.get("/api/audit?event_type=settings.changed", auth).json().getLong("total")).isEqualTo(1);
      assertThat(api.get("/api/audit?event_type=api_key.created", auth).json().getLong("total")).isEqualTo(1);
      JsonObject ok = api.get("/api/audit/verify", auth).json();
      assertThat(ok.getBoolean("valid")).as(ok.encode()).isTrue();

      try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + server.stateDir().resolve("cloud/jobs.db"));
           Statement st = db.createStatement()) {
        st.executeUpdate("UPDATE audit_log SET actor_name = 'someone-else' WHERE event_type = 'job.submitted'");
      }
      JsonObject broken = api.get("/api/audit/verify", auth).json();
      assertThat(broken.getBoolean("valid")).isFalse();
      assertThat(broken.getString("reason")).contains("changed");
    }
  }
}
