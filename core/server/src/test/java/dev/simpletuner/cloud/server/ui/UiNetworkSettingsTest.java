package dev.simpletuner.cloud.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simpletuner.cloud.server.support.Api;
import dev.simpletuner.cloud.server.support.Backend;
import dev.simpletuner.cloud.server.support.FakeReplicate;
import dev.simpletuner.cloud.server.support.TestServer;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.WebElement;

/**
 * The Network panel of Settings (the reference's Advanced Configuration): it shows the values in
 * effect, a refused value at its field with nothing stored, a proxy password only masked, and asks
 * before TLS verification is turned off.
 */
class UiNetworkSettingsTest {

  @Test
  void theNetworkPanelShowsSavesAndRefusesAtTheField() {
    try (FakeReplicate replicate = FakeReplicate.start();
         TestServer server = TestServer.withReplicate(Backend.SQLITE, replicate, Map.of("SIMPLETUNER_HTTP_TIMEOUT", "40"));
         Browser b = new Browser(1280, 900)) {
      Api api = server.api();
      b.open(api.base() + "/");
      b.find("#settings-button").click();
      assertThat(b.find("#net-timeout").getAttribute("value")).isEqualTo("40");
      assertThat(b.find("#net-ssl-verify").isSelected()).isTrue();

      WebElement proxy = b.find("#net-proxy");
      proxy.sendKeys("http://proxy-without-port");
      b.find("#save-network").click();
      Object error = b.waitFor(d -> b.js("return document.querySelector('#net-proxy').closest('.field')"
          + ".querySelector('.error').textContent || null"), "the proxy's error");
      assertThat(String.valueOf(error)).contains("host and a port");
      assertThat(api.get("/api/cloud/providers/replicate/advanced").json().getValue("proxy_url")).isNull();

      proxy.clear();
      proxy.sendKeys("http://alice:pw-typed-in-the-ui@127.0.0.1:3128");
      b.find("#net-timeout").clear();
      b.find("#net-timeout").sendKeys("60");
      b.find("#save-network").click();
      b.waitFor(d -> "http://alice:****@127.0.0.1:3128".equals(b.find("#net-proxy").getAttribute("value")),
          "the masked proxy");
      b.js("document.querySelector('#network-settings').scrollIntoView()");
      b.screenshot("network-settings");
      JsonObject saved = api.get("/api/cloud/providers/replicate/advanced").json();
      assertThat(saved.getString("proxy_url")).isEqualTo("http://alice:****@127.0.0.1:3128");
      assertThat(saved.getValue("http_timeout")).isEqualTo(60);
      assertThat((String) b.js("return document.body.innerHTML")).doesNotContain("pw-typed-in-the-ui");

      // Saving again without touching the proxy keeps its password (the masked value is not sent back).
      b.find("#net-ssl-verify").click();
      b.driver().switchTo().alert().accept();
      b.find("#save-network").click();
      b.waitFor(d -> !api.get("/api/cloud/providers/replicate/advanced").json().getBoolean("ssl_verify"),
          "verification off");
      String stored = server.server().context().store().settings().get("provider:replicate").await().get("proxy_url");
      assertThat(stored).startsWith("enc:v1:");
      assertThat(server.server().context().providers().get("replicate").orElseThrow().network().proxy().password())
          .isEqualTo("pw-typed-in-the-ui");
      // The one refusal is the browser's only complaint.
      assertThat(b.consoleErrors()).allMatch(e -> e.contains("/api/cloud/providers/replicate/advanced") && e.contains("400"));
    }
  }
}
