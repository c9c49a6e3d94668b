package dev.simpletuner.cloud.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simpletuner.cloud.server.support.Api;
import dev.simpletuner.cloud.server.support.Backend;
import dev.simpletuner.cloud.server.support.Configs;
import dev.simpletuner.cloud.server.support.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * A local job's output folder through the outputs API: its files listed and downloaded (whole and
 * by range), and nothing outside it: no traversal, no symbolic link followed out, someone else's
 * job looks missing and a key without job.view is refused.
 */
class LocalOutputsTest {

  @Test
  void aLocalJobsOutputFolderIsListedAndDownloadedAndNothingOutsideIt() throws Exception {
    try (TestServer server = TestServer.start(Backend.SQLITE, TestServer.trainerCommand(0.02))) {
      Api api = server.api();
      Api.Response submitted = api.post("/api/cloud/jobs/submit?provider=local", new JsonObject()
          .put("config", Configs.lora(2)));
      assertThat(submitted.status()).as(submitted.body()).isEqualTo(200);
      String jobId = submitted.json().getString("job_id");
      Path folder = Path.of(URI.create(api.waitForStatus(jobId, "completed").getString("output_url")));
      byte[] model = "weights-0123456789".getBytes(StandardCharsets.UTF_8);
      Files.write(folder.resolve("model.safetensors"), model);
      Files.createDirectories(folder.resolve("checkpoint-1"));
      Files.writeString(folder.resolve("checkpoint-1/optimizer.bin"), "optimizer");
      // Outside the folder, reachable only through links the listing and download must not follow.
      Path outside = Files.createTempDirectory("st-outside-");
      Files.writeString(outside.resolve("secret.txt"), "do not serve me");
      Files.createSymbolicLink(folder.resolve("leak.txt"), outside.resolve("secret.txt"));
      Files.createSymbolicLink(folder.resolve("linked"), outside);

      String admin = api.post("/api/auth/setup/first-admin", new JsonObject().put("username", "owner")
          .put("email", "owner@example.com").put("password", "correct horse battery")).json().getString("token");
      Api.Response listed = api.get("/api/cloud/jobs/" + jobId + "/outputs", Api.bearer(admin));
      assertThat(listed.status()).as(listed.body()).isEqualTo(200);
      assertThat(listed.json().getJsonObject("folder").getString("path")).isEqualTo(folder.toString());
      Map<String, JsonObject> files = listed.json().getJsonArray("files").stream().map(JsonObject.class::cast)
          .collect(Collectors.toMap(f -> f.getString("path"), f -> f));
      assertThat(files).containsKeys("model.safetensors", "checkpoint-1/optimizer.bin")
          .doesNotContainKeys("leak.txt", "linked", "linked/secret.txt");
      JsonObject entry = files.get("model.safetensors");
      assertThat(entry.getString("source")).isEqualTo("folder");
      assertThat(entry.getLong("size")).isEqualTo(model.length);
      assertThat(listed.json().getLong("total_bytes")).isEqualTo(files.values().stream()
          .mapToLong(f -> f.getLong("size")).sum());

      Api.BytesResponse whole = api.getBytes(entry.getString("download_url"), Api.bearer(admin));
      assertThat(whole.status()).isEqualTo(200);
      assertThat(whole.body()).isEqualTo(model);
      assertThat(whole.header("Content-Disposition")).contains("model.safetensors");
      Api.BytesResponse part = api.getBytes(entry.getString("download_url"), Api.concat(Api.bearer(admin), "Range", "bytes=8-11"));
      assertThat(part.status()).isEqualTo(206);
      assertThat(new String(part.body(), StandardCharsets.UTF_8)).isEqualTo("0123");
      assertThat(part.header("Content-Range")).isEqualTo("bytes 8-11/" + model.length);
      assertThat(api.get(entry.getString("download_url"), Api.concat(Api.bearer(admin), "Range", "bytes=500-")).status())
          .isEqualTo(416);
      assertThat(new String(api.getBytes(download(jobId, "checkpoint-1/optimizer.bin"), Api.bearer(admin)).body(),
          StandardCharsets.UTF_8)).isEqualTo("optimizer");

      // Nothing outside the folder, however the path is spelled.
      for (String path : List.of("../" + folder.getFileName() + "/model.safetensors", "checkpoint-1/../model.safetensors",
          "../../../../etc/passwd", "/etc/passwd", folder.resolve("model.safetensors").toString(), "leak.txt",
          "linked/secret.txt", "linked", "checkpoint-1", "./model.safetensors", "checkpoint-1//optimizer.bin")) {
        Api.Response refused = api.get(download(jobId, path), Api.bearer(admin));
        assertThat(refused.status()).as(path).isEqualTo(404);
        assertThat(refused.body()).doesNotContain("do not serve me");
      }
      // A received file of that name does not exist: the folder is only read with source=folder.
      assertThat(api.get("/api/cloud/jobs/" + jobId + "/outputs/download?path=model.safetensors", Api.bearer(admin))
          .status()).isEqualTo(404);

      // A config may name any output folder, but never one that would serve the server's own state.
      for (Path named : List.of(server.stateDir(), server.stateDir().getParent(), server.stateDir().resolve("cloud"))) {
        Api.Response r = api.post("/api/cloud/jobs/submit?provider=local", new JsonObject()
            .put("config", Configs.lora(1).put("--output_dir", named.toString())), Api.bearer(admin));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        String risky = r.json().getString("job_id");
        JsonObject ended = api.waitFor(risky, j -> j.getBoolean("is_terminal"), java.time.Duration.ofSeconds(60),
            Api.bearer(admin));
        assertThat(ended.getString("status")).isEqualTo("completed");
        assertThat(Path.of(URI.create(ended.getString("output_url")))).isEqualTo(named);
        Api.Response out = api.get("/api/cloud/jobs/" + risky + "/outputs", Api.bearer(admin));
        assertThat(out.status()).as(out.body()).isEqualTo(200);
        assertThat(out.json().getJsonArray("files")).as("nothing listed for %s", named).isEmpty();
        for (String path : List.of("cloud/jobs.db", "jobs.db", "secret.key", server.stateDir().getFileName() + "/secret.key")) {
          assertThat(api.get(download(risky, path), Api.bearer(admin)).status()).as(named + " " + path).isEqualTo(404);
        }
      }

      // Someone else's job looks missing; a key without job.view is refused.
      assertThat(api.post("/api/users", new JsonObject().put("username", "victor").put("password", "password-victor")
          .put("role", "viewer"), Api.bearer(admin)).status()).isEqualTo(200);
      String viewer = api.post("/api/auth/login", new JsonObject().put("username", "victor")
          .put("password", "password-victor")).json().getString("token");
      Api.Response key = api.post("/api/cloud/auth/api-keys", new JsonObject().put("name", "submit-only")
          .put("scoped_permissions", new JsonArray().add("job.submit")), Api.bearer(admin));
      for (String path : List.of("/api/cloud/jobs/" + jobId + "/outputs", download(jobId, "model.safetensors"))) {
        Api.Response hidden = api.get(path, Api.bearer(viewer));
        assertThat(hidden.status()).as(path).isEqualTo(404);
        assertThat(hidden.json().getString("code")).isEqualTo("job_not_found");
        Api.Response refused = api.get(path, "X-API-Key", key.json().getString("key"));
        assertThat(refused.status()).as(path).isEqualTo(403);
      }
    }
  }

  private static String download(String jobId, String path) {
    return "/api/cloud/jobs/" + jobId + "/outputs/download?source=folder&path=" + URLEncoder.encode(path,
        StandardCharsets.UTF_8);
  }
}
