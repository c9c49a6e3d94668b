package dev.simpletuner.cloud.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simpletuner.cloud.server.notify.Receiver;
import dev.simpletuner.cloud.server.support.Api;
import dev.simpletuner.cloud.server.support.Backend;
import dev.simpletuner.cloud.server.support.TestServer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/**
 * The Notifications section of Settings: a webhook channel added in the form shows its signing
 * secret once, a test send reaches the receiver and lands in the history, a preference is added,
 * and the channel is deleted.
 */
class UiNotificationsTest {

  @Test
  void aChannelIsAddedTestedAndDeletedFromSettings() {
    try (Receiver hook = Receiver.ok(0);
         TestServer server = TestServer.start(Backend.SQLITE, TestServer.trainerCommand(0.02));
         Browser b = new Browser(1280, 900)) {
      Api api = server.api();
      b.open(api.base() + "/");
      b.find("#settings-button").click();
      b.find("#notify-name").sendKeys("ops hook");
      b.find("#notify-url").sendKeys(hook.url("/hook"));
      b.find("#notify-add-channel").click();
      Object shown = b.waitFor(d -> b.js("const c = document.querySelector('#notify-new-secret');"
          + " return c ? c.textContent : null"), "the new secret");
      String secret = String.valueOf(shown);
      assertThat(secret).startsWith("whsec_");
      JsonObject channel = api.get("/api/cloud/notifications/channels").json().getJsonArray("channels")
          .getJsonObject(0);
      assertThat(channel.getString("name")).isEqualTo("ops hook");

      b.find("button[aria-label='Test ops hook']").click();
      b.waitFor(d -> hook.ofType("test").size() == 1, "the test message");
      b.waitFor(d -> b.js("return document.querySelector('#notify-history tbody tr') ? true : null"), "the history");
      assertThat((String) b.js("return document.querySelector('#notify-history tbody').textContent"))
          .contains("test").contains("delivered");

      b.find("#notify-add-preference").click();
      b.waitFor(d -> b.js("return document.querySelector('#notify-preferences tbody tr') ? true : null"),
          "the preference");
      assertThat(api.get("/api/cloud/notifications/preferences").json().getInteger("total")).isEqualTo(1);
      b.js("document.querySelector('#notification-settings').scrollIntoView()");
      b.screenshot("notification-settings");

      b.js("window.confirm = () => true");
      b.find("button[aria-label='Delete ops hook']").click();
      b.waitFor(d -> api.get("/api/cloud/notifications/channels").json().getInteger("total") == 0, "the deletion");
      assertThat(b.consoleErrors()).isEmpty();
    }
  }
}
