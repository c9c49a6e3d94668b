package dev.simpletuner.cloud.server.ui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simpletuner.cloud.server.job.JobTokens;
import dev.simpletuner.cloud.server.support.Api;
import dev.simpletuner.cloud.server.support.Backend;
import dev.simpletuner.cloud.server.support.Configs;
import dev.simpletuner.cloud.server.support.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Delivery of the trained model in real headless Chromium: the Publishing tab saves the Hugging
 * Face and S3 settings through the delivery API (secrets masked, never left in the page), and a
 * job's page shows each target's delivery status with Retry, and the files the trainer sent home
 * with working download links. Screenshots are in core/server/target/ui-screenshots/.
 */
class UiDeliveryTest {
  private static final String S3_SECRET = "s3-secret-typed-in-the-browser-7Q2x";
  private static final String HF_TOKEN = "hf_token_typed_in_the_browser_9Zk4";

  @Test
  void publishingSettingsAndTheJobsDelivery(@TempDir Path tmp) throws Exception {
    Path config = tmp.resolve("server.yaml");
    Files.writeString(config, "storage:\n  grace_seconds: 5\n  settle_seconds: 1\n");
    try (TestServer server = TestServer.start(Backend.SQLITE, Map.of(
             "SIMPLETUNER_LOCAL_COMMAND", TestServer.trainerCommand(0.02),
             "SIMPLETUNER_CONFIG", config.toString()));
         Browser b = new Browser(1280, 900)) {
      Api api = server.api();
      String base = api.base();
      // The s3 target points at this server's own storage endpoint with credentials it does not
      // know: saving works, validating and delivering fail at once (403), which Retry then repeats.
      String storage = base + "/api/cloud/storage";

      b.open(base + "/#/publishing");
      b.find("input[name='s3-bucket']");
      assertThat(b.all("main button.primary")).as("the Publishing tab has one Save").hasSize(1);
      assertThat(b.find("input[name='s3-secret_key']").getAttribute("type")).isEqualTo("password");
      assertThat(b.find("input[name='s3-secret_key']").getAttribute("placeholder")).isEqualTo("not set");
      assertThat(b.all("input[name^='s3-']").stream().map(e -> e.getAttribute("name")))
          .doesNotContain("s3-provider");
      assertThat(b.find("input[name='huggingface-token']").getAttribute("type")).isEqualTo("password");

      // A bad value: the server's error appears next to the field it names.
      b.find("input[name='s3-endpoint_url']").sendKeys("ftp://not-http");
      b.find("input[name='s3-bucket']").sendKeys("outputs");
      b.find("#save-config").click(); // the Publishing tab's one Save
      Object endpointError = b.waitFor(d -> b.js("return document.querySelector(\"input[name='s3-endpoint_url']\")"
          + ".closest('.field').querySelector('.error').textContent || null"), "the endpoint's error");
      assertThat(String.valueOf(endpointError)).contains("endpoint_url");
      assertThat(api.get("/api/cloud/delivery/s3").json().getJsonObject("settings").getString("bucket")).isNull();
      b.screenshot("publishing-s3-error");

      // Saved: only through the API, the secret masked, and gone from the page.
      b.find("input[name='s3-endpoint_url']").clear();
      b.find("input[name='s3-endpoint_url']").sendKeys(storage);
      b.find("input[name='s3-access_key']").sendKeys("AKIA-NOT-KNOWN-HERE");
      b.find("input[name='s3-secret_key']").sendKeys(S3_SECRET);
      b.find("input[name='s3-prefix']").clear();
      b.find("input[name='s3-prefix']").sendKeys("ui-test/");
      // The form is drawn from the target's declared settings: each one's description is its hint.
      assertThat(b.find("#publishing-s3").getText()).contains("trainer: the trainer gets the store's credentials");
      new Select(b.find("select[name='s3-mode']")).selectByValue("server");
      b.find("#save-config").click(); // the Publishing tab's one Save
      b.waitFor(d -> b.find("input[name='s3-secret_key']").getAttribute("placeholder").startsWith("saved: ****"),
          "the saved secret's placeholder");
      JsonObject s3 = api.get("/api/cloud/delivery/s3").json();
      JsonObject s3Settings = s3.getJsonObject("settings");
      assertThat(s3Settings.getString("bucket")).isEqualTo("outputs");
      assertThat(s3Settings.getString("endpoint_url")).isEqualTo(storage);
      assertThat(s3Settings.getString("prefix")).isEqualTo("ui-test/");
      assertThat(s3Settings.getString("access_key")).isEqualTo("AKIA-NOT-KNOWN-HERE");
      assertThat(s3Settings.getString("secret_key")).startsWith("****").isEqualTo("****" + S3_SECRET.substring(
          S3_SECRET.length() - 4)).doesNotContain(S3_SECRET);
      assertThat(s3.getJsonObject("setting_sources").getString("secret_key")).isEqualTo("saved");
      assertThat(b.find("input[name='s3-secret_key']").getAttribute("placeholder"))
          .isEqualTo("saved: " + s3Settings.getString("secret_key"));
      assertSecretNotInPage(b, S3_SECRET);
      b.screenshot("publishing-s3-saved");

      // Validate talks to the store: these credentials are refused.
      b.find("#validate-s3").click();
      b.waitFor(d -> !b.all("#publishing-s3 .notice[data-valid]").isEmpty(), "the validation result");
      assertThat(b.find("#publishing-s3 .notice[data-valid]").getAttribute("data-valid")).isEqualTo("false");

      // Saving again without typing a secret does not send (and so does not clear) it.
      b.find("input[name='s3-region']").clear();
      b.find("input[name='s3-region']").sendKeys("eu-central-1");
      b.find("#save-config").click(); // the Publishing tab's one Save
      b.waitFor(d -> "eu-central-1".equals(api.get("/api/cloud/delivery/s3").json().getJsonObject("settings")
          .getString("region")), "the region to be saved");
      assertThat(api.get("/api/cloud/delivery/s3").json().getJsonObject("settings").getString("secret_key"))
          .isEqualTo(s3Settings.getString("secret_key"));

      // Hugging Face: the token, and the declared warning that handing it over makes it leave this machine.
      WebElement toProvider = b.find("input[name='huggingface-token_to_provider']");
      assertThat(toProvider.isSelected()).isFalse();
      assertThat(b.find("input[name='huggingface-private']").isSelected()).isTrue();
      assertThat(b.find("#publishing-huggingface").getText()).contains("training provider", "leaves this machine");
      b.find("input[name='huggingface-token']").sendKeys(HF_TOKEN);
      b.find("#save-config").click();
      b.waitFor(d -> b.find("input[name='huggingface-token']").getAttribute("placeholder")
          .equals("saved: ****" + HF_TOKEN.substring(HF_TOKEN.length() - 4)), "the saved token's placeholder");
      JsonObject hf = api.get("/api/cloud/delivery/huggingface").json();
      assertThat(hf.getJsonObject("settings").getString("token")).doesNotContain(HF_TOKEN).startsWith("****");
      assertThat(hf.getJsonObject("settings").getString("token_to_provider")).isEqualTo("false");
      assertSecretNotInPage(b, HF_TOKEN);
      tall(b, "publishing-tab");

      // Push to Hub stays a config key; the old S3 fields no longer write --publishing_config.
      b.find("#config-name").sendKeys("delivery-config");
      b.find("input[name='--push_to_hub']").click();
      b.find("input[name='--hub_model_id']").sendKeys("someone/ui-lora", Keys.TAB);
      b.find("#save-config").click();
      b.waitFor(d -> b.find("#config-state").getText().equals("Saved"), "the config to be saved");
      JsonObject saved = api.get("/api/configs/delivery-config").json().getJsonObject("config");
      assertThat(saved.getBoolean("--push_to_hub")).isTrue();
      assertThat(saved.getString("--hub_model_id")).isEqualTo("someone/ui-lora");
      assertThat(saved.containsKey("--publishing_config")).isFalse();
      assertThat(saved.encode()).doesNotContain(S3_SECRET).doesNotContain(HF_TOKEN);

      // A job delivered to this machine and to the (refusing) S3 store; the trainer sends its files
      // home, and so does this test (a file whose name must show as text, not markup).
      Api.Response submitted = api.post("/api/cloud/jobs/submit?provider=local", new JsonObject()
          .put("config", Configs.lora(150))
          .put("tracker_run_name", "delivery-run").put("delivery", new JsonArray().add("local").add("s3")));
      assertThat(submitted.status()).as(submitted.body()).isEqualTo(200);
      String jobId = submitted.json().getString("job_id");
      b.open(base + "/#/job/" + jobId);
      b.find("#delivery li[data-target='local']");
      assertThat(b.find("#delivery li[data-target='s3']").getText()).contains("Pending");
      api.waitFor(jobId, j -> "running".equals(j.getString("status")), Duration.ofSeconds(60));
      byte[] sample = ("a sample image's bytes for " + jobId).getBytes(StandardCharsets.UTF_8);
      String oddName = "samples/<img src=x onerror=window.pwned=1>.png";
      try (S3Client client = S3Client.builder().endpointOverride(URI.create(storage)).region(Region.US_EAST_1)
          .forcePathStyle(true).credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(
              JobTokens.storageAccessKey(jobId), server.server().context().tokens().storageSecret(jobId)))).build()) {
        client.putObject(r -> r.bucket("outputs").key(jobId + "/" + oddName), RequestBody.fromBytes(sample));
      }
      b.waitFor(d -> b.find("#status-chip").getText().contains("Completed"), "the job to complete");
      b.waitFor(d -> "delivered".equals(b.find("#delivery li[data-target='local']").getAttribute("data-status")),
          "the local delivery");
      b.waitFor(d -> "failed".equals(b.find("#delivery li[data-target='s3']").getAttribute("data-status")),
          "the S3 delivery to fail");
      b.waitFor(d -> b.all("#files-table tr[data-path]").size() >= 1
          && b.find("#files-total").getText().contains("in total"), "the received files");
      tall(b, "job-delivery");

      JsonObject outputs = api.get("/api/cloud/jobs/" + jobId + "/outputs").json();
      JsonArray files = outputs.getJsonArray("files");
      assertThat(b.all("#files-table tr[data-path]")).hasSize(files.size());
      assertThat(b.find("#files-total").getText()).startsWith(files.size() + " file");
      System.out.println("files received for the job: " + files.encode());

      // The odd name is text, the short SHA-256 carries the full one, the link downloads the file.
      WebElement row = b.find("#files-table tr[data-path='" + oddName + "']");
      assertThat(row.findElement(org.openqa.selenium.By.cssSelector("td.path")).getText()).isEqualTo(oddName);
      assertThat(b.all("#files-table img")).isEmpty();
      assertThat(b.js("return window.pwned === undefined")).isEqualTo(true);
      String sha = sha256(sample);
      assertThat(row.findElement(org.openqa.selenium.By.cssSelector("[title='" + sha + "']")).getText())
          .isEqualTo(sha.substring(0, 12) + "…");
      WebElement link = row.findElement(org.openqa.selenium.By.cssSelector("a.download"));
      assertThat(link.getAttribute("download")).isEqualTo("<img src=x onerror=window.pwned=1>.png");
      String href = link.getAttribute("href");
      assertThat(href).startsWith(base + "/api/cloud/jobs/" + jobId + "/outputs/download?path=");
      Object downloaded = b.js("return fetch(arguments[0]).then(async r => [r.status,"
          + " r.headers.get('content-disposition'), new TextDecoder().decode(await r.arrayBuffer())])", href);
      assertThat((List<?>) downloaded).element(0).isEqualTo(200L);
      assertThat(String.valueOf(((List<?>) downloaded).get(1))).startsWith("attachment");
      assertThat(((List<?>) downloaded).get(2)).isEqualTo(new String(sample, StandardCharsets.UTF_8));
      for (Object o : files) {
        JsonObject f = (JsonObject) o;
        WebElement r = b.find("#files-table tr[data-path='" + f.getString("path").replace("'", "\\'") + "']");
        Api.Response got = api.get(r.findElement(org.openqa.selenium.By.cssSelector("a.download")).getAttribute("href")
            .substring(base.length()));
        assertThat(got.status()).isEqualTo(200);
        assertThat(got.header("Content-Length")).isEqualTo(String.valueOf(f.getLong("size")));
        assertThat(r.getText()).contains(f.getString("path"));
      }

      // Each target's status; the failed server-side one offers Retry, which delivers again.
      WebElement local = b.find("#delivery li[data-target='local']");
      assertThat(local.getText()).contains("Delivered").contains("by this server");
      assertThat(local.findElements(org.openqa.selenium.By.cssSelector("button[data-retry]"))).isEmpty();
      WebElement s3Entry = b.find("#delivery li[data-target='s3']");
      assertThat(s3Entry.getText()).contains("Failed");
      assertThat(b.find("#delivery li[data-target='s3'] .notice.bad").getText()).isNotBlank();
      for (WebElement a : b.all("a[target='_blank']")) {
        assertThat(a.getAttribute("rel")).isEqualTo("noopener noreferrer");
      }
      String firstAttempt = s3Entry(api, jobId).getString("started_at");
      b.find("#delivery button[data-retry='s3']").click();
      b.waitFor(d -> {
        JsonObject e = s3Entry(api, jobId);
        return "failed".equals(e.getString("status")) && !firstAttempt.equals(e.getString("started_at"));
      }, "a second delivery attempt");
      b.waitFor(d -> "failed".equals(b.find("#delivery li[data-target='s3']").getAttribute("data-status"))
          && !b.all("#delivery button[data-retry='s3']").isEmpty(), "the retried entry on the page");
      b.waitFor(d -> b.find("ol.timeline").getText().contains("Delivery to s3: failed"), "the timeline");
      tall(b, "job-delivery-retried");

      // Narrow: the delivery panel does not spill sideways.
      b.driver().manage().window().setSize(new Dimension(420, 900));
      Api.sleep(300);
      assertThat(((Number) b.js("return document.documentElement.scrollWidth")).intValue()).isLessThanOrEqualTo(436);
      b.screenshot("job-delivery-narrow");
      b.driver().manage().window().setSize(new Dimension(1280, 900));

      // Settings points to the Publishing tab.
      b.find("#settings-button").click();
      // The settings dialog scrolls (its sections grew): bring the link out from under its heading.
      b.js("arguments[0].scrollIntoView({block: 'center'})", b.find("#delivery-settings-link a"));
      b.find("#delivery-settings-link a").click();
      b.waitFor(d -> d.getCurrentUrl().endsWith("#/publishing") && b.all("#settings-dialog").isEmpty(),
          "the Publishing tab");
      b.find("input[name='s3-bucket']");
      assertSecretNotInPage(b, S3_SECRET);
      assertSecretNotInPage(b, HF_TOKEN);

      // The only console errors are the 400 of the bad endpoint and the storage endpoint's 403s.
      assertThat(b.consoleErrors()).allSatisfy(e -> assertThat(e)
          .contains("/api/cloud/delivery/s3 - Failed to load resource: the server responded with a status of 400"));
    }
  }

  /** A screenshot of the whole page (a tall window for a moment). */
  private static void tall(Browser b, String name) {
    Dimension before = b.driver().manage().window().getSize();
    int height = ((Number) b.js("return document.documentElement.scrollHeight")).intValue();
    b.driver().manage().window().setSize(new Dimension(before.getWidth(), Math.min(4000, height + 140)));
    Api.sleep(200);
    b.screenshot(name);
    b.driver().manage().window().setSize(before);
  }

  private static JsonObject s3Entry(Api api, String jobId) {
    return api.job(jobId).getJsonArray("delivery").stream().map(JsonObject.class::cast)
        .filter(e -> "s3".equals(e.getString("target"))).findFirst().orElseThrow();
  }

  /** Neither in the markup nor in any input's value. */
  private static void assertSecretNotInPage(Browser b, String secret) {
    assertThat(b.driver().getPageSource()).doesNotContain(secret);
    Object inValues = b.js("return [...document.querySelectorAll('input, textarea')].some(i => i.value.includes(arguments[0]))",
        secret);
    assertThat(inValues).isEqualTo(false);
  }

  private static String sha256(byte[] data) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
  }
}
