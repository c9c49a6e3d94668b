package dev.simpletuner.cloud.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simpletuner.cloud.server.support.Api;
import dev.simpletuner.cloud.server.support.Backend;
import dev.simpletuner.cloud.server.support.Configs;
import dev.simpletuner.cloud.server.support.FakeReplicate;
import dev.simpletuner.cloud.server.support.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

/**
 * The UI as a demanding user sees it (issue 17), in real headless Chromium: a job's list row says
 * where its model went, a local job says where its model is, Cancel confirms and is safe to click
 * twice, an old queue position disappears, the submit dialog shows the delivery plan, Publishing
 * has one Save, a job without a public URL says why it shows no progress, a lone loss point is
 * drawn, the estimate learns from finished jobs and is set against the actual, and nothing spills
 * sideways at 390 px. Each numbered block is the point it checks. One server without a public URL, talking to a fake Replicate. Screenshots are
 * in core/server/target/ui-screenshots/.
 */
class UiDemandingUserTest {
  private FakeReplicate replicate;
  private TestServer server;
  private Browser b;
  private Api api;
  private String base;

  /** One server without a public URL, talking to a fake Replicate, and a browser at desktop size. */
  @BeforeEach
  void start() {
    replicate = FakeReplicate.start();
    server = TestServer.start(Backend.SQLITE, Map.of(
        "SIMPLETUNER_LOCAL_COMMAND", TestServer.trainerCommand(0.05),
        "REPLICATE_API_TOKEN", FakeReplicate.TOKEN,
        "REPLICATE_BASE_URL", replicate.baseUrl()));
    b = new Browser(1280, 900);
    api = server.api();
    base = api.base();
  }

  @AfterEach
  void stop() throws Exception {
    try (FakeReplicate r = replicate; TestServer s = server; Browser br = b) {
      // closed in reverse order, each even if another fails
    }
  }

  @Test
  void whatADemandingUserExpects() throws Exception {
    // The S3 target points at this server's own storage endpoint with credentials it does not know:
    // a job delivered there fails its delivery (403) although training completed.
    assertThat(api.put("/api/cloud/delivery/s3", new JsonObject().put("endpoint_url", base + "/api/cloud/storage")
        .put("bucket", "outputs").put("access_key", "AKIA-NOT-KNOWN").put("secret_key", "not-known-secret")
        .put("mode", "server")).status()).isEqualTo(200);

    // 2. A local job without delivery targets: its model sits in its output folder, and the page says where.
    String plain = submitLocal(api, Configs.lora(1), "one-step", null);
    api.waitForStatus(plain, "completed");
    String outputUrl = api.job(plain).getString("output_url");
    assertThat(outputUrl).startsWith("file:");
    Path folderPath = Path.of(URI.create(outputUrl));
    assertThat(Files.isDirectory(folderPath)).isTrue();
    Files.writeString(folderPath.resolve("pytorch_lora_weights.safetensors"), "the trained weights");
    b.open(base + "/#/job/" + plain);
    WebElement folder = b.find("#model-folder");
    assertThat(folder.getText()).contains(folderPath.toString()).contains("output folder");
    assertThat(b.find("#delivery").getText()).doesNotContain("not delivered anywhere");
    // ... and lists the folder's files with downloads.
    WebElement weights = b.find("#files-table tr[data-source='folder'][data-path='pytorch_lora_weights.safetensors']");
    assertThat(weights.getText()).contains("output folder").contains("19 B");
    String href = (String) b.js("return arguments[0].querySelector('a.download').getAttribute('href')", weights);
    assertThat(new String(api.getBytes(href).body(), java.nio.charset.StandardCharsets.UTF_8))
        .isEqualTo("the trained weights");
    // 7. One loss point is drawn as a dot, not as empty axes.
    b.waitFor(d -> ((Number) b.js("const c = window.Chart && Chart.getChart(document.querySelector('canvas'));"
        + "return c ? c.data.datasets[0].data.length : -1;")).intValue() == 1, "the single loss point");
    assertThat(((Number) b.js("return Chart.getChart(document.querySelector('canvas')).data.datasets[0].pointRadius"))
        .doubleValue()).isGreaterThan(0);
    b.screenshot("local-job-model-folder");

    // 1. A job whose model never arrived is not a plain "Completed" in the list.
    String failedDelivery = submitLocal(api, Configs.lora(3), "s3-refused", new JsonArray().add("s3"));
    api.waitFor(failedDelivery, j -> j.getJsonArray("delivery").stream().map(JsonObject.class::cast)
        .anyMatch(d -> "failed".equals(d.getString("status"))), Duration.ofSeconds(60));
    b.open(base + "/#/jobs");
    b.find("tr.job-row[data-job-id='" + failedDelivery + "']");
    b.waitFor(d -> rowText(b, failedDelivery).contains("Delivery failed"), "the delivery state in the row");
    assertThat(rowText(b, failedDelivery)).contains("Completed");
    assertThat(b.find("tr.job-row[data-job-id='" + failedDelivery + "'] [data-delivery]").getAttribute("data-delivery"))
        .isEqualTo("failed");
    assertThat(textNow(b, "tr.job-row[data-job-id='" + plain + "'] [data-delivery]")).isEqualTo("On this machine");
    b.screenshot("job-list-delivery-states");

    // 4. A queued job that starts loses its queue position (the local provider runs one job at a time).
    String first = submitLocal(api, Configs.lora(100000), "long-one", null);
    api.waitForStatus(first, "running");
    String second = submitLocal(api, Configs.lora(100000), "waiting-one", null);
    b.find("tr.job-row[data-job-id='" + second + "']");
    b.waitFor(d -> rowText(b, second).contains("Queued #1"), "the queue position");
    api.postEmpty("/api/cloud/jobs/" + first + "/cancel");
    api.waitForStatus(second, "running");
    b.waitFor(d -> rowText(b, second).contains("Running"), "the job to start");
    assertThat(textNow(b, "tr.job-row[data-job-id='" + second + "'] .chip")).isEqualTo("Running");

    // 3. Cancel asks first (dismissed: the job runs on); accepted, a double click shows no contradiction.
    b.open(base + "/#/job/" + second);
    b.find("#cancel-job").click();
    assertThat(b.alert().getText()).contains("Cancel this job");
    b.driver().switchTo().alert().dismiss();
    Api.sleep(500);
    assertThat(api.job(second).getString("status")).isEqualTo("running");
    b.js("window.confirm = () => true; const x = document.querySelector('#cancel-job'); x.click();"
        + "window.__disabledAtOnce = x.disabled; x.click(); x.click();");
    assertThat(b.js("return window.__disabledAtOnce")).isEqualTo(true);
    b.waitFor(d -> b.find("#status-chip").getText().contains("Cancelled"), "the job to be cancelled");
    Api.sleep(800);
    assertThat(b.all(".toast.bad")).isEmpty();
    assertThat(b.all(".toast").stream().map(WebElement::getText).toList()).contains("Job cancelled");
    // 10. The cancelled job's stage is how it ended, not "Training"; the chip has its own style.
    b.waitFor(d -> b.find("#stage").getText().equals("Cancelled"), "the stage");
    assertThat(b.find("#status-chip .chip.cancelled").getCssValue("box-shadow")).isNotEqualTo("none");
    // 10. A job delivered nowhere says so in one line, with where to set delivery up.
    WebElement nowhere = b.find("#delivery li.one-line");
    assertThat(nowhere.getText()).contains("set up delivery");
    assertThat(b.js("const r = document.createRange(); r.selectNodeContents(arguments[0]);"
        + "return new Set([...r.getClientRects()].map(x => Math.round(x.top))).size", nowhere)).isEqualTo(1L);
    b.screenshot("job-cancelled");

    // 7. A Replicate job without a public URL says why it shows no progress; the chart is not empty axes.
    // (Replicate refuses a job whose model could not leave its container: the trainer uploads to S3 itself.)
    // It starts at once at the provider: Running shows within seconds, not at the next polling round.
    assertThat(api.put("/api/cloud/delivery/s3", new JsonObject().put("mode", "trainer")).status()).isEqualTo(200);
    replicate.autoRun(300, 3_600_000);
    Api.Response cloudSubmit = api.post("/api/cloud/jobs/submit?provider=replicate", new JsonObject()
        .put("config", Configs.lora(50)).put("tracker_run_name", "no-public-url").put("delivery", new JsonArray().add("s3")));
    assertThat(cloudSubmit.status()).as(cloudSubmit.body()).isEqualTo(200);
    String cloud = cloudSubmit.json().getString("job_id");
    b.open(base + "/#/job/" + cloud);
    api.waitFor(cloud, j -> j.getString("external_id") != null, Duration.ofSeconds(30));
    long handedOver = System.nanoTime();
    b.waitFor(d -> b.find("#status-chip").getText().contains("Running"), "Running on the job page");
    assertThat(Duration.ofNanos(System.nanoTime() - handedOver)).isLessThan(Duration.ofSeconds(8));
    assertThat(b.find("#no-reports").getText()).contains("No public URL").contains("polling the provider")
        .contains("Webhook URL");
    assertThat(b.find("#chart-empty").isDisplayed()).isTrue();
    assertThat(b.js("return document.querySelector('.chart-box').offsetHeight")).isEqualTo(0L);
    b.screenshot("replicate-no-public-url");

    // 9. The estimate learns from finished jobs on the same provider and hardware, and the job page
    // shows it against the actual.
    JsonObject replicateProvider = api.get("/api/cloud/providers/replicate").json();
    String hardware = replicateProvider.getJsonObject("settings").getString("hardware_profile");
    if (hardware == null) {
      hardware = replicateProvider.getJsonArray("hardware").getJsonObject(0).getString("id");
    }
    String finished = history(hardware);
    b.open(base + "/#/job/" + finished);
    WebElement vs = b.find("#estimate-vs-actual");
    assertThat(vs.getText()).contains("estimated").contains("actual").contains("Based on");
    b.screenshot("estimate-vs-actual");

    // 5. The submit dialog shows the delivery plan and what it lacks, before submit.
    Files.createDirectories(server.stateDir().resolve("imgs"));
    api.put("/api/configs/hub-config", new JsonObject().put("config", Configs.lora(200).copy()
        .put("--push_to_hub", true).put("--hub_model_id", "someone/lora")).put("dataloader_config", new JsonArray()));
    b.open(base + "/#/jobs");
    b.find("#train-in-cloud").click();
    b.find("#submit-dialog");
    new Select(b.find("select[name='config_name_to_load']")).selectByValue("hub-config");
    new Select(b.find("select[name='provider']")).selectByValue("replicate");
    b.waitFor(d -> !b.all("#plan-no-url").isEmpty(), "the missing public URL");
    b.waitFor(d -> b.find("#plan-problem").getText().contains("Hugging Face"), "the Hub's problem");
    assertThat(b.find("#plan-problem").getText()).contains("Publishing tab").doesNotContain("Settings →");
    b.waitFor(d -> b.find("#estimate").getText().contains("the last 2 finished job(s)"), "the learned estimate");
    assertThat(b.find("#estimate").getText()).contains("s/step").contains("start-up").doesNotContain("600 s");
    b.screenshot("submit-delivery-plan");
    new Select(b.find("select[name='provider']")).selectByValue("local");
    b.waitFor(d -> !b.all("#delivery-plan li[data-plan='folder']").isEmpty(), "this machine in the plan");
    assertThat(b.all("#plan-no-url")).isEmpty();
    b.find("#submit-dialog footer button:not(.primary)").click();

    // 6. The Publishing tab has one Save.
    b.open(base + "/#/publishing");
    b.find("#publishing-s3 input[name='s3-bucket']");
    assertThat(b.all("main button.primary")).hasSize(1);
    assertThat(b.find("main button.primary").getText()).isEqualTo("Save");
    WebElement region = b.find("input[name='s3-region']");
    region.clear();
    region.sendKeys("eu-west-1");
    b.find("#save-config").click();
    b.waitFor(d -> "eu-west-1".equals(api.get("/api/cloud/delivery/s3").json().getJsonObject("settings")
        .getString("region")), "the one Save to save the S3 settings");
    b.screenshot("publishing-one-save");

    // 10. The local machine has no account to validate.
    b.find("#settings-button").click();
    new Select(b.find("#settings-provider")).selectByValue("local");
    b.waitFor(d -> b.find("#settings-dialog").getText().contains("Cost limit"), "the local provider's settings");
    assertThat(b.all("#validate-provider")).isEmpty();
    b.find("#settings-dialog header button").click();

    // 8. At 390 px nothing spills sideways on any page; the header takes at most two rows.
    b.driver().manage().window().setSize(new Dimension(390, 844));
    Api.sleep(300);
    for (String page : List.of("#/jobs", "#/job/" + failedDelivery, "#/job/" + cloud, "#/model", "#/training",
        "#/dataloader", "#/publishing")) {
      b.open(base + "/" + page);
      b.find("main h1");
      Api.sleep(700);
      // Settled layout: a page still drawing (a chart, a panel loading) may be wider for a moment.
      // (The width without a vertical scroll bar, which a short page does not have.)
      String overflow = "const w = document.documentElement.clientWidth; return document.documentElement.scrollWidth <= w"
          + " ? null : [...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right > w + 1)"
          + ".slice(0, 5).map(e => e.tagName + '.' + e.className + '#' + e.id).join(' ') || 'the page'";
      long until = System.currentTimeMillis() + 5000;
      Object wider = b.js(overflow);
      while (wider != null && System.currentTimeMillis() < until) {
        Api.sleep(250);
        wider = b.js(overflow);
      }
      assertThat(wider).as("horizontal overflow on %s", page).isNull();
      int brand = ((Number) b.js("return document.querySelector('.brand').offsetHeight")).intValue();
      assertThat(((Number) b.js("return document.querySelector('.topbar').offsetHeight")).intValue())
          .as("header rows on %s", page).isLessThanOrEqualTo(2 * brand + 60);
    }
    b.open(base + "/#/jobs");
    b.find("tr.job-row");
    b.screenshot("narrow-job-list");
    // A toast leaves room below the last row: the page scrolls it clear.
    b.js("document.getElementById('toasts').append(Object.assign(document.createElement('div'),"
        + "{className: 'toast', textContent: 'A toast'}))");
    int pad = ((Number) b.js("return parseFloat(getComputedStyle(document.querySelector('main')).paddingBottom)"))
        .intValue();
    int toast = ((Number) b.js("return document.getElementById('toasts').offsetHeight")).intValue();
    assertThat(pad).isGreaterThanOrEqualTo(toast);
    b.driver().manage().window().setSize(new Dimension(1280, 900));

    // 10. Login: no tabs and no gear before signing in; scopes in words.
    b.open(base + "/#/setup");
    b.find("input[name='username']").sendKeys("owner");
    b.find("input[name='password']").sendKeys("a good long password");
    assertThat(b.all(".tabs").get(0).isDisplayed()).isFalse();
    assertThat(b.all("#settings-button").get(0).isDisplayed()).isFalse();
    b.screenshot("setup-no-tabs");
    b.find("form button.primary").click();
    b.waitFor(d -> b.find("#whoami").getText().equals("owner"), "signed in");
    assertThat(b.find(".tabs").isDisplayed()).isTrue();
    b.find("#settings-button").click();
    WebElement scopes = b.find("#key-scopes");
    assertThat(scopes.getText()).contains("Submit jobs").contains("Start training runs").doesNotContain("job.view.own");
    b.screenshot("api-key-scopes");
    b.find("#settings-dialog header button").click();
    b.find("#logout-button").click();
    b.find("input[name='username']");
    assertThat(b.all(".tabs").get(0).isDisplayed()).isFalse();
    b.screenshot("login-no-tabs");
  }

  /**
   * The Cloud tab's dashboard from seeded jobs (spend per day against the cost limit, jobs by status
   * and provider, success rate, median duration and cost per provider and hardware); then every page
   * with the keyboard (visible focus) and through axe-core, with no serious or critical violation.
   */
  @Test
  void theDashboardTheKeyboardAndAxe() throws Exception {
    assertThat(api.put("/api/cloud/providers/replicate", new JsonObject().put("cost_limit_enabled", true)
        .put("cost_limit_amount", 5.0).put("cost_limit_period", "daily").put("cost_limit_action", "warn")).status())
        .isEqualTo(200);
    String hardware = api.get("/api/cloud/providers/replicate").json().getJsonArray("hardware").getJsonObject(0)
        .getString("id");
    history(hardware); // two completed (300 s and 700 s, $0.30 and $0.70)
    try (Connection db = db();
         PreparedStatement insert = db.prepareStatement("INSERT INTO jobs (job_id, owner_id, job_type, provider, "
             + "status, hardware_profile, cost_per_second, cost_usd, created_at, updated_at, started_at, completed_at, "
             + "config, dataloader_config, metadata) VALUES (?, 'local', 'cloud', 'replicate', 'failed', ?, 0.001, 0.05, "
             + "?, ?, ?, ?, '{}', '[]', '{}')")) {
      long now = System.currentTimeMillis();
      insert.setString(1, UUID.randomUUID().toString());
      insert.setString(2, hardware);
      insert.setLong(3, now - 600_000);
      insert.setLong(4, now - 500_000);
      insert.setLong(5, now - 550_000);
      insert.setLong(6, now - 500_000);
      insert.executeUpdate();
    }
    String local = submitLocal(api, Configs.lora(2), "local-one", null);
    api.waitForStatus(local, "completed");

    b.open(base + "/#/jobs");
    WebElement row = b.find("#dash-hardware tr[data-provider='replicate']");
    assertThat(row.getText()).contains(hardware).contains("3").contains("67%").contains("8m 20s").contains("$0.50");
    assertThat(b.find("#dash-hardware tr[data-provider='local']").getText()).contains("100%");
    assertThat(b.find("#dash-success").getText()).isEqualTo("75%");
    assertThat(b.find("#dash-jobs").getText()).isEqualTo("4");
    String spend = "const c = Chart.getChart(document.querySelector('#dashboard canvas'));";
    b.waitFor(d -> ((Number) b.js(spend + "return c ? c.data.datasets.length : 0")).intValue() == 2, "the limit line");
    assertThat(((Number) b.js(spend + "return c.data.datasets[1].data[0]")).doubleValue()).isEqualTo(5.0);
    assertThat(((Number) b.js(spend + "return c.data.datasets[0].data.reduce((a, x) => a + x, 0)")).doubleValue())
        .isGreaterThan(1.0);
    assertThat(((Number) b.js("const c = Chart.getChart(document.querySelectorAll('#dashboard canvas')[1]);"
        + "return c.data.datasets[0].data.reduce((a, x) => a + x, 0)")).intValue()).isEqualTo(4);
    b.js("document.getElementById('dashboard').scrollIntoView()");
    b.screenshot("dashboard");

    // The keyboard: focus is visible on links, buttons and rows.
    b.js("window.scrollTo(0, 0); document.activeElement.blur()");
    b.driver().switchTo().activeElement().sendKeys(org.openqa.selenium.Keys.TAB);
    for (int i = 0; i < 12; i++) {
      WebElement focused = b.driver().switchTo().activeElement();
      String outline = focused.getCssValue("outline-style");
      assertThat(outline).as("visible focus on %s", focused.getTagName() + " " + focused.getText()).isNotEqualTo("none");
      focused.sendKeys(org.openqa.selenium.Keys.TAB);
    }

    // axe-core on every page, and on the dialogs.
    for (String page : List.of("#/jobs", "#/job/" + local, "#/model", "#/training", "#/dataloader", "#/publishing",
        "#/workers")) {
      b.open(base + "/" + page);
      b.find("main h1");
      Api.sleep(800);
      assertThat(Axe.serious(b)).as("axe on %s", page).isEmpty();
    }
    b.open(base + "/#/jobs");
    b.find("#settings-button").click();
    b.find("#settings-dialog #key-name, #settings-dialog .panel");
    Api.sleep(800);
    assertThat(Axe.serious(b)).as("axe on Settings").isEmpty();
    b.find("#settings-dialog header button").click();
    api.put("/api/configs/axe-config", new JsonObject().put("config", Configs.lora(10)).put("dataloader_config",
        new JsonArray()));
    b.find("#train-in-cloud").click();
    b.find("#submit-dialog #delivery-plan li");
    Api.sleep(500);
    assertThat(Axe.serious(b)).as("axe on Train in Cloud").isEmpty();
    b.find("#submit-dialog footer button:not(.primary)").click();
    b.open(base + "/#/login");
    b.find("input[name='username']");
    assertThat(Axe.serious(b)).as("axe on the login page").isEmpty();
  }

  /** The server's SQLite database, to seed what the API cannot make (jobs that ended in the past). */
  private Connection db() throws java.sql.SQLException {
    return DriverManager.getConnection("jdbc:sqlite:" + server.stateDir().resolve("cloud/jobs.db"));
  }

  private static String submitLocal(Api api, JsonObject config, String name, JsonArray delivery) {
    JsonObject body = new JsonObject().put("config", config).put("tracker_run_name", name);
    if (delivery != null) {
      body.put("delivery", delivery);
    }
    Api.Response r = api.post("/api/cloud/jobs/submit?provider=local", body);
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return r.json().getString("job_id");
  }

  /**
   * Two finished Replicate jobs on the hardware (100 steps in 300 s, 300 steps in 700 s: 2 s/step
   * and 100 s start-up), the second with the estimate it was submitted with. Returns its id.
   */
  private String history(String hardware) throws Exception {
    String last = null;
    try (Connection db = db();
         PreparedStatement insert = db.prepareStatement("INSERT INTO jobs (job_id, owner_id, job_type, provider, status, "
             + "config_name, tracker_run_name, hardware_profile, cost_per_second, cost_usd, estimated_cost_usd, created_at, "
             + "updated_at, started_at, completed_at, config, dataloader_config, metadata, progress) VALUES (?, 'local', "
             + "'cloud', 'replicate', 'completed', 'past', ?, ?, 0.001, ?, ?, ?, ?, ?, ?, '{}', '[]', ?, ?)")) {
      long now = System.currentTimeMillis();
      int[][] runs = {{100, 300}, {300, 700}};
      for (int[] run : runs) {
        last = UUID.randomUUID().toString();
        long start = now - 3_600_000L + run[0] * 1000L;
        insert.setString(1, last);
        insert.setString(2, "past-" + run[0]);
        insert.setString(3, hardware);
        insert.setDouble(4, run[1] * 0.001);
        insert.setDouble(5, 1.3);
        insert.setLong(6, start - 1000);
        insert.setLong(7, start + run[1] * 1000L);
        insert.setLong(8, start);
        insert.setLong(9, start + run[1] * 1000L);
        insert.setString(10, new JsonObject().put("estimate", new JsonObject().put("estimated_cost_usd", 1.3)
            .put("estimated_seconds", 1300).put("basis", "a default pace")).encode());
        insert.setString(11, new JsonObject().put("current", run[0]).put("total", run[0]).put("percent", 100.0).encode());
        insert.executeUpdate();
      }
    }
    return last;
  }

  /** A job row's text as it is now: the list redraws rows that change, so a found element goes stale. */
  /** An element's text read in the page at once: the job list redraws its rows as the stream updates them. */
  private static String textNow(Browser b, String css) {
    return String.valueOf(b.js("const e = document.querySelector(arguments[0]); return e ? e.innerText.trim() : null;",
        css));
  }

  private static String rowText(Browser b, String jobId) {
    Object text = b.js("const r = document.querySelector(\"tr.job-row[data-job-id='\" + arguments[0] + \"']\");"
        + " return r ? r.innerText : '';", jobId);
    return String.valueOf(text);
  }
}
