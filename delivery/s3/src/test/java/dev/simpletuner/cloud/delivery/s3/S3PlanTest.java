package dev.simpletuner.cloud.delivery.s3;

import static dev.simpletuner.cloud.delivery.s3.TestContext.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.simpletuner.cloud.spi.delivery.DeliveryPlan;
import dev.simpletuner.cloud.spi.delivery.DeliveryRequest;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How the target decides to serve a job at submit time. */
class S3PlanTest {
  static Vertx vertx;

  @TempDir
  Path tmp;

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() throws Exception {
    await(vertx.close());
  }

  private DeliveryPlan plan(Map<String, String> settings, JsonObject options, boolean outputsComeHome)
      throws Exception {
    S3Delivery target = new S3Delivery(new TestContext(vertx, tmp, settings));
    try {
      return await(target.plan(new DeliveryRequest("job-42", options, new JsonObject(), "replicate",
          outputsComeHome)));
    } finally {
      target.close();
    }
  }

  private static Map<String, String> settings(String... more) {
    Map<String, String> s = new HashMap<>(Map.of("endpoint_url", "https://minio.example.com:9000", "bucket", "models",
        "access_key", "AKID", "secret_key", "s3cr3t"));
    for (int i = 0; i < more.length; i += 2) {
      s.put(more[i], more[i + 1]);
    }
    return s;
  }

  @Test
  void serverModeDeliversFromHereWhenOutputsComeHome() throws Exception {
    DeliveryPlan plan = plan(settings(), new JsonObject(), true);

    assertThat(plan.serverDelivers()).isTrue();
    assertThat(plan.destination()).isEqualTo("s3://models/simpletuner/job-42/");
    assertThat(plan.publishing()).isEmpty();
    assertThat(plan.trainerSecrets()).isEmpty();
    assertThat(plan.options().getString("prefix")).isEqualTo("simpletuner/");
  }

  @Test
  void serverModeWithoutAWayHomeExplainsBothWaysOut() {
    assertThatThrownBy(() -> plan(settings(), new JsonObject(), false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Webhook URL").hasMessageContaining("\"trainer\"");
  }

  @Test
  void trainerModeHandsTheStoreToTheTrainerInPublishingConfigShape() throws Exception {
    DeliveryPlan plan = plan(settings("mode", "trainer", "region", "eu-central-1"), new JsonObject(), false);

    assertThat(plan.serverDelivers()).isFalse();
    assertThat(plan.destination()).isEqualTo("s3://models/simpletuner/job-42/");
    assertThat(plan.publishing()).isEqualTo(new JsonArray().add(new JsonObject()
        .put("provider", "s3").put("bucket", "models").put("endpoint_url", "https://minio.example.com:9000")
        .put("region", "eu-central-1").put("access_key", "AKID").put("secret_key", "s3cr3t").put("use_ssl", true)
        .put("base_path", "simpletuner/job-42")));
    assertThat(plan.warnings()).singleElement().asString().contains("replicate").contains("secret key")
        .doesNotContain("s3cr3t");
  }

  @Test
  void trainerModeOnAwsNamesTheRegionalEndpoint() throws Exception {
    Map<String, String> s = settings("mode", "trainer", "region", "us-west-2");
    s.remove("endpoint_url");
    JsonObject entry = plan(s, new JsonObject(), true).publishing().getJsonObject(0);

    assertThat(entry.getString("endpoint_url")).isEqualTo("https://s3.us-west-2.amazonaws.com");
    assertThat(entry.getBoolean("use_ssl")).isTrue();
  }

  @Test
  void plainHttpEndpointsAreNotSsl() throws Exception {
    JsonObject entry = plan(settings("mode", "trainer", "endpoint_url", "http://127.0.0.1:9000"), new JsonObject(),
        true).publishing().getJsonObject(0);

    assertThat(entry.getBoolean("use_ssl")).isFalse();
  }

  @Test
  void aSubmissionMayChooseThePrefix() throws Exception {
    DeliveryPlan plan = plan(settings(), new JsonObject().put("prefix", "team-a/loras"), true);

    assertThat(plan.destination()).isEqualTo("s3://models/team-a/loras/job-42/");
    assertThat(plan.options().getString("prefix")).isEqualTo("team-a/loras/");
  }

  @Test
  void missingBucketOrCredentialsAreRefusedWithASentence() {
    Map<String, String> noBucket = settings();
    noBucket.remove("bucket");
    Map<String, String> noSecret = settings();
    noSecret.remove("secret_key");

    assertThatThrownBy(() -> plan(noBucket, new JsonObject(), true)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no bucket");
    assertThatThrownBy(() -> plan(noSecret, new JsonObject(), true)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("access_key").hasMessageContaining("secret_key");
  }

  @Test
  void settingsAreReadAtCallTime() throws Exception {
    TestContext context = new TestContext(vertx, tmp, settings());
    S3Delivery target = new S3Delivery(context);
    try {
      DeliveryRequest request = new DeliveryRequest("j", new JsonObject(), new JsonObject(), "local", true);
      assertThat(await(target.plan(request)).serverDelivers()).isTrue();
      context.set("mode", "trainer");
      assertThat(await(target.plan(request)).serverDelivers()).isFalse();
    } finally {
      target.close();
    }
  }
}
