package dev.simpletuner.cloud.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simpletuner.cloud.server.support.Api;
import dev.simpletuner.cloud.server.support.Backend;
import dev.simpletuner.cloud.server.support.Configs;
import dev.simpletuner.cloud.server.support.FakeReplicate;
import dev.simpletuner.cloud.server.support.TestServer;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

/**
 * The seed's "Web UI flow" in real headless Chromium: configure training in the tabs, Train in
 * Cloud with the upload summary, watch a job live (progress, loss chart, logs), cancel and delete
 * jobs, sign up the admin, create and revoke an API key. Fails on any browser console error.
 * Screenshots of each step are in core/server/target/ui-screenshots/.
 */
class UiFlowTest {

  @Test
  void theWebUiFlow(@TempDir Path data) throws Exception {
    Path images = dev.simpletuner.cloud.server.replicate.DatasetsAccess.images(data.resolve("dogs"), 4, 48);
    try (FakeReplicate replicate = FakeReplicate.start();
         TestServer server = TestServer.withReplicate(Backend.SQLITE, replicate,
             Map.of("SIMPLETUNER_LOCAL_COMMAND", TestServer.trainerCommand(0.15)));
         Browser b = new Browser(1280, 800)) {
      String base = server.api().base();
      b.open(base + "/");
      b.find(".empty");
      assertThat(b.find(".empty").getText()).contains("No jobs yet");
      b.screenshot("empty-job-list");

      // Model, Training and Dataloader tabs edit one named config.
      b.find("a[data-tab='model']").click();
      b.find("#config-name").sendKeys("ui-config");
      new Select(b.find("select[name='--model_family']")).selectByValue("flux");
      new Select(b.find("select[name='--model_type']")).selectByValue("lora");
      b.find("input[name='--pretrained_model_name_or_path']").sendKeys("black-forest-labs/FLUX.1-dev", Keys.TAB);
      b.screenshot("model-tab");
      b.find("a[data-tab='training']").click();
      b.find("input[name='--max_train_steps']").sendKeys("-5", Keys.TAB);
      b.find("#save-config").click();
      Object fieldError = b.waitFor(d -> b.js("return document.querySelector(\"input[name='--max_train_steps']\")"
          + ".closest('.field').querySelector('.error').textContent || null"), "the field's error");
      assertThat(String.valueOf(fieldError)).contains("above 0");
      b.find("input[name='--max_train_steps']").clear();
      b.find("input[name='--max_train_steps']").sendKeys("60", Keys.TAB);
      b.find("input[name='--lora_rank']").sendKeys("8", Keys.TAB);
      b.screenshot("training-tab");
      b.find("a[data-tab='dataloader']").click();
      b.find("#add-dataset").click();
      b.find("input[name='dataset-0-id']").clear();
      b.find("input[name='dataset-0-id']").sendKeys("training-images", Keys.TAB);
      b.find("input[name='dataset-0-instance_data_dir']").sendKeys(images.toString(), Keys.TAB);
      b.screenshot("dataloader-tab");
      b.find("#save-config").click();
      b.waitFor(d -> b.find("#config-state").getText().equals("Saved"), "the config to be saved");
      JsonObject saved = server.api().get("/api/configs/ui-config").json();
      assertThat(saved.getJsonObject("config").getInteger("--max_train_steps")).isEqualTo(60);
      assertThat(saved.getJsonArray("dataloader_config").getJsonObject(0).getString("instance_data_dir"))
          .isEqualTo(images.toString());
      b.find("a[data-tab='publishing']").click();
      b.find("input[name='--hub_model_id']");
      b.screenshot("publishing-tab");

      // Train in Cloud: the upload summary and the estimate, then Submit.
      b.find("a[data-tab='jobs']").click();
      b.find("#train-in-cloud").click();
      b.find("#submit-dialog");
      new Select(b.find("select[name='config_name_to_load']")).selectByValue("ui-config");
      new Select(b.find("select[name='provider']")).selectByValue("replicate");
      b.waitFor(d -> b.all("#estimate").size() > 0, "the cost estimate");
      assertThat(b.find("#upload-summary").getText()).contains("training-images").contains("8");
      b.screenshot("train-in-cloud-replicate");
      new Select(b.find("select[name='provider']")).selectByValue("local");
      b.waitFor(d -> b.all("#estimate").isEmpty() && b.all("#upload-summary").size() > 0, "the local summary");
      b.find("input[name='tracker_run_name']").sendKeys("ui-run");
      b.find("#submit-job").click();

      // The job page updates live: progress bar, loss chart, logs.
      b.waitFor(d -> d.getCurrentUrl().contains("#/job/"), "the job page");
      String jobId = b.driver().getCurrentUrl().substring(b.driver().getCurrentUrl().indexOf("#/job/") + 6);
      b.waitFor(d -> b.find(".progress-label").getText().matches("step (\\d{2,})/60.*"), "progress to move");
      b.waitFor(d -> ((Number) b.js("const c = window.Chart && Chart.getChart(document.querySelector('canvas'));"
          + "return c ? c.data.datasets[0].data.length : 0;")).intValue() > 5, "loss points on the chart");
      b.find("#view-logs").click();
      b.waitFor(d -> b.find("pre.logs").getText().contains("step"), "live log lines");
      b.screenshot("job-running");
      b.waitFor(d -> b.find("#status-chip").getText().contains("Completed"), "the job to complete");
      b.screenshot("job-completed");

      // A second job, cancelled from its page.
      String second = server.api().post("/api/cloud/jobs/submit?provider=local", new JsonObject()
          .put("config", Configs.lora(100000)).put("tracker_run_name", "to-cancel"))
          .json().getString("job_id");
      b.open(base + "/#/job/" + second);
      b.find("#cancel-job").click();
      b.alert().accept(); // Cancel asks first
      b.waitFor(d -> b.find("#status-chip").getText().contains("Cancelled"), "the job to be cancelled");
      b.screenshot("job-cancelled");

      // The list shows both, live; a row opens with the keyboard; a finished job is deleted.
      b.find("a[data-tab='jobs']").click();
      b.waitFor(d -> b.all("tr.job-row").size() == 2, "two rows");
      b.screenshot("job-list");
      WebElement row = b.find("tr.job-row[data-job-id='" + jobId + "']");
      row.sendKeys(Keys.ENTER);
      b.find("#delete-job").click();
      b.driver().switchTo().alert().accept();
      b.waitFor(d -> d.getCurrentUrl().endsWith("#/jobs"), "back to the list");
      b.waitFor(d -> b.all("tr.job-row").size() == 1, "one row left");
      assertThat(server.api().get("/api/cloud/jobs/" + jobId).status()).isEqualTo(404);

      // A narrow window: nothing spills sideways.
      b.driver().manage().window().setSize(new Dimension(420, 820));
      Api.sleep(300);
      assertThat(((Number) b.js("return document.documentElement.scrollWidth")).intValue()).isLessThanOrEqualTo(436);
      b.screenshot("narrow-job-list");
      b.driver().manage().window().setSize(new Dimension(1280, 800));

      // First-run setup, then API keys in Settings: created (shown once), then revoked.
      b.find("#banner a").click();
      b.find("input[name='username']").sendKeys("owner");
      b.find("input[name='password']").sendKeys("a good long password");
      b.screenshot("setup");
      b.find("form button.primary").click();
      b.waitFor(d -> b.find("#whoami").getText().equals("owner"), "signed in");
      b.find("#settings-button").click();
      b.find("#validate-provider").click();
      b.waitFor(d -> b.find("#settings-dialog .notice.ok").getText().contains("tester"), "the account");
      b.find("#key-name").sendKeys("ci-pipeline");
      b.find("#create-key").click();
      String key = b.find("#new-key").getText();
      assertThat(key).startsWith("stk_");
      assertThat(server.api().get("/api/cloud/jobs", "X-API-Key", key).status()).isEqualTo(200);
      b.screenshot("api-key-created");
      b.find("#api-keys button.danger").click();
      b.waitFor(d -> b.find("#api-keys").getText().contains("revoked"), "the key to be revoked");
      assertThat(server.api().get("/api/cloud/jobs", "X-API-Key", key).status()).isEqualTo(401);
      b.screenshot("api-key-revoked");

      // Signed out, the app asks to sign in.
      b.find("#settings-dialog header button").click();
      b.find("#logout-button").click();
      b.find("input[name='username']");
      b.screenshot("login");
      assertThat(b.consoleErrors()).isEmpty();
    }
  }

  /** 10,000 jobs stored: the Performance API tells how long until the job list was on screen. */
  @Test
  void firstPaintOfTheJobListWithTenThousandJobs() throws Exception {
    try (TestServer server = TestServer.start(Backend.SQLITE, "true"); Browser b = new Browser(1280, 800)) {
      try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + server.stateDir().resolve("cloud/jobs.db"));
           PreparedStatement insert = db.prepareStatement("INSERT INTO jobs (job_id, owner_id, job_type, provider, "
               + "status, config_name, created_at, updated_at, started_at, completed_at, config, dataloader_config, "
               + "metadata, progress) VALUES (?, 'local', 'local', 'local', 'completed', 'bulk', ?, ?, ?, ?, '{}', '[]', "
               + "'{}', '{\"current\":100,\"total\":100,\"percent\":100.0,\"loss\":0.05}')")) {
        db.setAutoCommit(false);
        long now = System.currentTimeMillis();
        for (int i = 0; i < 10_000; i++) {
          insert.setString(1, UUID.randomUUID().toString());
          insert.setLong(2, now - i * 1000L);
          insert.setLong(3, now);
          insert.setLong(4, now - i * 1000L + 100);
          insert.setLong(5, now - i * 1000L + 900);
          insert.addBatch();
        }
        insert.executeBatch();
        db.commit();
      }
      b.open(server.api().base() + "/");
      b.waitFor(d -> b.all("tr.job-row").size() == 25, "the first page");
      double rendered = ((Number) b.js("return performance.getEntriesByName('jobs-rendered')[0].startTime")).doubleValue();
      Object paint = b.js("const p = performance.getEntriesByName('first-contentful-paint')[0]; return p ? p.startTime : null");
      System.out.printf("job list with 10,000 jobs: rows on screen after %.0f ms (first contentful paint %s ms)%n",
          rendered, paint);
      assertThat(b.find(".filters .num").getText()).contains("10000");
      assertThat(b.consoleErrors()).isEmpty();
    }
  }
}
