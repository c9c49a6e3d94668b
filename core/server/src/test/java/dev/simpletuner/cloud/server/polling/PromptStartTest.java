package dev.simpletuner.cloud.server.polling;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simpletuner.cloud.server.support.Api;
import dev.simpletuner.cloud.server.support.Backend;
import dev.simpletuner.cloud.server.support.Configs;
import dev.simpletuner.cloud.server.support.FakeReplicate;
import dev.simpletuner.cloud.server.support.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Without a public URL no webhook says a Replicate job started: polling must look soon after the
 * job was handed over, not at the next scheduled round (up to a minute on an idle server).
 */
class PromptStartTest {

  @Test
  void aDispatchedJobWithoutWebhooksShowsRunningWithinSeconds() {
    try (FakeReplicate replicate = FakeReplicate.start().autoRun(200, 3_600_000);
         TestServer server = TestServer.start(Backend.SQLITE, Map.of(
             "SIMPLETUNER_LOCAL_COMMAND", TestServer.trainerCommand(0.05),
             "REPLICATE_API_TOKEN", FakeReplicate.TOKEN,
             "REPLICATE_BASE_URL", replicate.baseUrl()))) {
      Api api = server.api();
      // The trainer uploads the model itself (a job whose model could not leave is refused).
      assertThat(api.put("/api/cloud/delivery/s3", new JsonObject().put("endpoint_url", "https://s3.example.com")
          .put("bucket", "models").put("access_key", "AKIAEXAMPLE").put("secret_key", "example-secret")
          .put("mode", "trainer")).status()).isEqualTo(200);
      Api.sleep(2_500); // past the start-up round: the next scheduled one is the idle interval away
      Api.Response submitted = api.post("/api/cloud/jobs/submit?provider=replicate", new JsonObject()
          .put("config", Configs.lora(50)).put("delivery", new JsonArray().add("s3")));
      assertThat(submitted.status()).as(submitted.body()).isEqualTo(200);
      String jobId = submitted.json().getString("job_id");
      JsonObject queued = api.waitFor(jobId, j -> j.getString("external_id") != null, Duration.ofSeconds(30));
      assertThat(queued.getBoolean("reports_home")).isFalse();
      long handedOver = System.nanoTime();
      api.waitFor(jobId, j -> "running".equals(j.getString("status")), Duration.ofSeconds(30));
      assertThat(Duration.ofNanos(System.nanoTime() - handedOver)).isLessThan(Duration.ofSeconds(8));
    }
  }
}
