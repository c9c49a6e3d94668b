package dev.simpletuner.cloud.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simpletuner.cloud.server.support.Api;
import dev.simpletuner.cloud.server.support.Backend;
import dev.simpletuner.cloud.server.support.ServerPerBackend;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pre-submit summary: what would be uploaded, and what stops a submission. */
class UploadSummaryTest extends ServerPerBackend {

  @Test
  void summarisesDatasetsAndNamesWhatIsRefused(@TempDir Path data) throws Exception {
    Path images = Files.createDirectories(data.resolve("images"));
    for (int i = 0; i < 3; i++) {
      Files.write(images.resolve("img" + i + ".jpg"), new byte[10_000]);
      Files.writeString(images.resolve("img" + i + ".txt"), "a photo of sks dog");
    }
    Files.writeString(images.resolve(".DS_Store"), "x");
    Path secrets = Files.createDirectories(data.resolve("with-secret"));
    Files.writeString(secrets.resolve("server.pem"), "-----BEGIN PRIVATE KEY-----");
    Path links = Files.createDirectories(data.resolve("with-link"));
    Files.createSymbolicLink(links.resolve("passwd.txt"), Path.of("/etc/passwd"));

    Api api = api(Backend.SQLITE);
    JsonObject good = api.post("/api/cloud/jobs/upload-summary?provider=local", new JsonObject()
        .put("dataloader_config", new JsonArray().add(dataset("dogs", images)))).json();
    assertThat(good.getLong("total_files")).isEqualTo(6);
    assertThat(good.getLong("total_bytes")).isEqualTo(3 * 10_000 + 3 * "a photo of sks dog".length());
    assertThat(good.getJsonArray("errors")).isEmpty();
    assertThat(good.getJsonArray("warnings").encode()).contains("hidden");
    JsonObject dogs = good.getJsonArray("datasets").getJsonObject(0);
    assertThat(dogs.getInteger("images")).isEqualTo(3);
    assertThat(dogs.getInteger("captions")).isEqualTo(3);
    assertThat(good.getLong("archive_estimate_bytes")).isGreaterThan(30_000);

    JsonObject bad = api.post("/api/cloud/jobs/upload-summary?provider=local", new JsonObject()
        .put("dataloader_config", new JsonArray().add(dataset("secret", secrets)).add(dataset("link", links))
            .add(dataset("system", Path.of("/etc"))).add(dataset("missing", data.resolve("nope"))))).json();
    String errors = bad.getJsonArray("errors").encode();
    assertThat(errors).contains("server.pem").contains("points outside the dataset").contains("system directory")
        .contains("does not exist");
  }

  private static JsonObject dataset(String id, Path dir) {
    return new JsonObject().put("id", id).put("type", "local").put("instance_data_dir", dir.toString())
        .put("caption_strategy", "textfile");
  }
}
