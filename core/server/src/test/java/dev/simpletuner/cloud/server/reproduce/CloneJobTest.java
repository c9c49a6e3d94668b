package dev.simpletuner.cloud.server.reproduce;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simpletuner.cloud.server.support.Api;
import dev.simpletuner.cloud.server.support.Backend;
import dev.simpletuner.cloud.server.support.Configs;
import dev.simpletuner.cloud.server.support.ServerPerBackend;
import dev.simpletuner.cloud.server.support.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** {@code POST /api/cloud/jobs/{id}/clone} on the local provider with the example trainer. */
class CloneJobTest extends ServerPerBackend {

  private static JsonObject dataset(String id, int resolution) {
    return new JsonObject().put("id", id).put("type", "local")
        .put("instance_data_dir", System.getProperty("java.io.tmpdir")).put("resolution", resolution);
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void aCloneRunsTheParentWithTheOverridesAndRecordsWhatDiffers(Backend backend) {
    Api api = api(backend);
    String name = "clone-base-" + UUID.randomUUID().toString().substring(0, 8);
    api.post("/api/configs", new JsonObject().put("name", name).put("config", Configs.lora(3).put("--lora_rank", 8)
        .put("--seed", 42)).put("dataloader_config", new JsonArray().add(dataset("a", 512)).add(dataset("b", 512))));
    String parentId = api.post("/api/cloud/jobs/submit?provider=local", new JsonObject()
        .put("config_name_to_load", name).put("tracker_run_name", "first")).json().getString("job_id");
    JsonObject parent = api.waitFor(parentId, j -> j.getBoolean("is_terminal"), Duration.ofSeconds(60));
    assertThat(parent.getString("status")).isEqualTo("completed");

    JsonObject overrides = new JsonObject()
        .put("config", new JsonObject().put("--lora_rank", 16).put("--max_train_steps", 4).putNull("--seed"))
        .put("dataloader", new JsonArray().add(dataset("b", 1024)).add(dataset("c", 256)))
        .put("remove_datasets", new JsonArray().add("a")).put("idempotency_key", "again-" + parentId);
    Api.Response cloned = api.post("/api/cloud/jobs/" + parentId + "/clone", overrides);
    assertThat(cloned.status()).as(cloned.body()).isEqualTo(200);
    String cloneId = cloned.json().getString("job_id");
    assertThat(cloneId).isNotEqualTo(parentId);
    JsonObject clone = api.waitFor(cloneId, j -> j.getBoolean("is_terminal"), Duration.ofSeconds(60));
    assertThat(clone.getString("status")).isEqualTo("completed");
    assertThat(clone.getString("parent_job_id")).isEqualTo(parentId);
    assertThat(clone.getString("config_name")).isEqualTo(name);
    assertThat(clone.getString("provider")).isEqualTo("local");
    JsonObject config = clone.getJsonObject("config");
    assertThat(config.getInteger("--lora_rank")).isEqualTo(16);
    assertThat(config.getInteger("--max_train_steps")).isEqualTo(4);
    assertThat(config.containsKey("--seed")).isFalse();
    assertThat(config.getString("--model_family")).as("the rest is the parent's").isEqualTo("flux");
    assertThat(clone.getJsonArray("dataloader_config")).containsExactly(dataset("b", 1024), dataset("c", 256));
    assertThat(clone.getString("config_hash")).isNotEqualTo(parent.getString("config_hash"));
    assertThat(clone.getJsonObject("progress").getInteger("current")).isEqualTo(4);

    JsonObject changes = clone.getJsonObject("clone_changes");
    assertThat(changes.getBoolean("identical")).isFalse();
    assertThat(changes.getJsonArray("config")).containsExactly(
        new JsonObject().put("key", "--lora_rank").put("change", "changed").put("old", 8).put("new", 16),
        new JsonObject().put("key", "--max_train_steps").put("change", "changed").put("old", 3).put("new", 4),
        new JsonObject().put("key", "--seed").put("change", "removed").put("old", 42).put("new", null));
    assertThat(changes.getJsonArray("dataloader").stream().map(c -> ((JsonObject) c).getString("key") + ":"
        + ((JsonObject) c).getString("change")).toList()).containsExactly("a:removed", "b:changed", "c:added");
    assertThat(changes.containsKey("provider")).isFalse();

    Api.Response retried = api.post("/api/cloud/jobs/" + parentId + "/clone", overrides);
    assertThat(retried.json().getBoolean("idempotent_hit")).isTrue();
    assertThat(retried.json().getString("job_id")).isEqualTo(cloneId);
    Api.Response reused = api.post("/api/cloud/jobs/" + parentId + "/clone", overrides.copy()
        .put("config", new JsonObject().put("--lora_rank", 32)));
    assertThat(reused.status()).as("the key with other overrides").isEqualTo(409);

    JsonObject same = api.post("/api/cloud/jobs/" + parentId + "/clone", new JsonObject()).json();
    JsonObject plain = api.waitFor(same.getString("job_id"), j -> j.getBoolean("is_terminal"), Duration.ofSeconds(60));
    assertThat(plain.getJsonObject("clone_changes").getBoolean("identical")).isTrue();
    assertThat(plain.getString("config_hash")).as("the same run again").isEqualTo(parent.getString("config_hash"));

    assertThat(api.post("/api/cloud/jobs/no-such-job/clone", new JsonObject()).status()).isEqualTo(404);
    Api.Response nowhere = api.post("/api/cloud/jobs/" + parentId + "/clone", new JsonObject()
        .put("provider", "nowhere"));
    assertThat(nowhere.status()).as("as a submission to an unknown provider").isEqualTo(400);
    assertThat(nowhere.json().getString("error")).contains("nowhere");
    assertThat(api.post("/api/cloud/jobs/" + parentId + "/clone", new JsonObject().put("dataloader",
        new JsonArray().add(new JsonObject().put("resolution", 5)))).status()).isEqualTo(400);
    assertThat(api.post("/api/cloud/jobs/" + parentId + "/clone", new JsonObject().put("config",
        new JsonObject().putNull("--model_type"))).status()).as("the submit checks apply").isEqualTo(400);
  }

  @Test
  void onlyThoseWhoSeeTheParentAndMaySubmitCanCloneIt() {
    try (TestServer server = TestServer.start(Backend.SQLITE, TestServer.trainerCommand(0.02))) {
      Api api = server.api();
      String admin = api.post("/api/auth/setup/first-admin", new JsonObject().put("username", "owner")
          .put("email", "owner@example.com").put("password", "correct horse battery")).json().getString("token");
      String rita = user(api, admin, "rita", "researcher");
      String rob = user(api, admin, "rob", "researcher");
      String victor = user(api, admin, "victor", "viewer");
      String ritasJob = api.post("/api/cloud/jobs/submit?provider=local", new JsonObject().put("config",
          Configs.lora(2)), bearer(rita)).json().getString("job_id");

      assertThat(api.post("/api/cloud/jobs/" + ritasJob + "/clone", new JsonObject(), bearer(rob)).status())
          .as("another researcher's job looks missing").isEqualTo(404);
      assertThat(api.post("/api/cloud/jobs/" + ritasJob + "/clone", new JsonObject(), bearer(victor)).status())
          .as("a viewer may not submit").isEqualTo(403);
      assertThat(api.post("/api/cloud/jobs/" + ritasJob + "/clone", new JsonObject()).status()).isEqualTo(401);
      Api.Response byAdmin = api.post("/api/cloud/jobs/" + ritasJob + "/clone", new JsonObject(), bearer(admin));
      assertThat(byAdmin.status()).as(byAdmin.body()).isEqualTo(200);
      JsonObject job = byAdmin.json().getJsonObject("job");
      assertThat(job.getString("owner_id")).as("the clone is the caller's").isNotEqualTo(
          api.job(ritasJob, bearer(admin)).getString("owner_id"));
      assertThat(job.getString("parent_job_id")).isEqualTo(ritasJob);
      Api.Response byRita = api.post("/api/cloud/jobs/" + ritasJob + "/clone", new JsonObject(), bearer(rita));
      assertThat(byRita.status()).isEqualTo(200);
    }
  }

  private static String[] bearer(String token) {
    return new String[] {"Authorization", "Bearer " + token};
  }

  private static String user(Api api, String admin, String name, String role) {
    Api.Response made = api.post("/api/users", new JsonObject().put("username", name)
        .put("password", "password-" + name).put("role", role), bearer(admin));
    assertThat(made.status()).as(made.body()).isEqualTo(200);
    return api.post("/api/auth/login", new JsonObject().put("username", name).put("password", "password-" + name))
        .json().getString("token");
  }
}
