package dev.simpletuner.cloud.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simpletuner.cloud.server.replicate.DatasetsAccess;
import dev.simpletuner.cloud.server.support.Api;
import dev.simpletuner.cloud.server.support.Backend;
import dev.simpletuner.cloud.server.support.Configs;
import dev.simpletuner.cloud.server.support.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.eclipse.jgit.api.Git;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/** "Run again…" with its changes, the sweep page and the diff of two config versions, in Chromium. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UiReproduceTest {
  private Path dir;
  private TestServer server;
  private Api api;
  private JsonArray datasets;

  @BeforeAll
  void start() throws Exception {
    dir = Files.createTempDirectory("st-ui-reproduce-");
    Git.init().setDirectory(dir.resolve("repo").toFile()).call().close();
    server = TestServer.start(Backend.SQLITE, Map.of("SIMPLETUNER_LOCAL_COMMAND", TestServer.trainerCommand(0.02),
        "SIMPLETUNER_SNAPSHOTS_GIT_REPOSITORY", dir.resolve("repo").toString()));
    api = server.api();
    datasets = new JsonArray();
    for (String id : List.of("cats", "dogs")) {
      Path images = DatasetsAccess.images(dir.resolve(id), 2, 32);
      datasets.add(new JsonObject().put("id", id).put("type", "local").put("instance_data_dir", images.toString()));
    }
  }

  @AfterAll
  void stop() {
    server.close();
    TestServer.deleteTree(dir);
  }

  private static void setText(Browser b, String id, String text) {
    b.js("const t = document.getElementById(arguments[0]); t.value = arguments[1];"
        + " t.dispatchEvent(new Event('input', {bubbles: true}));", id, text);
  }

  @Test
  void runAgainShowsTheChangesFromTheJobAndSubmitsAClone() throws Exception {
    api.post("/api/configs", new JsonObject().put("name", "again base").put("config", Configs.lora(2)
        .put("--lora_rank", 4).put("--seed", 1)).put("dataloader_config", datasets));
    String parentId = api.post("/api/cloud/jobs/submit?provider=local", new JsonObject()
        .put("config_name_to_load", "again base").put("tracker_run_name", "first")).json().getString("job_id");
    JsonObject parent = api.waitFor(parentId, j -> j.getBoolean("is_terminal"), Duration.ofSeconds(60));
    try (Browser b = new Browser(1280, 1000)) {
      b.open(api.base() + "/#/job/" + parentId);
      // The job page names its git snapshot.
      assertThat(b.<String>waitFor(d -> b.find("#snapshot").getText(), "the snapshot"))
          .startsWith(parent.getJsonObject("snapshot").getString("abbrev"));
      assertThat(b.<String>waitFor(d -> b.find("#snapshot").getAttribute("title"), "the snapshot's commit"))
          .isEqualTo(parent.getJsonObject("snapshot").getString("commit"));

      b.find("#run-again").click();
      assertThat(b.find("#submit-title").getText()).isEqualTo("Run again");
      assertThat(new JsonObject(String.valueOf(b.js("return document.getElementById('run-again-config').value;"))))
          .isEqualTo(parent.getJsonObject("config"));
      assertThat(b.find("#clone-changes").getText()).contains("No changes");

      JsonObject edited = parent.getJsonObject("config").copy().put("--lora_rank", 16).put("--learning_rate", 0.0002);
      edited.remove("--seed");
      setText(b, "run-again-config", edited.encodePrettily());
      setText(b, "run-again-datasets", new JsonArray().add(datasets.getJsonObject(1)).encodePrettily());
      b.waitFor(d -> d.findElements(By.cssSelector("#clone-changes tr[data-key]")).size() == 4, "four changes");
      assertThat(change(b, "--lora_rank")).contains("changed").contains("4").contains("16");
      assertThat(change(b, "--learning_rate")).contains("added");
      assertThat(change(b, "--seed")).contains("removed");
      assertThat(change(b, "cats")).contains("Dataset").contains("removed");
      // Bad JSON is pointed at, not sent.
      setText(b, "run-again-config", "{ not json");
      b.waitFor(d -> b.find("#clone-changes").getText().contains("Fix the JSON"), "the JSON note");
      setText(b, "run-again-config", edited.encodePrettily());
      b.find("input[name='tracker_run_name']").clear();
      b.find("input[name='tracker_run_name']").sendKeys("second");
      b.screenshot("run-again");
      assertThat(Axe.serious(b)).as("axe on Run again").isEmpty();
      b.waitFor(d -> b.find("#submit-job").isEnabled(), "the submit button");
      b.find("#submit-job").click();
      b.waitFor(d -> {
        String hash = String.valueOf(b.js("return location.hash;"));
        return hash.startsWith("#/job/") && !hash.equals("#/job/" + parentId) ? hash : null;
      }, "the clone's page");
      String cloneId = String.valueOf(b.js("return location.hash;")).substring("#/job/".length());
      JsonObject clone = api.job(cloneId);
      assertThat(clone.getString("parent_job_id")).isEqualTo(parentId);
      assertThat(clone.getString("tracker_run_name")).isEqualTo("second");
      assertThat(clone.getJsonObject("config").getInteger("--lora_rank")).isEqualTo(16);
      assertThat(clone.getJsonObject("config").containsKey("--seed")).isFalse();
      assertThat(clone.getJsonArray("dataloader_config")).containsExactly(datasets.getJsonObject(1));
      assertThat(clone.getJsonObject("clone_changes").getJsonArray("config")).hasSize(3);
      // The page re-renders as the clone's job runs: read the link within a wait (stale means look again).
      assertThat(b.<String>waitFor(d -> b.find("#parent-job").getText(), "the parent link")).isEqualTo(parentId.substring(0, 8));
      assertThat(b.consoleErrors()).isEmpty();
    }
  }

  /** Clicks what a live page may re-render meanwhile (a stale element is looked up again). */
  private static void click(Browser b, String css) {
    b.waitFor(d -> {
      b.find(css).click();
      return true;
    }, "a click on " + css);
  }

  private static String change(Browser b, String key) {
    WebElement row = b.find("#clone-changes tr[data-key='" + key + "']");
    return row.getText();
  }

  @Test
  void theSweepPageShowsItsRunsSideBySideAndTheBestByTheChosenMetric() throws Exception {
    api.post("/api/configs", new JsonObject().put("name", "sweep base").put("config", Configs.lora(2)));
    Api.Response made = api.post("/api/cloud/sweeps", new JsonObject().put("provider", "local").put("name", "steps")
        .put("base", new JsonObject().put("config_name", "sweep base"))
        .put("grid", new JsonObject().put("--max_train_steps", new JsonArray().add(2).add(4).add(3)))
        .put("max_concurrent", 3));
    assertThat(made.status()).as(made.body()).isEqualTo(200);
    String sweepId = made.json().getString("sweep_id");
    try (Browser b = new Browser(1280, 1000)) {
      b.open(api.base() + "/#/sweep/" + sweepId);
      b.waitFor(d -> b.find("h1").getText().equals("steps") && d.findElements(By.cssSelector("#sweep-runs tbody tr"))
          .size() == 3, "the sweep's three runs");
      b.waitFor(d -> b.all("#sweep-runs tbody tr").stream().allMatch(r -> r.getText().contains("Completed"))
          && !d.findElements(By.cssSelector("span.chip.completed")).isEmpty(), "every run to end");
      JsonObject sweep = api.get("/api/cloud/sweeps/" + sweepId).json();
      JsonArray runs = sweep.getJsonArray("runs");
      List<WebElement> rows = b.all("#sweep-runs tbody tr");
      for (int i = 0; i < 3; i++) {
        JsonObject run = runs.getJsonObject(i);
        String text = rows.get(i).getText();
        assertThat(text).contains("max_train_steps=" + run.getJsonObject("overrides").getJsonObject("config")
            .getInteger("--max_train_steps"));
        assertThat(rows.get(i).findElement(By.cssSelector("td[data-metric='final_loss']")).getText())
            .isEqualTo(String.format("%.4f", run.getDouble("final_loss")));
        assertThat(rows.get(i).findElement(By.cssSelector("td[data-metric='cost_usd']")).getText()).startsWith("$");
        assertThat(rows.get(i).findElement(By.cssSelector("td[data-metric='duration_seconds']")).getText()).endsWith("s");
        assertThat(rows.get(i).findElements(By.cssSelector("[data-delivery]"))).as("a delivery chip").hasSize(1);
      }
      // By final loss (the sweep's metric): the 4-step run (the example trainer's loss falls with steps).
      assertThat(b.find("#sweep-best").getText()).contains("run 2").contains("max_train_steps=4");
      assertThat(rows.get(1).getAttribute("class")).contains("best");
      // By duration: the lowest duration of the completed runs.
      new org.openqa.selenium.support.ui.Select(b.find("#sweep-metric")).selectByValue("duration_seconds");
      int fastest = 0;
      for (int i = 1; i < 3; i++) {
        if (runs.getJsonObject(i).getDouble("duration_seconds") < runs.getJsonObject(fastest).getDouble("duration_seconds")) {
          fastest = i;
        }
      }
      int expected = fastest;
      b.waitFor(d -> b.find("#sweep-best").getText().contains("run " + (expected + 1) + " "), "the fastest run");
      assertThat(b.all("#sweep-runs tbody tr").get(expected).getAttribute("class")).contains("best");
      b.screenshot("sweep");
      assertThat(Axe.serious(b)).as("axe on the sweep page").isEmpty();

      // A run's job page links back to its sweep.
      b.all("#sweep-runs tbody tr").get(0).findElement(By.cssSelector("td:last-child a")).click();
      click(b, "#sweep-link");
      b.waitFor(d -> String.valueOf(b.js("return location.hash;")).equals("#/sweep/" + sweepId), "the sweep again");
      assertThat(b.consoleErrors()).isEmpty();
    }
  }

  @Test
  void theDiffViewComparesTwoVersionsOfAConfig() throws Exception {
    api.post("/api/configs", new JsonObject().put("name", "diff cfg").put("config", Configs.lora(2).put("--seed", 1))
        .put("dataloader_config", datasets));
    api.put("/api/configs/diff%20cfg", new JsonObject().put("config", Configs.lora(5).put("--lora_rank", 8))
        .put("dataloader_config", datasets).put("message", "longer, ranked"));
    api.put("/api/configs/diff%20cfg", new JsonObject().put("config", Configs.lora(5).put("--lora_rank", 8))
        .put("dataloader_config", new JsonArray().add(datasets.getJsonObject(0))).put("message", "cats only"));
    String job = api.post("/api/cloud/jobs/submit?provider=local", new JsonObject()
        .put("config_name_to_load", "diff cfg")).json().getString("job_id");
    try (Browser b = new Browser(1280, 900)) {
      // From the Model tab's versions link: the current version against the one before.
      b.open(api.base() + "/#/model");
      new org.openqa.selenium.support.ui.Select(b.find("#config-picker")).selectByValue("diff cfg");
      b.find("#config-history").click();
      b.waitFor(d -> !d.findElements(By.cssSelector("#version-changes tr[data-key]")).isEmpty(), "the changes");
      assertThat(String.valueOf(b.js("return location.hash;"))).isEqualTo("#/diff/diff%20cfg/2/3");
      assertThat(b.all("#version-changes tr[data-key]")).hasSize(1);
      assertThat(b.find("#version-changes tr[data-key='dogs']").getText()).contains("Dataset").contains("removed");

      // Any two versions.
      new org.openqa.selenium.support.ui.Select(b.find("#diff-from")).selectByValue("1");
      b.waitFor(d -> d.findElements(By.cssSelector("#version-changes tr[data-key]")).size() == 4, "1 → 3");
      assertThat(b.find("#version-changes tr[data-key='--max_train_steps']").getText()).contains("changed")
          .contains("2").contains("5");
      assertThat(b.find("#version-changes tr[data-key='--seed']").getText()).contains("removed");
      assertThat(b.find("#version-changes tr[data-key='--lora_rank']").getText()).contains("added");
      assertThat(String.valueOf(b.js("return location.hash;"))).isEqualTo("#/diff/diff%20cfg/1/3");
      new org.openqa.selenium.support.ui.Select(b.find("#diff-to")).selectByValue("1");
      b.waitFor(d -> b.find("#version-changes").getText().contains("same settings"), "no changes");
      b.screenshot("version-diff");
      assertThat(Axe.serious(b)).as("axe on the diff view").isEmpty();

      // From a job page: its version against the current one.
      api.put("/api/configs/diff%20cfg", new JsonObject().put("config", Configs.lora(7).put("--lora_rank", 8))
          .put("dataloader_config", new JsonArray().add(datasets.getJsonObject(0))));
      b.open(api.base() + "/#/job/" + job);
      click(b, "#changes-since");
      b.waitFor(d -> !d.findElements(By.cssSelector("#version-changes tr[data-key]")).isEmpty(), "the changes since");
      assertThat(b.all("#version-changes tr[data-key]")).hasSize(1);
      assertThat(b.find("#version-changes tr[data-key='--max_train_steps']").getText()).contains("5").contains("7");
      assertThat(b.consoleErrors()).isEmpty();
    }
  }
}
