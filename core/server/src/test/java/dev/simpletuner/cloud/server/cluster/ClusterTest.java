package dev.simpletuner.cloud.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simpletuner.cloud.server.support.Api;
import dev.simpletuner.cloud.server.support.Backend;
import dev.simpletuner.cloud.server.support.Configs;
import dev.simpletuner.cloud.server.support.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Two server instances on one PostgreSQL database: what happens on one is seen live on the other,
 * background polling runs on exactly one of them, and a stopping instance hands its work over.
 */
class ClusterTest {
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @Test
  void instancesShareEventsAndDivideBackgroundWork() throws Exception {
    try (TestServer a = TestServer.start(Backend.POSTGRES, TestServer.trainerCommand(0.05));
         TestServer b = a.sibling()) {
      HttpResponse<Stream<String>> eventsOnB = HTTP.send(HttpRequest.newBuilder(
          URI.create(b.api().base() + "/api/cloud/events")).build(), HttpResponse.BodyHandlers.ofLines());
      String jobId = a.api().post("/api/cloud/jobs/submit?provider=local", new JsonObject()
          .put("config", Configs.lora(20))).json().getString("job_id");

      // Clients reading the job from B meanwhile keep it in B's cache while it runs.
      java.util.concurrent.atomic.AtomicBoolean reading = new java.util.concurrent.atomic.AtomicBoolean(true);
      Thread reader = new Thread(() -> {
        while (reading.get()) {
          b.api().job(jobId);
          Api.sleep(50);
        }
      });
      reader.start();

      // The job runs on A; B streams its log live to the end, and its event stream sees it finish.
      List<String> logOnB = lines(b.api().base() + "/api/cloud/jobs/" + jobId + "/logs/stream");
      // A's write was announced to B, so B's cached copy is gone: B says completed at once.
      assertThat(b.api().job(jobId).getString("status")).isEqualTo("completed");
      reading.set(false);
      reader.join();
      assertThat(logOnB).anyMatch(l -> l.startsWith("data: Epoch 1/1 Steps: 100%|##########| 20/20 ["))
          .containsSubsequence("data: training complete", "event: done", "data: completed");
      try (Stream<String> events = eventsOnB.body()) {
        assertThat(events.filter(l -> l.startsWith("data: {")).map(l -> new JsonObject(l.substring(6)))
            .anyMatch(j -> jobId.equals(j.getString("job_id")) && "completed".equals(j.getString("status"))))
            .isTrue();
      }

      JsonObject cluster = a.api().get("/api/cluster").json();
      String idA = cluster.getString("this_instance");
      String idB = b.api().get("/api/cluster").json().getString("this_instance");
      assertThat(idA).isNotEqualTo(idB);
      assertThat(a.api().job(jobId).getString("host_id")).isEqualTo(idA);
      assertThat(cluster.getJsonArray("instances").stream().map(JsonObject.class::cast)
          .filter(i -> i.getBoolean("alive")).map(i -> i.getString("id"))).containsExactlyInAnyOrder(idA, idB);
      String holder = pollingLeaseOwner(cluster);
      assertThat(holder).isIn(idA, idB);

      // A clean stop gives the lease back; the other instance takes the polling over.
      TestServer stopping = holder.equals(idA) ? a : b;
      TestServer staying = stopping == a ? b : a;
      String stayingId = holder.equals(idA) ? idB : idA;
      stopping.stop();
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (!stayingId.equals(pollingLeaseOwner(staying.api().get("/api/cluster").json()))) {
        assertThat(System.nanoTime()).as("the polling lease moved to the remaining instance").isLessThan(deadline);
        Api.sleep(250);
      }
    }
  }

  private static String pollingLeaseOwner(JsonObject cluster) {
    JsonArray leases = cluster.getJsonArray("leases");
    return leases.stream().map(JsonObject.class::cast).filter(l -> "provider-polling".equals(l.getString("name")))
        .filter(l -> !l.getBoolean("expired")).map(l -> l.getString("owner")).findFirst().orElse(null);
  }

  private static List<String> lines(String url) throws Exception {
    HttpResponse<Stream<String>> response = HTTP.send(HttpRequest.newBuilder(URI.create(url))
        .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofLines());
    assertThat(response.statusCode()).isEqualTo(200);
    try (Stream<String> lines = response.body()) {
      return lines.toList();
    }
  }
}
