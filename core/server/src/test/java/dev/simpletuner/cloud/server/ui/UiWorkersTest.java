package dev.simpletuner.cloud.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simpletuner.cloud.server.support.Api;
import dev.simpletuner.cloud.server.support.Backend;
import dev.simpletuner.cloud.server.support.Configs;
import dev.simpletuner.cloud.server.support.TestServer;
import dev.simpletuner.cloud.server.support.WireAgent;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.Alert;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

/**
 * Self-hosted workers in real headless Chromium against the real server: an admin creates a
 * worker on the Workers page and sees its token once (never in the list, gone from the page after),
 * the worker's agent joins on the wire ({@link WireAgent}) and shows as idle, a job submitted with
 * worker labels through the dialog says why it waits or runs on the worker with its attempt, and
 * the worker is rotated, drained and deleted (with "Delete anyway" for one that holds a job).
 */
class UiWorkersTest {

  @Test
  void anAdminRunsWorkersAndAJobFindsOneByItsLabels() throws Exception {
    try (TestServer server = TestServer.start(Backend.SQLITE, Map.of("SIMPLETUNER_LOCAL_COMMAND", "true"));
         Browser b = new Browser(1280, 900)) {
      Api api = server.api();
      String base = api.base();
      Api.Response saved = api.put("/api/configs/worker-config", new JsonObject().put("config", Configs.lora(10))
          .put("dataloader_config", new JsonArray()));
      assertThat(saved.status()).as(saved.body()).isEqualTo(200);

      // The tab is there for the admin (single-user mode); the page starts empty.
      b.open(base + "/#/jobs");
      b.find("a[data-tab='workers']").click();
      b.waitFor(d -> d.getCurrentUrl().endsWith("#/workers"), "the Workers page");
      assertThat(b.find("a[data-tab='workers']").getAttribute("aria-current")).isEqualTo("page");
      assertThat(b.find("main .empty").getText()).contains("No workers yet");

      // Create: name, type, two labels; a label row without a value is refused at the editor.
      b.find("#create-worker").click();
      b.find("#worker-dialog");
      assertThat(b.js("return document.activeElement.id")).isEqualTo("worker-name");
      b.find("#worker-name").sendKeys("gpu-box-1");
      labelRow(b, "worker-labels", 1, "gpu_type", "a100-sxm4");
      b.find("[data-add-label='worker-labels']").click();
      labelRow(b, "worker-labels", 2, "team", "");
      b.find("#create-worker-submit").click();
      assertThat(b.find("[data-labels='worker-labels'] .error").getText()).isEqualTo("The label team needs a value.");
      assertThat(api.get("/api/admin/workers").json().getInteger("total")).isZero();
      labelRow(b, "worker-labels", 2, null, "nlp");
      b.find("#create-worker-submit").click();

      // The token, once, with the command for a persistent agent.
      b.find("#worker-token-dialog");
      String token = b.find("#worker-token").getText();
      assertThat(token).startsWith("wt_");
      assertThat(b.find("#worker-token-dialog").getText()).contains("This token will not be shown again");
      assertThat(b.find("#worker-command").getText()).isEqualTo("simpletuner worker --orchestrator-url " + base
          + " --worker-token " + token + " --persistent");
      b.screenshot("worker-token-once");
      b.find("#worker-token-dialog footer button").click();
      b.waitFor(d -> b.all("#worker-token-dialog").isEmpty(), "the token dialog to close");
      assertTokenNotInPage(b, token);

      JsonObject created = only(api);
      String workerId = created.getString("worker_id");
      assertThat(created.getJsonObject("labels").getMap()).isEqualTo(Map.of("gpu_type", "a100-sxm4", "team", "nlp"));
      assertThat(created.getString("worker_type")).isEqualTo("persistent");
      String row = "#workers-table tr[data-worker-id='" + workerId + "']";
      assertThat(text(b, row)).contains("gpu-box-1").contains("Connecting").contains("never");
      assertThat(b.js("return [...document.querySelectorAll(arguments[0])].map(li => li.textContent)", row + " .label-chips li"))
          .isEqualTo(List.of("gpu_type=a100-sxm4", "team=nlp"));
      assertThat(b.find("#workers-count").getText()).isEqualTo("1 worker");

      // The agent joins on the wire: the list (asking again by itself) shows it idle, with its GPU.
      String running;
      try (WireAgent agent = new WireAgent(api, token)) {
        assertThat(agent.register("gpu-box-1", true, null).status()).isEqualTo(200);
        agent.openStream();
        assertThat(agent.heartbeat("idle", null).status()).isEqualTo(200);
        b.waitFor(d -> "idle".equals(workerRow(b, workerId).getAttribute("data-status")), "the worker to be idle");
        assertThat(text(b, row + " td.gpu")).isEqualTo("Test GPU × 1 · 24 GB");
        assertThat(text(b, row + " td.heartbeat")).matches("just now|\\d+ s ago");
        assertThat(attr(b, row + " td.heartbeat time", "datetime")).isNotBlank();
        assertTokenNotInPage(b, token);
        b.screenshot("workers-idle");

        // A job that no worker fits: submitted with labels and a GPU count, it says why it waits.
        String waiting = submitThroughTheDialog(b, "h100*", "2");
        b.waitFor(d -> "no_matching_worker".equals(b.find("#waiting-note").getAttribute("data-reason")),
            "the waiting reason");
        assertThat(text(b, "#waiting-note")).contains("No online worker matches")
            .contains("queue position 1").contains("gpu_type=h100*").contains("2 GPU(s)");
        assertThat(attr(b, "#status-chip .chip", "title")).contains("gpu_type=h100*");
        assertThat(text(b, "#job-worker")).contains("Not on a worker yet").contains("Not handed to a worker yet")
            .contains("0 of 3 used");
        assertThat(api.job(waiting).getJsonObject("waiting").getString("message")).contains("gpu_type=h100*");
        b.screenshot("worker-job-waiting");
        assertThat(agent.next(Duration.ofMillis(300))).as("nothing for this worker").isNull();

        // One that fits goes to the agent; once it says "starting", the page shows the attempt.
        running = submitThroughTheDialog(b, "a100*", "1");
        JsonObject event = agent.next(Duration.ofSeconds(15));
        assertThat(event).as("a job_submit").isNotNull();
        assertThat(event.getString("type")).isEqualTo("job_submit");
        assertThat(event.getString("job_id")).isEqualTo(running);
        assertThat(agent.status(running, "starting", null).status()).isEqualTo(200);
        b.waitFor(d -> !b.all("#attempts tr[data-attempt='1']").isEmpty(), "the attempt on the job page");
        b.waitFor(d -> b.find("#status-chip").getText().contains("Running"), "the job to run");
        assertThat(attr(b, "#attempts tr[data-attempt='1']", "data-outcome")).isEqualTo("running");
        assertThat(text(b, "#attempts tr[data-attempt='1']")).contains("gpu-box-1").contains("Running");
        assertThat(text(b, "#job-worker-name")).isEqualTo("gpu-box-1");
        assertThat(attr(b, "#job-worker-name a", "href")).isEqualTo("#/workers");
        assertThat(b.all("#waiting-note")).isEmpty();
        b.screenshot("worker-job-attempt");

        // Back on the Workers page: busy, with a link to its job.
        b.find("a[data-tab='workers']").click();
        b.waitFor(d -> "busy".equals(workerRow(b, workerId).getAttribute("data-status")), "the worker to be busy");
        assertThat(attr(b, row + " a[href^='#/job/']", "href")).isEqualTo("#/job/" + running);

        // A second worker, ephemeral and without labels: its token is rotated (confirmed first).
        b.find("#create-worker").click();
        b.find("#worker-name").sendKeys("spare");
        new Select(b.find("#worker-type")).selectByValue("ephemeral");
        b.find("#create-worker-submit").click();
        String spareToken = b.find("#worker-token").getText();
        assertThat(b.find("#worker-command").getText()).doesNotContain("--persistent");
        b.find("#worker-token-dialog footer button").click();
        String spareId = api.get("/api/admin/workers").json().getJsonArray("workers").stream()
            .map(JsonObject.class::cast).filter(w -> "spare".equals(w.getString("name"))).findFirst().orElseThrow()
            .getString("worker_id");
        action(b, spareId, "rotate").click();
        Alert ask = b.waitFor(d -> d.switchTo().alert(), "the rotate confirmation");
        assertThat(ask.getText()).contains("old token stops working");
        ask.dismiss(); // nothing happens
        assertThat(new WireAgent(api, spareToken).register("spare", false, null).status()).isEqualTo(200);
        action(b, spareId, "rotate").click();
        b.waitFor(d -> d.switchTo().alert(), "the rotate confirmation").accept();
        String newToken = b.find("#worker-token-dialog #worker-token").getText();
        assertThat(newToken).startsWith("wt_").isNotEqualTo(spareToken);
        assertThat(b.find("#worker-token-title").getText()).isEqualTo("New token for spare");
        b.find("#worker-token-dialog footer button").click();
        assertThat(new WireAgent(api, spareToken).register("spare", false, null).status()).isEqualTo(401);
        assertThat(new WireAgent(api, newToken).register("spare", false, null).status()).isEqualTo(200);
        assertTokenNotInPage(b, newToken);
        assertTokenNotInPage(b, token);

        // Drain, confirmed: it keeps its job and takes no other.
        action(b, workerId, "drain").click();
        b.waitFor(d -> d.switchTo().alert(), "the drain confirmation").accept();
        b.waitFor(d -> "draining".equals(workerRow(b, workerId).getAttribute("data-status")), "the worker to drain");
        assertThat(action(b, workerId, "drain").isEnabled()).isFalse();
        assertThat(worker(api, workerId).getString("status")).isEqualTo("draining");
        assertThat(worker(api, workerId).getString("current_job_id")).isEqualTo(running);

        // Delete, confirmed: refused while it holds the job, then "Delete anyway" requeues the job.
        action(b, workerId, "delete").click();
        b.waitFor(d -> d.switchTo().alert(), "the delete confirmation").accept();
        assertThat(text(b, row + " .action-error")).contains("gpu-box-1 is running job " + running)
            .contains("puts the job back in the queue").contains("Delete anyway");
        assertThat(attr(b, row + " .action-error", "role")).isEqualTo("alert");
        assertThat(worker(api, workerId)).isNotNull();
        b.screenshot("worker-delete-refused");
        // The error stays through the list's own refreshes.
        String heartbeatBefore = worker(api, workerId).getString("last_heartbeat");
        assertThat(agent.heartbeat("busy", running).status()).isEqualTo(200);
        b.waitFor(d -> !heartbeatBefore.equals(workerRow(b, workerId).findElement(By.cssSelector("time"))
            .getAttribute("datetime")), "a refresh of the list");
        assertThat(b.all("tr[data-worker-id='" + workerId + "'] .action-error")).hasSize(1);

        action(b, workerId, "force-delete").click();
        b.waitFor(d -> b.all("tr[data-worker-id='" + workerId + "']").isEmpty(), "the worker to go");
        assertThat(worker(api, workerId)).isNull();
        JsonObject back = api.waitFor(running, j -> "queued".equals(j.getString("status")), Duration.ofSeconds(20));
        assertThat(back.getJsonArray("attempts").getJsonObject(0).getString("outcome")).isNotEqualTo("running");
        assertThat(b.find("#workers-count").getText()).isEqualTo("1 worker");
      }

      // At 390 px the table scrolls inside its card; the page itself does not spill sideways.
      b.driver().manage().window().setSize(new Dimension(390, 844));
      b.waitFor(d -> ((Number) b.js("return window.innerWidth")).intValue() <= 390, "the narrow window");
      int page = ((Number) b.js("return document.documentElement.scrollWidth")).intValue();
      int viewport = ((Number) b.js("return document.documentElement.clientWidth")).intValue();
      assertThat(page).as(String.valueOf(b.js("return [...document.querySelectorAll('body *')]"
          + ".filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)"
          + ".slice(0, 12).map(e => e.tagName + '.' + e.className + '#' + e.id + ' '"
          + " + Math.round(e.getBoundingClientRect().right)).join(' | ')"))).isLessThanOrEqualTo(viewport);
      assertThat((Boolean) b.js("const s = document.querySelector('#workers-table').parentElement;"
          + " return s.scrollWidth > s.clientWidth && getComputedStyle(s).overflowX === 'auto'")).isTrue();
      b.screenshot("workers-narrow");
      b.driver().manage().window().setSize(new Dimension(1280, 900));

      // The requeued job's page: its attempt ended, and it waits again, saying why.
      b.open(base + "/#/job/" + running);
      b.waitFor(d -> !"running".equals(b.find("#attempts tr[data-attempt='1']").getAttribute("data-outcome")),
          "the ended attempt");
      JsonObject requeued = api.job(running);
      assertThat(text(b, "#attempts tr[data-attempt='1']")).contains("was deleted")
          .contains(requeued.getJsonArray("attempts").getJsonObject(0).getString("reason"));
      assertThat(attr(b, "#waiting-note", "data-reason"))
          .isEqualTo(requeued.getJsonObject("waiting").getString("reason"));
      assertThat(text(b, "#job-worker-name")).isEqualTo("Not on a worker yet");

      // Leaving the Workers page stops its refreshes.
      b.open(base + "/#/workers");
      b.find("#workers-table");
      b.js("window.__workerLoads = 0; const f = window.fetch; window.fetch = (u, ...r) => {"
          + " if (String(u).includes('/api/admin/workers')) window.__workerLoads++; return f(u, ...r); }");
      b.waitFor(d -> ((Number) b.js("return window.__workerLoads")).intValue() > 0, "a refresh while open");
      b.find("a[data-tab='jobs']").click();
      b.find("#train-in-cloud");
      b.js("window.__workerLoads = 0"); // a request already under way was counted before
      // More than a refresh period (4 s) with the Jobs page open: no request to the workers route.
      Api.sleep(5000);
      assertThat(((Number) b.js("return window.__workerLoads")).intValue()).isZero();

      // The only console errors are the refused delete (409).
      assertThat(b.consoleErrors()).allSatisfy(e -> assertThat(e).contains("/api/admin/workers/" + workerId)
          .contains("409"));
    }
  }

  /** Train in Cloud with provider worker, one label and a GPU count; returns the job id from the job page. */
  private static String submitThroughTheDialog(Browser b, String gpuPattern, String gpus) {
    b.find("a[data-tab='jobs']").click();
    b.find("#train-in-cloud").click();
    b.find("#submit-dialog");
    new Select(b.find("select[name='config_name_to_load']")).selectByValue("worker-config");
    new Select(b.find("select[name='provider']")).selectByValue("local");
    assertThat(b.all("#worker-choice").get(0).isDisplayed()).as("labels only for workers").isFalse();
    new Select(b.find("select[name='provider']")).selectByValue("worker");
    assertThat(b.find("#worker-choice").getText()).contains("glob patterns").contains("a100*");
    labelRow(b, "worker_labels", 1, "gpu_type", gpuPattern);
    b.find("input[name='gpu_count']").sendKeys(gpus);
    b.find("input[name='tracker_run_name']").sendKeys(gpuPattern.startsWith("h100") ? "h100-run" : "a100-run");
    b.waitFor(d -> b.find("#submit-dialog").getText().contains("No local datasets to upload"), "the upload summary");
    b.find("#submit-job").click();
    b.waitFor(d -> d.getCurrentUrl().contains("#/job/"), "the job page");
    String url = b.driver().getCurrentUrl();
    String jobId = url.substring(url.indexOf("#/job/") + 6);
    b.find("#job-worker");
    return jobId;
  }

  /** Types into row n of a labels editor; null leaves a box as it is. */
  private static void labelRow(Browser b, String editor, int n, String key, String value) {
    String rowCss = "[data-labels='" + editor + "'] .label-row:nth-child(" + n + ")";
    if (key != null) {
      b.find(rowCss + " .label-key").sendKeys(key);
    }
    if (value != null) {
      b.find(rowCss + " .label-value").sendKeys(value);
    }
  }

  /** An element's text, read in one step (live pages replace their elements as updates arrive). */
  private static String text(Browser b, String css) {
    b.find(css);
    return String.valueOf(b.js("return document.querySelector(arguments[0]).innerText", css));
  }

  private static String attr(Browser b, String css, String name) {
    b.find(css);
    return String.valueOf(b.js("return document.querySelector(arguments[0]).getAttribute(arguments[1])", css, name));
  }

  private static WebElement workerRow(Browser b, String workerId) {
    return b.find("#workers-table tr[data-worker-id='" + workerId + "']");
  }

  private static WebElement action(Browser b, String workerId, String action) {
    return b.find("#workers-table tr[data-worker-id='" + workerId + "'] button[data-action='" + action + "']");
  }

  private static JsonObject only(Api api) {
    JsonArray workers = api.get("/api/admin/workers").json().getJsonArray("workers");
    assertThat(workers).hasSize(1);
    return workers.getJsonObject(0);
  }

  private static JsonObject worker(Api api, String workerId) {
    return api.get("/api/admin/workers").json().getJsonArray("workers").stream().map(JsonObject.class::cast)
        .filter(w -> workerId.equals(w.getString("worker_id"))).findFirst().orElse(null);
  }

  /** Neither in the markup nor in any input's value, nor in what the page keeps. */
  private static void assertTokenNotInPage(Browser b, String token) {
    assertThat(b.driver().getPageSource()).doesNotContain(token);
    Object kept = b.js("return [...document.querySelectorAll('input, textarea')].some(i => i.value.includes(arguments[0]))"
        + " || JSON.stringify({...localStorage}).includes(arguments[0]) || JSON.stringify({...sessionStorage}).includes(arguments[0])"
        + " || location.href.includes(arguments[0])", token);
    assertThat(kept).isEqualTo(false);
  }
}
