package dev.simpletuner.cloud.server.network;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simpletuner.cloud.server.support.Api;
import dev.simpletuner.cloud.server.support.Backend;
import dev.simpletuner.cloud.server.support.FakeReplicate;
import dev.simpletuner.cloud.server.support.TestCa;
import dev.simpletuner.cloud.server.support.TestServer;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Replicate served over HTTPS with a certificate from a CA made for the test (as behind a
 * corporate TLS-inspecting proxy): refused in words without the CA, trusted with ssl_ca_bundle
 * pointing at it, refused with another CA's bundle, and accepted with ssl_verify=false.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProviderNetworkTlsTest {
  private Path dir;
  private TestCa ca;
  private FakeReplicate replicate;
  private TestServer server;
  private Api api;

  @BeforeAll
  void start() throws Exception {
    dir = Files.createTempDirectory("net-tls-");
    ca = TestCa.create(dir.resolve("ca"));
    replicate = FakeReplicate.startTls(ca.certPem(), ca.keyPem());
    server = TestServer.withReplicate(Backend.SQLITE, replicate, Map.of("REPLICATE_STATUS_URL",
        replicate.statusPageUrl()));
    api = server.api();
  }

  @AfterAll
  void stop() {
    server.close();
    replicate.close();
    TestServer.deleteTree(dir);
  }

  @AfterEach
  void defaults() {
    api.put("/api/cloud/providers/replicate", new JsonObject().putNull("ssl_ca_bundle").putNull("ssl_verify"));
  }

  private JsonObject validate() {
    return api.get("/api/cloud/providers/replicate/validate").json();
  }

  @Test
  void withoutTheCaTheCertificateIsRefusedInWords() {
    assertThat(replicate.baseUrl()).startsWith("https://");
    JsonObject refused = validate();
    assertThat(refused.getBoolean("valid")).isFalse();
    assertThat(refused.getString("error")).contains("TLS with 127.0.0.1 failed")
        .contains("not signed by a trusted CA").contains("ssl_ca_bundle");
    assertThat(api.get("/api/cloud/replicate/status").json().getString("error")).contains("not signed by a trusted CA");
  }

  @Test
  void withTheCaBundleCallsSucceed() throws Exception {
    JsonObject saved = api.put("/api/cloud/providers/replicate", new JsonObject()
        .put("ssl_ca_bundle", ca.caPem().toString())).json();
    assertThat(saved.getJsonObject("config").getString("ssl_ca_bundle")).isEqualTo(ca.caPem().toRealPath().toString());
    assertThat(saved.getJsonObject("config").getBoolean("ssl_verify")).isTrue();

    JsonObject valid = validate();
    assertThat(valid.getBoolean("valid")).as(valid.encode()).isTrue();
    JsonObject job = Submissions.settled(api, Submissions.submit(api));
    assertThat(job.getString("external_id")).as(job.encode()).isNotNull();
    assertThat(api.get("/api/cloud/replicate/status").json().getString("error")).isNull();
    api.postEmpty("/api/cloud/jobs/" + job.getString("job_id") + "/cancel");
  }

  @Test
  void anotherCasBundleIsRefused() {
    TestCa other = TestCa.create(dir.resolve("other"));
    api.put("/api/cloud/providers/replicate", new JsonObject().put("ssl_ca_bundle", other.caPem().toString()));
    JsonObject refused = validate();
    assertThat(refused.getBoolean("valid")).isFalse();
    assertThat(refused.getString("error")).contains("not signed by a trusted CA");
  }

  @Test
  void withoutVerificationCallsSucceed() {
    JsonObject advanced = api.patch("/api/cloud/providers/replicate/advanced", new JsonObject()
        .put("ssl_verify", false)).json();
    assertThat(advanced.getBoolean("ssl_verify")).isFalse();
    JsonObject valid = validate();
    assertThat(valid.getBoolean("valid")).as(valid.encode()).isTrue();
  }
}
