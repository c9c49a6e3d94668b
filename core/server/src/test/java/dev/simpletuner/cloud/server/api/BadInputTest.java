package dev.simpletuner.cloud.server.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simpletuner.cloud.server.support.Api;
import dev.simpletuner.cloud.server.support.Backend;
import dev.simpletuner.cloud.server.support.Configs;
import dev.simpletuner.cloud.server.support.ServerPerBackend;
import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.artifact.ArtifactFiles;
import io.vertx.core.json.JsonObject;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** Bad input gets a clear 4xx in the one error shape and changes nothing. */
class BadInputTest extends ServerPerBackend {

  private Api api() {
    return api(Backend.SQLITE);
  }

  private long totalJobs() {
    return api().get("/api/cloud/jobs?limit=1").json().getLong("total");
  }

  private static void assertError(Api.Response r, int status, String code) {
    assertThat(r.status()).as(r.body()).isEqualTo(status);
    JsonObject body = r.json();
    assertThat(body.getBoolean("success")).isFalse();
    assertThat(body.getString("code")).isEqualTo(code);
    assertThat(body.getString("error")).isNotBlank();
    assertThat(body.getJsonObject("details")).isNotNull();
  }

  @Test
  void submitRefusesBadBodiesAndStoresNothing() {
    long before = totalJobs();
    Api api = api();
    byte[] malformed = "{\"config\": ".getBytes(StandardCharsets.UTF_8);
    assertError(api.raw("POST", "/api/cloud/jobs/submit?provider=local", "application/json", malformed), 400,
        "invalid_input");
    Api.Response wrongType = api.post("/api/cloud/jobs/submit?provider=local", "{\"config\": 5}");
    assertError(wrongType, 400, "invalid_input");
    assertThat(wrongType.json().getJsonObject("details").getString("field")).isEqualTo("config");
    assertError(api.post("/api/cloud/jobs/submit?provider=local", "{\"dataloader_config\": {}}"), 400,
        "invalid_input");
    assertError(api.post("/api/cloud/jobs/submit?provider=local", "{}"), 400, "invalid_input");
    assertError(api.post("/api/cloud/jobs/submit?provider=local", "[1,2]"), 400, "invalid_input");
    assertError(api.post("/api/cloud/jobs/submit?provider=local",
        "{\"config\": {\"--max_train_steps\": \"lots\"}}"), 400, "invalid_input");
    assertError(api.post("/api/cloud/jobs/submit?provider=local",
        "{\"config\": {}, \"dataloader_config\": [{\"id\": \"a\"}, {\"id\": \"a\"}]}"), 400, "invalid_input");
    assertError(api.post("/api/cloud/jobs/submit?provider=local",
        "{\"config\": {}, \"dataloader_config\": [{\"type\": \"local\"}]}"), 400, "invalid_input");
    Api.Response unknownProvider = api.post("/api/cloud/jobs/submit?provider=nosuch", "{\"config\": {}}");
    assertError(unknownProvider, 400, "unknown_provider");
    assertThat(unknownProvider.json().getJsonObject("details").getJsonArray("available").encode()).contains("local");
    assertError(api.post("/api/cloud/jobs/submit?provider=BAD!", "{\"config\": {}}"), 400, "invalid_input");
    assertError(api.post("/api/cloud/jobs/submit?provider=local", "{\"config_name_to_load\": \"no-such-config\"}"),
        404, "config_not_found");
    assertError(api.post("/api/cloud/jobs/submit?provider=local", "{\"config\": {}, \"idempotency_key\": \""
        + "k".repeat(300) + "\"}"), 400, "invalid_input");
    assertError(api.post("/api/cloud/jobs/submit?provider=local", "{\"config\": {}, \"webhook_url\": \"ftp://x\"}"),
        400, "invalid_input");
    assertError(api.raw("POST", "/api/cloud/jobs/submit?provider=local", "text/plain",
        "{\"config\": {}}".getBytes(StandardCharsets.UTF_8)), 415, "unsupported_media_type");
    String huge = "{\"config\": {\"a\": \"" + "x".repeat(2_000_000) + "\"}}";
    assertError(api.post("/api/cloud/jobs/submit?provider=local", huge), 413, "payload_too_large");
    assertThat(totalJobs()).isEqualTo(before);
  }

  @Test
  void badQueryValuesAndUnknownThings() {
    Api api = api();
    Api.Response limit = api.get("/api/cloud/jobs?limit=abc");
    assertError(limit, 400, "invalid_input");
    assertThat(limit.json().getJsonObject("details").getString("field")).isEqualTo("limit");
    assertError(api.get("/api/cloud/jobs?limit=0"), 400, "invalid_input");
    assertError(api.get("/api/cloud/jobs?limit=501"), 400, "invalid_input");
    assertError(api.get("/api/cloud/jobs?offset=-1"), 400, "invalid_input");
    assertError(api.get("/api/cloud/jobs?status=sleeping"), 400, "invalid_input");
    assertError(api.get("/api/cloud/jobs?job_type=gpu"), 400, "invalid_input");
    assertError(api.get("/api/cloud/jobs?sync_active=maybe"), 400, "invalid_input");
    assertError(api.get("/api/cloud/jobs/no-such-job"), 404, "job_not_found");
    assertError(api.postEmpty("/api/cloud/jobs/no-such-job/cancel"), 404, "job_not_found");
    assertError(api.delete("/api/cloud/jobs/no-such-job"), 404, "job_not_found");
    assertError(api.get("/api/cloud/jobs/no-such-job/logs"), 404, "job_not_found");
    assertError(api.get("/api/cloud/jobs/bad%20id"), 400, "invalid_input");
    assertError(api.get("/api/cloud/jobs/a%2Fb"), 400, "invalid_input");
    assertError(api.get("/api/cloud/jobs/no-such-job/"), 404, "job_not_found");
    assertThat(api.get("/api/cloud/jobs/?limit=1").status()).isEqualTo(200);
    assertError(api.get("/api/configs/nothing-here"), 404, "config_not_found");
    assertError(api.get("/api/metrics?days=0"), 400, "invalid_input");
    assertError(api.get("/api/no/such/route"), 404, "not_found");
    assertError(api.put("/api/cloud/providers/local", new JsonObject().put("command", "rm -rf /")), 400,
        "invalid_input");
    assertError(api.put("/api/cloud/providers/local", new JsonObject().put("max_concurrent", "many")), 400,
        "invalid_input");
    assertError(api.put("/api/cloud/providers/local", new JsonObject().put("cost_limit_period", "yearly")), 400,
        "invalid_input");
    assertError(api.put("/api/cloud/providers/local", new JsonObject().put("surprise", 1)), 400, "invalid_input");
    assertError(api.get("/api/cloud/providers/nosuch"), 404, "not_found");
  }

  @Test
  void trainerCallbackWithoutTheJobTokenIsRefusedAndChangesNothing() {
    Api api = api();
    String jobId = api.post("/api/cloud/jobs/submit?provider=local", new JsonObject()
        .put("config", Configs.lora(100000))).json().getString("job_id");
    api.waitForStatus(jobId, "running");
    JsonObject event = new JsonObject().put("type", "training.status").put("data", new JsonObject()
        .put("status", "running")).put("progress", new JsonObject().put("current", 99999).put("total", 100000));
    assertError(api.post("/api/webhooks/trainer/" + jobId, event), 401, "invalid_token");
    assertError(api.post("/api/webhooks/trainer/" + jobId, event, "X-API-Key", "stcb_forged"), 401, "invalid_token");
    assertError(api.post("/api/webhooks/trainer/" + jobId, event, "Authorization", "Bearer nope"), 401,
        "invalid_token");
    Integer current = api.job(jobId).getJsonObject("progress").getInteger("current");
    assertThat(current == null || current < 99999).isTrue();
    api.postEmpty("/api/cloud/jobs/" + jobId + "/cancel");
  }

  @Test
  void trainerCallbackOverTheBodyLimitIsRefusedWhileStreamingAndLeavesNoFile() throws Exception {
    ServerContext ctx = server(Backend.SQLITE).server().context();
    Api api = api();
    String jobId = api.post("/api/cloud/jobs/submit?provider=local", new JsonObject()
        .put("config", Configs.lora(100000))).json().getString("job_id");
    api.waitForStatus(jobId, "running");
    long over = ctx.config().callbacks().maxBodyBytes() + 2 * 1024 * 1024;
    // No Content-Length (chunked): the server finds out while it writes the body to a file.
    HttpResponse<String> refused = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create(api.base() + "/api/webhooks/trainer/" + jobId)).header("Content-Type", "application/json")
        .header("X-API-Key", ctx.tokens().callbackToken(jobId))
        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new BufferedInputStream(new InputStream() {
          private long left = over;

          @Override
          public int read() {
            return left-- > 0 ? 'A' : -1;
          }
        }, 1 << 20))).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(413);
    assertThat(new JsonObject(refused.body()).getString("code")).isEqualTo("payload_too_large");
    Path incoming = new ArtifactFiles(ctx.config()).incomingDir();
    for (int i = 0; i < 50 && spilled(incoming) > 0; i++) {
      Thread.sleep(100); // the file is closed and deleted just after the reply
    }
    assertThat(spilled(incoming)).isZero();
    api.postEmpty("/api/cloud/jobs/" + jobId + "/cancel");
  }

  private static long spilled(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(f -> f.getFileName().toString().startsWith("body-")).count();
    }
  }

  @Test
  void requestsThroughATunnelMustAuthenticate() {
    Api api = api();
    long before = totalJobs();
    for (String header : new String[] {"X-Forwarded-For", "Forwarded", "X-Real-IP", "CF-Connecting-IP"}) {
      Api.Response r = api.post("/api/cloud/jobs/submit?provider=local", new JsonObject()
          .put("config", new JsonObject()), header, "203.0.113.7");
      assertError(r, 401, "authentication_required");
      assertError(api.get("/api/cloud/jobs", header, "203.0.113.7"), 401, "authentication_required");
    }
    assertThat(totalJobs()).isEqualTo(before);
    // Health stays public for probes.
    assertThat(api.get("/api/cloud/health/live", "X-Forwarded-For", "203.0.113.7").status()).isEqualTo(200);
  }

  @Test
  void crossSiteBrowserRequestsAreRefused() {
    Api api = api();
    long before = totalJobs();
    assertError(api.post("/api/cloud/jobs/submit?provider=local", new JsonObject().put("config", new JsonObject()),
        "Origin", "https://evil.example"), 403, "permission_denied");
    assertError(api.get("/api/cloud/jobs", "Host", "attacker.example:8001"), 403, "permission_denied");
    assertThat(totalJobs()).isEqualTo(before);
  }
}
