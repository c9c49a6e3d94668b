package dev.simpletuner.cloud.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simpletuner.cloud.server.plugin.TestPlugins;
import dev.simpletuner.cloud.server.support.Api;
import dev.simpletuner.cloud.server.support.Backend;
import dev.simpletuner.cloud.server.support.TestServer;
import dev.simpletuner.cloud.spi.SpiVersion;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.support.ui.Select;

/**
 * A third-party delivery target the UI has never heard of gets a settings form in the Publishing
 * tab, drawn from the settings it declares: a secret as a password field, a choice as a select, a
 * number, a switch, an operator-only setting read-only. Saving it stores the values (the secret
 * masked, never left in the page) and a bad value is shown at its field.
 */
class UiPluginSettingsTest {
  private static final String SECRET = "vault-key-typed-in-the-browser-4Tq8";

  @Test
  void aThirdPartyTargetsSettingsFormIsDrawnFromItsSpecsAndSaves(@TempDir Path plugins) throws Exception {
    String header = "package com.vault;\nimport dev.simpletuner.cloud.spi.*;\nimport dev.simpletuner.cloud.spi.delivery.*;\n"
        + "import io.vertx.core.Future;\nimport java.util.List;\n";
    TestPlugins.jar(plugins.resolve("vault.jar"), Map.of(
        "com.vault.P", header + "public final class P implements Plugin {\n"
            + "  public String name() { return \"vault-plugin\"; }\n  public String version() { return \"2.0\"; }\n"
            + "  public int spiMajor() { return " + SpiVersion.MAJOR + "; }\n"
            + "  public List<DeliveryFactory> deliveryFactories() { return List.of(new F()); }\n}\n",
        "com.vault.F", header + "public final class F implements DeliveryFactory {\n"
            + "  public String id() { return \"vault\"; }\n"
            + "  public String displayName() { return \"Model Vault\"; }\n"
            + "  public List<SettingSpec> settings() { return List.of(\n"
            + "    new SettingSpec(\"access_key\", SettingSpec.Type.STRING, null, true, true, null, true, \"Vault access key.\"),\n"
            + "    SettingSpec.choice(\"tier\", \"standard\", \"Storage tier of new models.\", \"standard\", \"archive\"),\n"
            + "    SettingSpec.of(\"copies\", SettingSpec.Type.INTEGER, \"1\", \"Copies kept of each model.\"),\n"
            + "    SettingSpec.of(\"enabled\", SettingSpec.Type.BOOLEAN, \"false\", \"Deliver every job here.\"),\n"
            + "    new SettingSpec(\"region_lock\", SettingSpec.Type.STRING, \"eu\", false, false, \"VAULT_REGION\", false,"
            + " \"Where the vault keeps data.\")); }\n"
            + "  public DeliveryTarget create(DeliveryContext ctx) { return new DeliveryTarget() {\n"
            + "    public Future<DeliveryPlan> plan(DeliveryRequest r) { return Future.succeededFuture("
            + "DeliveryPlan.byServer(\"vault://\" + r.jobId(), r.options())); }\n  }; }\n}\n"),
        List.of("com.vault.P"), List.of());

    try (TestServer server = TestServer.start(Backend.SQLITE, Map.of("SIMPLETUNER_PLUGINS_DIR", plugins.toString(),
        "SIMPLETUNER_LOCAL_COMMAND", "true"));
         Browser b = new Browser(1280, 900)) {
      Api api = server.api();
      b.open(api.base() + "/#/publishing");
      b.find("input[name='vault-copies']");
      assertThat(b.find("#publishing-vault h2").getText()).isEqualTo("Model Vault");
      assertThat(b.find("#publishing-vault").getText()).contains("Vault access key.").contains("From the vault-plugin plugin 2.0.")
          .contains("Set in the server's configuration or with VAULT_REGION.");
      assertThat(b.find("input[name='vault-access_key']").getAttribute("type")).isEqualTo("password");
      assertThat(b.find("input[name='vault-access_key']").getAttribute("placeholder")).isEqualTo("not set");
      assertThat(b.find("input[name='vault-copies']").getAttribute("type")).isEqualTo("number");
      assertThat(b.find("input[name='vault-enabled']").getAttribute("type")).isEqualTo("checkbox");
      assertThat(b.find("input[name='vault-region_lock']").isEnabled()).isFalse();
      assertThat(new Select(b.find("select[name='vault-tier']")).getOptions()).extracting(o -> o.getText())
          .containsExactly("standard", "archive");

      // A value the server refuses is shown at its field, and nothing is stored.
      b.find("input[name='vault-copies']").clear();
      b.find("input[name='vault-copies']").sendKeys("1.5");
      b.find("#save-config").click(); // the Publishing tab's one Save
      Object copiesError = b.waitFor(d -> b.js("return document.querySelector(\"input[name='vault-copies']\")"
          + ".closest('.field').querySelector('.error').textContent || null"), "the copies error");
      assertThat(String.valueOf(copiesError)).contains("copies: expected an integer");
      assertThat(api.get("/api/cloud/delivery/vault").json().getJsonObject("settings").getString("copies")).isEqualTo("1");

      b.find("input[name='vault-copies']").clear();
      b.find("input[name='vault-copies']").sendKeys("3");
      b.find("input[name='vault-access_key']").sendKeys(SECRET);
      new Select(b.find("select[name='vault-tier']")).selectByValue("archive");
      b.find("input[name='vault-enabled']").click();
      b.find("#save-config").click(); // the Publishing tab's one Save
      b.waitFor(d -> b.find("input[name='vault-access_key']").getAttribute("placeholder").startsWith("saved: ****"),
          "the saved secret");
      b.screenshot("publishing-third-party-target");

      JsonObject saved = api.get("/api/cloud/delivery/vault").json();
      assertThat(saved.getJsonObject("settings").getString("copies")).isEqualTo("3");
      assertThat(saved.getJsonObject("settings").getString("tier")).isEqualTo("archive");
      assertThat(saved.getJsonObject("settings").getString("enabled")).isEqualTo("true");
      assertThat(saved.getJsonObject("settings").getString("access_key")).isEqualTo("****" + SECRET.substring(
          SECRET.length() - 4));
      assertThat(saved.getJsonObject("setting_sources").getString("access_key")).isEqualTo("saved");
      Object inPage = b.js("return [...document.querySelectorAll('input')].some(i => i.value.includes(arguments[0]))",
          SECRET);
      assertThat(inPage).isEqualTo(false);
      // The only error the browser saw is the refused save above.
      assertThat(b.consoleErrors()).allMatch(e -> e.contains("/api/cloud/delivery/vault") && e.contains("400"));
    }
  }
}
