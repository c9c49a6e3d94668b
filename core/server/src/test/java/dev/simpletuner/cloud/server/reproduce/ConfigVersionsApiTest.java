package dev.simpletuner.cloud.server.reproduce;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simpletuner.cloud.server.support.Api;
import dev.simpletuner.cloud.server.support.Backend;
import dev.simpletuner.cloud.server.support.Configs;
import dev.simpletuner.cloud.server.support.ServerPerBackend;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Versions of named configs through the HTTP API, and the version and content a job records. */
class ConfigVersionsApiTest extends ServerPerBackend {

  static JsonArray datasets(int resolution) {
    return new JsonArray().add(new JsonObject().put("id", "images").put("type", "local")
        .put("instance_data_dir", System.getProperty("java.io.tmpdir")).put("resolution", resolution));
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void savesAreVersionsThatCanBeListedDiffedAndRestored(Backend backend) {
    Api api = api(backend);
    String name = "versioned-" + UUID.randomUUID().toString().substring(0, 8);
    Api.Response created = api.post("/api/configs", new JsonObject().put("name", name).put("message", "first try")
        .put("config", Configs.lora(10).put("--learning_rate", 1e-4)).put("dataloader_config", datasets(512)));
    assertThat(created.status()).as(created.body()).isEqualTo(201);
    assertThat(created.json().getJsonObject("config").getInteger("version")).isEqualTo(1);

    Api.Response replaced = api.put("/api/configs/" + name, new JsonObject().put("snapshot_message", "higher rank")
        .put("config", Configs.lora(10).put("--learning_rate", 2e-4).put("--lora_rank", 32))
        .put("dataloader_config", datasets(1024)));
    assertThat(replaced.status()).as(replaced.body()).isEqualTo(200);
    assertThat(replaced.json().getInteger("version")).isEqualTo(2);
    assertThat(replaced.json().getJsonObject("config").getInteger("version")).isEqualTo(2);

    JsonObject page = api.get("/api/configs/" + name + "/versions?limit=1").json();
    assertThat(page.getLong("total")).isEqualTo(2);
    assertThat(page.getInteger("current_version")).isEqualTo(2);
    JsonObject newest = page.getJsonArray("versions").getJsonObject(0);
    assertThat(newest.getInteger("version")).isEqualTo(2);
    assertThat(newest.getString("message")).isEqualTo("higher rank");
    assertThat(newest.getString("created_by")).isNotBlank();
    assertThat(newest.containsKey("config")).as("a list leaves the contents out").isFalse();
    assertThat(api.get("/api/configs/" + name + "/versions?limit=1&offset=1").json().getJsonArray("versions")
        .getJsonObject(0).getString("message")).isEqualTo("first try");

    JsonObject v1 = api.get("/api/configs/" + name + "/versions/1").json();
    assertThat(v1.getJsonObject("config").getDouble("--learning_rate")).isEqualTo(1e-4);
    assertThat(api.get("/api/configs/" + name + "/versions/9").status()).isEqualTo(404);
    assertThat(api.get("/api/configs/" + name + "/versions/zero").status()).isEqualTo(400);

    JsonObject diff = api.get("/api/configs/" + name + "/diff?from=1&to=2").json();
    assertThat(diff.getBoolean("identical")).isFalse();
    assertThat(diff.getJsonArray("config")).containsExactly(
        new JsonObject().put("key", "--learning_rate").put("change", "changed").put("old", 1e-4).put("new", 2e-4),
        new JsonObject().put("key", "--lora_rank").put("change", "added").put("old", null).put("new", 32));
    JsonObject dataset = diff.getJsonArray("dataloader").getJsonObject(0);
    assertThat(dataset.getString("key")).isEqualTo("images");
    assertThat(dataset.getString("change")).isEqualTo("changed");
    assertThat(dataset.getJsonObject("old").getInteger("resolution")).isEqualTo(512);
    assertThat(dataset.getJsonObject("new").getInteger("resolution")).isEqualTo(1024);
    assertThat(api.get("/api/configs/" + name + "/diff?from=2").json().getBoolean("identical"))
        .as("to defaults to the current version").isTrue();
    assertThat(api.get("/api/configs/" + name + "/diff?from=1&to=7").status()).isEqualTo(404);
    assertThat(api.get("/api/configs/" + name + "/diff").status()).as("from is required").isEqualTo(400);

    Api.Response restored = api.post("/api/configs/" + name + "/versions/1/restore", new JsonObject());
    assertThat(restored.status()).as(restored.body()).isEqualTo(200);
    assertThat(restored.json().getInteger("version")).isEqualTo(3);
    JsonObject current = api.get("/api/configs/" + name).json();
    assertThat(current.getInteger("version")).isEqualTo(3);
    assertThat(current.getJsonObject("config").containsKey("--lora_rank")).isFalse();
    assertThat(current.getString("content_hash")).isEqualTo(v1.getString("content_hash"));
    JsonObject v3 = api.get("/api/configs/" + name + "/versions/3").json();
    assertThat(v3.getInteger("restored_from")).isEqualTo(1);
    assertThat(v3.getString("message")).isEqualTo("Restored version 1");
    assertThat(api.get("/api/configs/" + name + "/versions/2").json().getJsonObject("config")
        .getInteger("--lora_rank")).as("versions never change").isEqualTo(32);
    assertThat(api.get("/api/configs/nope-" + name + "/versions").status()).isEqualTo(404);
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void aJobRecordsTheVersionItRanAndTheHashOfWhatItRan(Backend backend) {
    Api api = api(backend);
    String name = "hashed-" + UUID.randomUUID().toString().substring(0, 8);
    api.post("/api/configs", new JsonObject().put("name", name).put("config", Configs.lora(3))
        .put("dataloader_config", datasets(512)));
    api.put("/api/configs/" + name, new JsonObject().put("config", Configs.lora(4)).put("dataloader_config",
        datasets(512)));
    Api.Response submitted = api.post("/api/cloud/jobs/submit?provider=local", new JsonObject()
        .put("config_name_to_load", name));
    assertThat(submitted.status()).as(submitted.body()).isEqualTo(200);
    JsonObject job = api.waitFor(submitted.json().getString("job_id"), j -> j.getBoolean("is_terminal"),
        Duration.ofSeconds(60));
    assertThat(job.getInteger("config_version")).isEqualTo(2);
    assertThat(job.getString("config_hash")).isEqualTo(ContentHash.of(job.getJsonObject("config"),
        job.getJsonArray("dataloader_config"))).startsWith("sha256:").hasSize(7 + 64);

    // The same config inline, its keys in another order: no version, the same hash.
    JsonObject reordered = new JsonObject();
    job.getJsonObject("config").fieldNames().stream().sorted(java.util.Comparator.reverseOrder())
        .forEach(k -> reordered.put(k, job.getJsonObject("config").getValue(k)));
    JsonObject inline = api.post("/api/cloud/jobs/submit?provider=local", new JsonObject().put("config", reordered)
        .put("dataloader_config", job.getJsonArray("dataloader_config"))).json().getJsonObject("job");
    assertThat(inline.getValue("config_version")).isNull();
    assertThat(inline.getString("config_hash")).isEqualTo(job.getString("config_hash"));
    JsonObject listed = api.get("/api/cloud/jobs?limit=500").json().getJsonArray("jobs").stream()
        .map(JsonObject.class::cast).filter(j -> j.getString("job_id").equals(job.getString("job_id"))).findFirst()
        .orElseThrow();
    assertThat(listed.getInteger("config_version")).isEqualTo(2);
  }
}
