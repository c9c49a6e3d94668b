package dev.simpletuner.cloud.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simpletuner.cloud.server.support.Api;
import dev.simpletuner.cloud.server.support.Backend;
import dev.simpletuner.cloud.server.support.Configs;
import dev.simpletuner.cloud.server.support.TestServer;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import org.openqa.selenium.By;
import org.junit.jupiter.api.Test;

/** A job page names what the job ran: the config version (with its diff link), the hash, the parent. */
class UiProvenanceTest {

  @Test
  void aClonedJobsPageLinksItsConfigVersionDiffAndParent() throws Exception {
    try (TestServer server = TestServer.start(Backend.SQLITE, TestServer.trainerCommand(0.02));
         Browser b = new Browser(1280, 900)) {
      Api api = server.api();
      api.post("/api/configs", new JsonObject().put("name", "base cfg").put("config", Configs.lora(2)));
      api.put("/api/configs/base cfg".replace(" ", "%20"), new JsonObject().put("config", Configs.lora(3)));
      String parent = api.post("/api/cloud/jobs/submit?provider=local", new JsonObject()
          .put("config_name_to_load", "base cfg")).json().getString("job_id");
      api.waitFor(parent, j -> j.getBoolean("is_terminal"), Duration.ofSeconds(60));
      String clone = api.post("/api/cloud/jobs/" + parent + "/clone", new JsonObject()).json().getString("job_id");

      b.open(api.base() + "/#/job/" + parent);
      b.waitFor(d -> !d.findElements(By.id("config-version")).isEmpty(), "the config version");
      assertThat(b.find("#config-version").getText()).startsWith("base cfg v2");
      String diff = b.find("#config-version a:last-child").getAttribute("href");
      assertThat(diff).endsWith("/#/diff/base%20cfg/2");
      assertThat(b.find("#config-hash").getAttribute("title")).isEqualTo(api.job(parent).getString("config_hash"));

      b.open(api.base() + "/#/job/" + clone);
      b.waitFor(d -> !d.findElements(By.id("parent-job")).isEmpty(), "the parent link");
      b.find("#parent-job").click();
      b.waitFor(d -> String.valueOf(b.js("return location.hash;")).equals("#/job/" + parent), "the parent's page");
      assertThat(b.consoleErrors()).isEmpty();
    }
  }
}
