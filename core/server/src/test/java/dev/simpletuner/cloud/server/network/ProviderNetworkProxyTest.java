package dev.simpletuner.cloud.server.network;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simpletuner.cloud.server.support.Api;
import dev.simpletuner.cloud.server.support.Backend;
import dev.simpletuner.cloud.server.support.FakeReplicate;
import dev.simpletuner.cloud.server.support.TestServer;
import dev.simpletuner.cloud.server.support.Tinyproxy;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Provider calls through a real forward proxy (tinyproxy): the environment's HTTPS_PROXY as the
 * default, a saved proxy_url over it, and the refusals: a proxy that filters the destination and
 * one that is down, each failing the submission with words naming the proxy and starting nothing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProviderNetworkProxyTest {
  private Path dir;
  private FakeReplicate replicate;
  private Tinyproxy proxy;
  private Tinyproxy refusing;
  private TestServer server;
  private Api api;

  @BeforeAll
  void start() throws Exception {
    dir = Files.createTempDirectory("net-proxy-");
    replicate = FakeReplicate.start();
    proxy = Tinyproxy.start(dir.resolve("open"), false);
    refusing = Tinyproxy.start(dir.resolve("refusing"), true);
    server = TestServer.withReplicate(Backend.SQLITE, replicate, Map.of("HTTPS_PROXY", proxy.url(),
        "REPLICATE_STATUS_URL", replicate.statusPageUrl()));
    api = server.api();
  }

  @AfterAll
  void stop() {
    server.close();
    proxy.close();
    refusing.close();
    replicate.close();
    TestServer.deleteTree(dir);
  }

  @AfterEach
  void backToTheEnvironmentsProxy() {
    api.put("/api/cloud/providers/replicate", new JsonObject().putNull("proxy_url"));
  }

  private List<String> viasSince(int from) {
    List<String> all = replicate.viaHeaders();
    return all.subList(from, all.size());
  }

  @Test
  void providerCallsAndTheStatusPageGoThroughTheEnvironmentsProxy() {
    JsonObject advanced = api.get("/api/cloud/providers/replicate/advanced").json();
    assertThat(advanced.getString("proxy_url")).isEqualTo(proxy.url());
    assertThat(api.get("/api/cloud/providers/replicate").json().getJsonObject("setting_sources")
        .getString("proxy_url")).isEqualTo("env");
    int from = replicate.viaHeaders().size();

    JsonObject valid = api.get("/api/cloud/providers/replicate/validate").json();
    assertThat(valid.getBoolean("valid")).as(valid.encode()).isTrue();
    JsonObject job = Submissions.settled(api, Submissions.submit(api));
    assertThat(job.getString("external_id")).as(job.encode()).isNotNull();
    JsonObject status = api.get("/api/cloud/replicate/status").json();
    assertThat(status.getString("error")).as(status.encode()).isNull();
    assertThat(status.getBoolean("operational")).isTrue();

    // Every request reached the fake through tinyproxy (it adds Via), and tinyproxy logged them.
    assertThat(viasSince(from)).isNotEmpty().allSatisfy(via -> assertThat(via).contains("tinyproxy"));
    assertThat(proxy.log()).contains("GET " + replicate.baseUrl() + "/v1/account")
        .contains("POST " + replicate.baseUrl() + "/v1/predictions")
        .contains("GET " + replicate.statusPageUrl());
    api.postEmpty("/api/cloud/jobs/" + job.getString("job_id") + "/cancel");
  }

  @Test
  void aSavedProxyThatRefusesTheDestinationFailsTheSubmissionNamingIt() {
    JsonObject saved = api.put("/api/cloud/providers/replicate", new JsonObject().put("proxy_url", refusing.url()))
        .json();
    assertThat(saved.getJsonObject("config").getString("proxy_url")).isEqualTo(refusing.url());
    int creates = replicate.createCount();

    JsonObject job = Submissions.settled(api, Submissions.submit(api));
    assertThat(job.getString("status")).isEqualTo("failed");
    assertThat(job.getString("external_id")).isNull();
    assertThat(job.getString("error_message")).contains("403").contains("through the proxy " + refusing.url())
        .contains("Filtered");
    // Nothing was created (a late call of another test's job may still pass the environment's proxy).
    assertThat(replicate.createCount()).isEqualTo(creates);
    assertThat(refusing.log()).contains("Proxying refused on filtered domain");
  }

  @Test
  void aSavedProxyThatIsDownFailsTheSubmissionNamingIt() {
    String down = "http://127.0.0.1:" + TestServer.freePort();
    api.put("/api/cloud/providers/replicate", new JsonObject().put("proxy_url", down));
    int creates = replicate.createCount();

    JsonObject job = Submissions.settled(api, Submissions.submit(api));
    assertThat(job.getString("status")).isEqualTo("failed");
    assertThat(job.getString("external_id")).isNull();
    assertThat(job.getString("error_message")).contains("could not connect to the proxy " + down);
    assertThat(replicate.createCount()).isEqualTo(creates);
  }
}
