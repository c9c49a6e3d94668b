package dev.simpletuner.cloud.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.artifact.ArtifactFiles;
import dev.simpletuner.cloud.server.store.ArtifactStore.Artifact;
import dev.simpletuner.cloud.server.support.Api;
import dev.simpletuner.cloud.server.support.Artifacts;
import dev.simpletuner.cloud.server.support.Backend;
import dev.simpletuner.cloud.server.support.Configs;
import dev.simpletuner.cloud.server.support.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.awt.Color;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A job's artifacts over HTTP on a real server: artifacts put in place through its real store and
 * files, listed, downloaded (headers, 304), refused to those who may not see the job, and removed
 * with the job.
 */
class ArtifactRoutesTest {

  @ParameterizedTest
  @EnumSource(Backend.class)
  void listedDownloadedGuardedAndRemovedWithTheJob(Backend backend) throws Exception {
    try (TestServer server = TestServer.start(backend, TestServer.trainerCommand(0.02))) {
      Api api = server.api();
      ServerContext ctx = server.server().context();
      // Jobs made in single-user mode belong to the first admin once there is one.
      String jobId = submit(api);
      String otherJob = submit(api);
      api.waitFor(jobId, j -> j.getBoolean("is_terminal"), java.time.Duration.ofSeconds(60));
      api.waitFor(otherJob, j -> j.getBoolean("is_terminal"), java.time.Duration.ofSeconds(60));
      String admin = api.post("/api/auth/setup/first-admin", new JsonObject().put("username", "owner")
          .put("email", "owner@example.com").put("password", "correct horse battery")).json().getString("token");

      byte[] red = Artifacts.png(64, 48, Color.RED);
      byte[] blue = Artifacts.png(32, 32, Color.BLUE);
      Artifact first = Artifacts.record(ctx, jobId, 100L, "cat", "a cat on a mat", "image/png", red, 1_000);
      Artifact second = Artifacts.record(ctx, jobId, 200L, "dog", "a dog <b>in</b> a hat", "image/png", blue, 2_000);
      Artifact html = Artifacts.record(ctx, jobId, null, null, null, "text/html",
          "<script>alert(1)</script>".getBytes(StandardCharsets.UTF_8), 3_000);
      Artifact foreign = Artifacts.record(ctx, otherJob, 5L, "x", "y", "image/png", red, 500);

      // The list: oldest first, the API's shape, the total and the cap.
      Api.Response listed = api.get("/api/cloud/jobs/" + jobId + "/artifacts", Api.bearer(admin));
      assertThat(listed.status()).as(listed.body()).isEqualTo(200);
      JsonObject body = listed.json();
      assertThat(body.getString("job_id")).isEqualTo(jobId);
      assertThat(body.getLong("total_bytes")).isEqualTo((long) red.length + blue.length + html.sizeBytes());
      assertThat(body.getLong("limit_bytes")).isEqualTo(ctx.config().callbacks().artifactBytesPerJob())
          .isEqualTo(256L * 1024 * 1024);
      JsonArray items = body.getJsonArray("artifacts");
      assertThat(items.stream().map(o -> ((JsonObject) o).getString("artifact_id")).toList())
          .containsExactly(first.artifactId(), second.artifactId(), html.artifactId());
      JsonObject one = items.getJsonObject(1);
      assertThat(one.fieldNames()).containsExactlyInAnyOrder("artifact_id", "kind", "step", "label", "prompt",
          "content_type", "size_bytes", "sha256", "created_at", "url");
      assertThat(one.getString("kind")).isEqualTo("validation_image");
      assertThat(one.getLong("step")).isEqualTo(200L);
      assertThat(one.getString("label")).isEqualTo("dog");
      assertThat(one.getString("prompt")).isEqualTo("a dog <b>in</b> a hat");
      assertThat(one.getString("content_type")).isEqualTo("image/png");
      assertThat(one.getLong("size_bytes")).isEqualTo(blue.length);
      assertThat(one.getString("sha256")).isEqualTo(Artifacts.sha256(blue));
      assertThat(one.getString("created_at")).isEqualTo("1970-01-01T00:00:02Z");
      assertThat(one.getString("url")).isEqualTo("/api/cloud/jobs/" + jobId + "/artifacts/" + second.artifactId());
      assertThat(items.getJsonObject(2).getValue("step")).isNull();

      // The file: its bytes and type, cached for good under its SHA-256; 304 when the client has it.
      Api.BytesResponse file = api.getBytes(one.getString("url"), Api.concat(Api.bearer(admin), "Accept-Encoding", "gzip"));
      assertThat(file.status()).isEqualTo(200);
      assertThat(file.body()).isEqualTo(blue);
      assertThat(file.header("Content-Type")).isEqualTo("image/png");
      assertThat(file.header("Content-Length")).isEqualTo(String.valueOf(blue.length));
      assertThat(file.header("Content-Encoding")).isNull();
      String etag = "\"" + Artifacts.sha256(blue) + "\"";
      assertThat(file.header("ETag")).isEqualTo(etag);
      assertThat(file.header("Cache-Control")).isEqualTo("private, max-age=31536000, immutable");
      Api.BytesResponse cached = api.getBytes(one.getString("url"), Api.concat(Api.bearer(admin), "If-None-Match", etag));
      assertThat(cached.status()).isEqualTo(304);
      assertThat(cached.body()).isEmpty();
      assertThat(cached.header("ETag")).isEqualTo(etag);
      assertThat(api.getBytes(one.getString("url"), Api.concat(Api.bearer(admin), "If-None-Match", "\"other\", W/" + etag))
          .status()).isEqualTo(304);
      assertThat(api.getBytes(one.getString("url"), Api.concat(Api.bearer(admin), "If-None-Match", "\"other\"")).status())
          .isEqualTo(200);
      // A type that is not media is not served as itself.
      Api.BytesResponse page = api.getBytes(items.getJsonObject(2).getString("url"), Api.bearer(admin));
      assertThat(page.status()).isEqualTo(200);
      assertThat(page.header("Content-Type")).isEqualTo("application/octet-stream");
      assertThat(page.header("X-Content-Type-Options")).isEqualTo("nosniff");

      // Unknown ids, another job's artifact and an unknown job are all 404.
      Api.Response unknown = api.get("/api/cloud/jobs/" + jobId + "/artifacts/art_nope", Api.bearer(admin));
      assertThat(unknown.status()).isEqualTo(404);
      assertThat(unknown.json().getString("code")).isEqualTo("not_found");
      assertThat(unknown.header("Cache-Control")).isNull();
      assertThat(api.get("/api/cloud/jobs/" + jobId + "/artifacts/" + foreign.artifactId(), Api.bearer(admin)).status())
          .isEqualTo(404);
      assertThat(api.getBytes("/api/cloud/jobs/" + otherJob + "/artifacts/" + foreign.artifactId(), Api.bearer(admin))
          .body()).isEqualTo(red);
      Api.Response noJob = api.get("/api/cloud/jobs/nope/artifacts", Api.bearer(admin));
      assertThat(noJob.status()).isEqualTo(404);
      assertThat(noJob.json().getString("code")).isEqualTo("job_not_found");
      assertThat(api.get("/api/cloud/jobs/nope/artifacts/" + first.artifactId(), Api.bearer(admin)).json()
          .getString("code")).isEqualTo("job_not_found");

      // A record whose file is not on this server (another instance's disk, a hand-cleaned folder): 404.
      Artifact gone = Artifacts.record(ctx, otherJob, 6L, "gone", null, "image/png", red, 600);
      Files.delete(new ArtifactFiles(ctx.config()).file(otherJob, gone.artifactId(), "image/png"));
      Api.Response missing = api.get("/api/cloud/jobs/" + otherJob + "/artifacts/" + gone.artifactId(), Api.bearer(admin));
      assertThat(missing.status()).isEqualTo(404);
      assertThat(missing.json().getString("code")).isEqualTo("not_found");
      assertThat(missing.header("Cache-Control")).isNull();
      assertThat(missing.header("ETag")).isNull();

      // A viewer sees only their own jobs: someone else's looks missing. A key without job.view is refused.
      assertThat(api.post("/api/users", new JsonObject().put("username", "victor").put("password", "password-victor")
          .put("role", "viewer"), Api.bearer(admin)).status()).isEqualTo(200);
      String viewer = api.post("/api/auth/login", new JsonObject().put("username", "victor")
          .put("password", "password-victor")).json().getString("token");
      for (String path : List.of("/api/cloud/jobs/" + jobId + "/artifacts", one.getString("url"))) {
        Api.Response refused = api.get(path, Api.bearer(viewer));
        assertThat(refused.status()).as(path).isEqualTo(404);
        assertThat(refused.json().getString("code")).isEqualTo("job_not_found");
      }
      Api.Response key = api.post("/api/cloud/auth/api-keys", new JsonObject().put("name", "submit-only")
          .put("scoped_permissions", new JsonArray().add("job.submit")), Api.bearer(admin));
      assertThat(key.status()).as(key.body()).isEqualTo(200);
      for (String path : List.of("/api/cloud/jobs/" + jobId + "/artifacts", one.getString("url"))) {
        Api.Response refused = api.get(path, "X-API-Key", key.json().getString("key"));
        assertThat(refused.status()).as(path).isEqualTo(403);
        assertThat(refused.json().getString("code")).isEqualTo("permission_denied");
      }

      // Deleting the job removes its records and files, and nothing of another job.
      ArtifactFiles files = new ArtifactFiles(ctx.config());
      assertThat(files.file(jobId, first.artifactId(), "image/png")).exists();
      assertThat(files.file(jobId, html.artifactId(), "text/html").getFileName().toString()).endsWith(".bin");
      assertThat(api.delete("/api/cloud/jobs/" + jobId, Api.bearer(admin)).status()).isEqualTo(200);
      assertThat(ctx.store().artifacts().list(jobId).await()).isEmpty();
      assertThat(files.jobDir(jobId)).doesNotExist();
      assertThat(ctx.store().artifacts().list(otherJob).await()).containsExactly(foreign, gone);
      assertThat(Files.readAllBytes(files.file(otherJob, foreign.artifactId(), "image/png"))).isEqualTo(red);
      assertThat(api.get("/api/cloud/jobs/" + jobId + "/artifacts", Api.bearer(admin)).status()).isEqualTo(404);
    }
  }

  private static String submit(Api api) {
    Api.Response r = api.post("/api/cloud/jobs/submit?provider=local", new JsonObject()
        .put("config", Configs.lora(3)));
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return r.json().getString("job_id");
  }
}
