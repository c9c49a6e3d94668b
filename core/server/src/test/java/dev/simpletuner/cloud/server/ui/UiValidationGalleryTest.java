package dev.simpletuner.cloud.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.bus.Addresses;
import dev.simpletuner.cloud.server.store.ArtifactStore.Artifact;
import dev.simpletuner.cloud.server.support.Api;
import dev.simpletuner.cloud.server.support.Artifacts;
import dev.simpletuner.cloud.server.support.Backend;
import dev.simpletuner.cloud.server.support.Configs;
import dev.simpletuner.cloud.server.support.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.awt.Color;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/**
 * The Validation images panel of a job page in real headless Chromium: empty while the job runs,
 * filled live when a validation event reaches the timeline (grouped by step, newest first, text
 * shown as text), and absent for a finished job without images. Fails on any console error.
 */
class UiValidationGalleryTest {
  private static final String ODD_LABEL = "<img src=x onerror=window.pwned=1>";

  @Test
  void theGalleryFollowsTheJobsValidationImages() {
    try (TestServer server = TestServer.start(Backend.SQLITE, TestServer.trainerCommand(0.25));
         Browser b = new Browser(1280, 900)) {
      Api api = server.api();
      ServerContext ctx = server.server().context();
      String jobId = submit(api, 400);
      api.waitForStatus(jobId, "running");
      b.open(api.base() + "/#/job/" + jobId);
      b.waitFor(d -> b.find("#validation").getText().contains("No validation images yet"), "the empty gallery");

      // The trainer's images are recorded, then announced on the timeline as the server does it.
      Artifact cat = Artifacts.record(ctx, jobId, 100L, "cat", "a cat on a mat", "image/png",
          Artifacts.png(96, 64, Color.ORANGE), 1_000);
      Artifact dog = Artifacts.record(ctx, jobId, 200L, ODD_LABEL, "a dog <b>in</b> a hat", "image/png",
          Artifacts.png(64, 96, Color.BLUE), 2_000);
      Artifact dog2 = Artifacts.record(ctx, jobId, 200L, "dog 2", null, "image/png",
          Artifacts.png(64, 64, Color.GREEN), 2_001);
      timeline(server, jobId, new JsonObject().put("artifact_ids", new JsonArray().add(dog.artifactId())
          .add(dog2.artifactId())).put("step", 200).put("label", "dogs"));

      b.waitFor(d -> b.all("#validation img").size() == 3, "three thumbnails");
      List<String> steps = b.all("#validation .step-group").stream().map(e -> e.getAttribute("data-step")).toList();
      assertThat(steps).containsExactly("200", "100");
      WebElement first = b.find("#validation li[data-artifact='" + dog.artifactId() + "']");
      WebElement img = first.findElement(By.cssSelector("img"));
      assertThat(img.getAttribute("alt")).isEqualTo(ODD_LABEL);
      assertThat(img.getAttribute("loading")).isEqualTo("lazy");
      assertThat(first.findElement(By.cssSelector("figcaption")).getText()).contains(ODD_LABEL)
          .contains("a dog <b>in</b> a hat");
      assertThat(b.all("#validation figcaption b, #validation figcaption img")).isEmpty();
      assertThat(b.js("return window.pwned === undefined")).isEqualTo(true);
      WebElement link = first.findElement(By.cssSelector("a"));
      assertThat(link.getAttribute("href")).isEqualTo(api.base() + "/api/cloud/jobs/" + jobId + "/artifacts/"
          + dog.artifactId());
      assertThat(link.getAttribute("target")).isEqualTo("_blank");
      assertThat(link.getAttribute("rel")).isEqualTo("noopener noreferrer");
      // The thumbnails are the real images, loaded (and scaled to the grid's width).
      b.waitFor(d -> Boolean.TRUE.equals(b.js("return [...document.querySelectorAll('#validation img')]"
          + ".every(i => i.complete && i.naturalWidth > 0)")), "the images to load");
      assertThat(((Number) b.js("return document.querySelector(\"#validation li[data-artifact='" + cat.artifactId()
          + "'] img\").naturalWidth")).intValue()).isEqualTo(96);
      assertThat(b.find("#validation-usage").getText()).endsWith("of 256.0 MiB kept");
      assertThat(b.find("ol.timeline").getText()).contains("2 validation images at step 200 (dogs)");
      b.js("document.querySelector('#validation').scrollIntoView(); window.scrollBy(0, -70)");
      b.screenshot("validation-gallery");

      // Once the job ended, its images stay.
      api.postEmpty("/api/cloud/jobs/" + jobId + "/cancel");
      b.waitFor(d -> b.find("#status-chip").getText().contains("Cancelled"), "the job to be cancelled");
      assertThat(b.all("#validation img")).hasSize(3);

      // A finished job without images has no gallery at all.
      String plain = submit(api, 3);
      api.waitForStatus(plain, "completed");
      b.open(api.base() + "/#/job/" + plain);
      b.find("#status-chip");
      b.waitFor(d -> Boolean.TRUE.equals(b.js("return performance.getEntriesByType('resource')"
          + ".some(e => e.name.endsWith('/jobs/" + plain + "/artifacts'))")), "the artifact list to be read");
      b.waitFor(d -> Boolean.TRUE.equals(b.js("return document.querySelector('#validation').hidden")),
          "the gallery to stay hidden");
      assertThat(b.consoleErrors()).isEmpty();
    }
  }

  private static String submit(Api api, int steps) {
    Api.Response r = api.post("/api/cloud/jobs/submit?provider=local", new JsonObject()
        .put("config", Configs.lora().put("--max_train_steps", steps)).put("tracker_run_name", "gallery-run"));
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return r.json().getString("job_id");
  }

  /** A timeline entry, stored and published the way the job lifecycle does it. */
  private static void timeline(TestServer server, String jobId, JsonObject data) {
    long now = System.currentTimeMillis();
    server.server().context().store().events().add(jobId, "validation", data, now).await();
    server.server().vertx().eventBus().publish(Addresses.JOB_TIMELINE, new JsonObject().put("job_id", jobId)
        .put("type", "validation").put("data", data).put("created_at", Instant.ofEpochMilli(now).toString()));
  }
}
