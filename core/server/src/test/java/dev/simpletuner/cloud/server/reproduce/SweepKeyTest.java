package dev.simpletuner.cloud.server.reproduce;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simpletuner.cloud.server.support.Api;
import dev.simpletuner.cloud.server.support.Backend;
import dev.simpletuner.cloud.server.support.Configs;
import dev.simpletuner.cloud.server.support.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** A sweep made with an API key runs as that key, not as its owner's whole role. */
class SweepKeyTest {

  private static String[] bearer(String token) {
    return new String[] {"Authorization", "Bearer " + token};
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void aSweepMadeWithAKeyIsBoundByItAndStopsWhenItIsRevoked(Backend backend) {
    try (TestServer server = TestServer.start(backend, TestServer.trainerCommand(0.3))) {
      Api api = server.api();
      String admin = api.post("/api/auth/setup/first-admin", new JsonObject().put("username", "owner")
          .put("email", "owner@example.com").put("password", "correct horse battery")).json().getString("token");
      // An admin's key scoped to submitting and seeing its own jobs.
      Api.Response made = api.post("/api/cloud/auth/api-keys", new JsonObject().put("name", "sweeps")
          .put("scoped_permissions", new JsonArray().add("job.submit").add("job.view.own")), bearer(admin));
      assertThat(made.status()).as(made.body()).isEqualTo(200);
      String key = made.json().getString("key");
      String keyId = api.get("/api/cloud/auth/api-keys", bearer(admin)).json().getJsonArray("keys").stream()
          .map(JsonObject.class::cast).filter(k -> key.startsWith(k.getString("key_prefix"))).findFirst()
          .orElseThrow().getString("id");
      api.post("/api/configs", new JsonObject().put("name", "keyed").put("config", Configs.lora(4)), bearer(admin));

      JsonArray runs = new JsonArray();
      for (int i = 0; i < 3; i++) {
        runs.add(new JsonObject().put("config", new JsonObject().put("--seed", i)));
      }
      Api.Response sweep = api.post("/api/cloud/sweeps", new JsonObject().put("provider", "local")
          .put("base", new JsonObject().put("config_name", "keyed")).put("runs", runs).put("max_concurrent", 1)
          .put("continue_on_error", true), "X-API-Key", key);
      assertThat(sweep.status()).as(sweep.body()).isEqualTo(200);
      String sweepId = sweep.json().getString("sweep_id");
      String firstJob = sweep.json().getJsonArray("runs").getJsonObject(0).getString("job_id");
      assertThat(firstJob).isNotNull();

      // The run was submitted as the key: the audit trail names it.
      JsonArray audit = api.get("/api/audit?event_type=job.submitted&target_id=" + firstJob, bearer(admin)).json()
          .getJsonArray("entries");
      assertThat(audit.encode()).as(audit.encodePrettily()).contains(keyId);

      assertThat(api.delete("/api/cloud/auth/api-keys/" + keyId, bearer(admin)).status()).isEqualTo(200);
      long deadline = System.nanoTime() + 120_000_000_000L;
      JsonObject seen = api.get("/api/cloud/sweeps/" + sweepId, bearer(admin)).json();
      while ("running".equals(seen.getString("status")) && System.nanoTime() < deadline) {
        Api.sleep(200);
        seen = api.get("/api/cloud/sweeps/" + sweepId, bearer(admin)).json();
      }
      assertThat(seen.getString("status")).as(seen.encodePrettily()).isEqualTo("completed");
      JsonArray after = seen.getJsonArray("runs");
      assertThat(after.getJsonObject(0).getString("job_status")).isEqualTo("completed");
      for (int i = 1; i < 3; i++) {
        assertThat(after.getJsonObject(i).getString("status")).as("the revoked key submits nothing more")
            .isEqualTo("submit_failed");
        assertThat(after.getJsonObject(i).getString("job_id")).isNull();
        assertThat(after.getJsonObject(i).getString("error")).contains("API key");
      }
      assertThat(api.get("/api/cloud/jobs?limit=500", bearer(admin)).json().getJsonArray("jobs").stream()
          .map(JsonObject.class::cast).filter(j -> sweepId.equals(j.getString("sweep_id"))).count()).isEqualTo(1);
    }
  }
}
