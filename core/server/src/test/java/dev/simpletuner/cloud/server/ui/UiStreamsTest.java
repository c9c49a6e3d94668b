package dev.simpletuner.cloud.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simpletuner.cloud.server.support.Api;
import dev.simpletuner.cloud.server.support.Backend;
import dev.simpletuner.cloud.server.support.Configs;
import dev.simpletuner.cloud.server.support.TestServer;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A job page left at once, before its answers are in, opens no event stream afterwards: every
 * stream the browser opens is closed by the panel that opened it (counted in real headless
 * Chromium around the browser's own EventSource).
 */
class UiStreamsTest {
  /** Counts the event streams the page has open. */
  private static final String COUNT_STREAMS = """
      const Real = window.EventSource;
      window.openStreams = [];
      window.EventSource = function (url) {
        const stream = new Real(url);
        window.openStreams.push(url);
        const close = stream.close.bind(stream);
        stream.close = () => { window.openStreams.splice(window.openStreams.indexOf(url), 1); close(); };
        return stream;
      };
      window.EventSource.prototype = Real.prototype;
      """;

  @Test
  void aJobPageLeftBeforeItLoadedLeavesNoStreamOpen() throws Exception {
    try (TestServer server = TestServer.start(Backend.SQLITE, TestServer.trainerCommand(0.25));
         Browser b = new Browser(1280, 900)) {
      Api api = server.api();
      String jobId = api.post("/api/cloud/jobs/submit?provider=local", new JsonObject()
          .put("config", Configs.lora(400))).json().getString("job_id");
      api.waitForStatus(jobId, "running");
      b.open(api.base() + "/#/settings");
      b.js(COUNT_STREAMS);
      // Into the job page and straight out again, in one go: the page's answers arrive after it was left.
      for (int i = 0; i < 5; i++) {
        b.js("location.hash = '#/job/' + arguments[0]; setTimeout(() => { location.hash = '#/settings'; }, 0);",
            jobId);
        Thread.sleep(300);
      }
      Thread.sleep(1500);
      @SuppressWarnings("unchecked")
      List<String> open = (List<String>) b.js("return window.openStreams;");
      assertThat(open).as("streams left open").noneMatch(url -> url.contains(jobId));

      // The page itself still streams while it is shown, and closes what it opened when left.
      b.js("location.hash = '#/job/' + arguments[0];", jobId);
      b.waitFor(d -> ((List<?>) b.js("return window.openStreams;")).stream()
          .anyMatch(url -> String.valueOf(url).contains(jobId)), "the job page's stream");
      b.js("location.hash = '#/settings';");
      Thread.sleep(500);
      @SuppressWarnings("unchecked")
      List<String> after = (List<String>) b.js("return window.openStreams;");
      assertThat(after).noneMatch(url -> url.contains(jobId));
      assertThat(b.consoleErrors()).isEmpty();
      api.postEmpty("/api/cloud/jobs/" + jobId + "/cancel");
    }
  }
}
