package dev.simpletuner.cloud.server.network;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.simpletuner.cloud.server.settings.ProviderSettings;
import dev.simpletuner.cloud.server.support.Api;
import dev.simpletuner.cloud.server.support.Backend;
import dev.simpletuner.cloud.server.support.FakeReplicate;
import dev.simpletuner.cloud.server.support.TestServer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.slf4j.LoggerFactory;

/**
 * The network settings as the API takes and shows them (the reference's PUT .../config and
 * GET/PATCH .../advanced): checks before anything is stored, the environment beneath saved values,
 * http_timeout of 0 removing it, the proxy's password kept secret, and http_timeout applied.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProviderNetworkSettingsTest {
  private static final String PROVIDER = "/api/cloud/providers/replicate";
  private static final String ADVANCED = PROVIDER + "/advanced";
  private Path dir;
  private FakeReplicate replicate;
  private TestServer server;
  private Api api;

  @BeforeAll
  void start() throws Exception {
    dir = Files.createTempDirectory("net-settings-");
    replicate = FakeReplicate.start();
    server = TestServer.withReplicate(Backend.SQLITE, replicate, Map.of("SIMPLETUNER_HTTP_TIMEOUT", "45"));
    api = server.api();
  }

  @AfterAll
  void stop() {
    server.close();
    replicate.close();
    TestServer.deleteTree(dir);
  }

  private Api.Response refused(String method, String path, JsonObject body, String field) {
    Api.Response r = "PATCH".equals(method) ? api.patch(path, body) : api.put(path, body);
    assertThat(r.status()).as(r.body()).isEqualTo(400);
    if (field != null) {
      assertThat(r.json().getJsonObject("details").getString("field")).isEqualTo(field);
    }
    return r;
  }

  @Test
  void advancedShowsTheReferencesFieldsAndIgnoresTheDerivedOne() {
    JsonObject shown = api.get(ADVANCED).json();
    assertThat(shown.fieldNames()).containsExactlyInAnyOrder("ssl_verify", "ssl_ca_bundle", "proxy_url",
        "http_timeout", "webhook_ip_allowlist_enabled", "webhook_allowed_ips");
    assertThat(shown.getBoolean("ssl_verify")).isTrue();
    assertThat(shown.getValue("ssl_ca_bundle")).isNull();
    assertThat(shown.getValue("proxy_url")).isNull();
    assertThat(shown.getBoolean("webhook_ip_allowlist_enabled")).isFalse();

    JsonObject listed = api.patch(ADVANCED, new JsonObject().put("webhook_ip_allowlist_enabled", false)
        .put("webhook_allowed_ips", new JsonArray().add("10.0.0.0/8"))).json();
    assertThat(listed.getBoolean("webhook_ip_allowlist_enabled")).isTrue();
    assertThat(listed.getJsonArray("webhook_allowed_ips")).containsExactly("10.0.0.0/8");
    JsonObject cleared = api.patch(ADVANCED, new JsonObject().put("webhook_ip_allowlist_enabled", true)
        .put("webhook_allowed_ips", new JsonArray())).json();
    assertThat(cleared.getBoolean("webhook_ip_allowlist_enabled")).isFalse();
    refused("PATCH", ADVANCED, new JsonObject().put("hardware_profile", "l40s"), null);
  }

  @Test
  void theEnvironmentsTimeoutIsTheDefaultAndZeroRemovesTheSavedOne() {
    assertThat(api.get(ADVANCED).json().getValue("http_timeout")).isEqualTo(45);
    assertThat(api.put(PROVIDER, new JsonObject().put("http_timeout", 12)).json().getJsonObject("config")
        .getValue("http_timeout")).isEqualTo(12);
    assertThat(api.get(PROVIDER).json().getJsonObject("setting_sources").getString("http_timeout")).isEqualTo("saved");
    for (Object removal : new Object[] {0, -5}) {
      api.put(PROVIDER, new JsonObject().put("http_timeout", 12));
      JsonObject after = api.put(PROVIDER, new JsonObject().put("http_timeout", removal)).json();
      assertThat(after.getJsonObject("config").getValue("http_timeout")).isEqualTo(45);
      assertThat(after.getJsonObject("setting_sources").getString("http_timeout")).isEqualTo("env");
    }
    // The Replicate plugin's former name is the same setting now.
    JsonObject aliased = api.put(PROVIDER, new JsonObject().put("request_timeout_seconds", 2.5)).json();
    assertThat(aliased.getJsonObject("config").getValue("http_timeout")).isEqualTo(2.5);
    assertThat(aliased.getJsonObject("config").containsKey("request_timeout_seconds")).isFalse();
    api.put(PROVIDER, new JsonObject().putNull("http_timeout"));
  }

  @Test
  void badValuesAreRefusedNamingTheFieldAndNothingIsStored() throws Exception {
    Api.Response missing = refused("PUT", PROVIDER, new JsonObject().put("http_timeout", 7)
        .put("ssl_ca_bundle", dir.resolve("nowhere.pem").toString()), "ssl_ca_bundle");
    assertThat(missing.json().getString("detail")).contains("nowhere.pem").contains("not a file");
    assertThat(api.get(ADVANCED).json().getValue("http_timeout")).isEqualTo(45); // the 7 beside it was not stored

    Path notPem = Files.writeString(dir.resolve("not-a-ca.pem"), "hello");
    assertThat(refused("PATCH", ADVANCED, new JsonObject().put("ssl_ca_bundle", notPem.toString()), "ssl_ca_bundle")
        .json().getString("detail")).contains("holds no certificate");
    assertThat(refused("PUT", PROVIDER, new JsonObject().put("proxy_url", "ftp://proxy:21"), "proxy_url")
        .json().getString("detail")).contains("http or socks5");
    assertThat(refused("PUT", PROVIDER, new JsonObject().put("proxy_url", "http://proxy"), "proxy_url")
        .json().getString("detail")).contains("host and a port");
    assertThat(refused("PUT", PROVIDER, new JsonObject().put("proxy_url", "https://u:hunter2@proxy:443"), "proxy_url")
        .body()).contains("TLS to the proxy").doesNotContain("hunter2");
    refused("PUT", PROVIDER, new JsonObject().put("http_timeout", 7200), "http_timeout");
    refused("PUT", PROVIDER, new JsonObject().put("ssl_verify", "sometimes"), null);
    refused("PATCH", ADVANCED, new JsonObject().put("http_timeout", "soon"), null);
    assertThat(api.get(ADVANCED).json().getValue("proxy_url")).isNull();
  }

  @Test
  void aProxyPasswordIsEncryptedAtRestAndMaskedEverywhere() throws Exception {
    JsonObject shown = api.patch(ADVANCED, new JsonObject().put("proxy_url", "http://alice:s3cret-pw@127.0.0.1:3128"))
        .json();
    assertThat(shown.getString("proxy_url")).isEqualTo("http://alice:****@127.0.0.1:3128");
    assertThat(api.get(PROVIDER).body()).doesNotContain("s3cret-pw").contains("http://alice:****@127.0.0.1:3128");
    assertThat(api.get("/api/cloud/providers").body()).doesNotContain("s3cret-pw");
    String stored = server.server().context().store().settings().get("provider:replicate").await().get("proxy_url");
    assertThat(stored).startsWith("enc:v1:").doesNotContain("s3cret-pw");
    Api.Response audit = api.get("/api/audit?limit=20");
    assertThat(audit.status()).isEqualTo(200);
    assertThat(audit.body()).contains("settings.changed").doesNotContain("s3cret-pw");
    api.patch(ADVANCED, new JsonObject().putNull("proxy_url"));
    assertThat(api.get(ADVANCED).json().getValue("proxy_url")).isNull();
  }

  @Test
  void turningVerificationOffIsLoggedOncePerChange() {
    Logger logger = (Logger) LoggerFactory.getLogger(ProviderSettings.class);
    ListAppender<ILoggingEvent> seen = new ListAppender<>();
    seen.start();
    logger.addAppender(seen);
    try {
      api.put(PROVIDER, new JsonObject().put("ssl_verify", false));
      api.put(PROVIDER, new JsonObject().put("ssl_verify", false));
      api.put(PROVIDER, new JsonObject().put("ssl_verify", true));
      api.put(PROVIDER, new JsonObject().put("ssl_verify", false));
      assertThat(seen.list).filteredOn(e -> e.getLevel() == Level.WARN)
          .extracting(ILoggingEvent::getFormattedMessage)
          .hasSize(2).allSatisfy(m -> assertThat(m).contains("ssl_verify=false").contains("replicate"));
    } finally {
      logger.detachAppender(seen);
      api.put(PROVIDER, new JsonObject().putNull("ssl_verify"));
    }
  }

  @Test
  void aSlowAnswerFailsAsATimeoutOfHttpTimeout() {
    api.put(PROVIDER, new JsonObject().put("http_timeout", 1));
    try {
      replicate.delayNext(HttpMethod.POST, "/v1/predictions", 5000, 1);
      JsonObject job = Submissions.settled(api, Submissions.submit(api));
      assertThat(job.getString("status")).isEqualTo("failed");
      assertThat(job.getString("error_message")).contains("no answer from 127.0.0.1 within 1 s (http_timeout)");
    } finally {
      api.put(PROVIDER, new JsonObject().putNull("http_timeout"));
    }
  }
}
