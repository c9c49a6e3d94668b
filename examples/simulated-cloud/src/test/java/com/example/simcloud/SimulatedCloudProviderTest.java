package com.example.simcloud;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.simpletuner.cloud.spi.JobReporter;
import dev.simpletuner.cloud.spi.JobSpec;
import dev.simpletuner.cloud.spi.Plugin;
import dev.simpletuner.cloud.spi.Provider;
import dev.simpletuner.cloud.spi.ProviderContext;
import dev.simpletuner.cloud.spi.ProviderJobStatus;
import dev.simpletuner.cloud.spi.ProviderStatus;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

/** A plugin is testable on its own: give it a context and drive it through the SPI. */
class SimulatedCloudProviderTest {

  private static ProviderContext context(Vertx vertx, Map<String, String> settings) {
    return new ProviderContext() {
      public Vertx vertx() {
        return vertx;
      }

      public Map<String, String> settings() {
        return settings;
      }

      public Path dataDir() {
        return Path.of(System.getProperty("java.io.tmpdir"));
      }

      public String hostId() {
        return "test";
      }

      public JobReporter reporter() {
        return new JobReporter() {
          public Future<Void> status(String jobId, ProviderJobStatus status) {
            return Future.succeededFuture();
          }

          public void log(String jobId, List<String> lines) {
          }

          public Future<Long> loggedLines(String jobId) {
            return Future.succeededFuture(0L);
          }
        };
      }

      public System.Logger logger() {
        return System.getLogger("test");
      }
    };
  }

  @Test
  void isFoundThroughServiceLoader() {
    Plugin plugin = ServiceLoader.load(Plugin.class).findFirst().orElseThrow();
    assertEquals("simulated", plugin.providerFactories().get(0).id());
  }

  @Test
  void aJobQueuesRunsAndSucceedsWithBillableTime() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      Provider provider = new SimulatedCloudFactory().create(context(vertx, Map.of("seconds_per_job", "1")));
      String id = provider.submit(new JobSpec("job-1", new JsonObject(), new JsonArray(), null, null, null, null, null, null))
          .await().externalId();
      assertEquals(ProviderStatus.QUEUED, provider.status(id).await().status());
      Thread.sleep(1400);
      ProviderJobStatus done = provider.status(id).await();
      assertEquals(ProviderStatus.SUCCEEDED, done.status());
      assertTrue(done.billableSeconds() >= 1.0);
    } finally {
      vertx.close().await();
    }
  }
}
