package dev.simpletuner.cloud.delivery.huggingface;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simpletuner.cloud.spi.Plugin;
import dev.simpletuner.cloud.spi.SettingSpec;
import dev.simpletuner.cloud.spi.delivery.DeliveryFactory;
import dev.simpletuner.cloud.spi.delivery.DeliveryPlan;
import dev.simpletuner.cloud.spi.delivery.DeliveryRequest;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** How a job is served, decided at submit time. */
class HuggingFacePlanTest {
  @TempDir
  Path dir;
  HubTestKit kit;
  HuggingFaceDelivery target;

  @BeforeEach
  void setUp() {
    kit = new HubTestKit(dir);
    target = kit.target();
  }

  @AfterEach
  void tearDown() {
    target.close();
    kit.close();
  }

  private DeliveryPlan plan(JsonObject options, JsonObject config, boolean outputsComeHome) throws Exception {
    return kit.await(() -> target.plan(new DeliveryRequest("job-1", options, config, "replicate", outputsComeHome)));
  }

  private Throwable refused(JsonObject options, JsonObject config, boolean outputsComeHome) throws Exception {
    return kit.failure(() -> target.plan(new DeliveryRequest("job-1", options, config, "replicate",
        outputsComeHome)));
  }

  @Test
  void byDefaultTheServerPushesAndTheTrainerGetsNoToken() throws Exception {
    DeliveryPlan plan = plan(new JsonObject().put("repo_id", "alice/my-lora"), new JsonObject(), true);

    assertThat(plan.serverDelivers()).isTrue();
    assertThat(plan.destination()).isEqualTo(kit.hub.endpoint() + "/alice/my-lora");
    assertThat(plan.options()).isEqualTo(new JsonObject().put("repo_id", "alice/my-lora").put("private", true));
    assertThat(plan.configChanges()).isEqualTo(new JsonObject().put("--push_to_hub", false));
    assertThat(plan.trainerSecrets()).isEmpty();
    assertThat(plan.toString()).doesNotContain(HubTestKit.WRITE_TOKEN);
  }

  @Test
  void theRepoMayComeFromTheTrainerConfigAndPrivacyFromTheOptions() throws Exception {
    DeliveryPlan plan = plan(new JsonObject().put("private", false), new JsonObject().put("--hub_model_id", "cats"),
        true);

    assertThat(plan.options()).isEqualTo(new JsonObject().put("repo_id", "cats").put("private", false));
  }

  @Test
  void tokenToProviderLetsTheTrainerPushAndSaysSo() throws Exception {
    kit.settings.put("token_to_provider", "true");

    DeliveryPlan plan = plan(new JsonObject().put("repo_id", "alice/my-lora"), new JsonObject(), false);

    assertThat(plan.serverDelivers()).isFalse();
    assertThat(plan.configChanges()).isEqualTo(new JsonObject().put("--push_to_hub", true)
        .put("--hub_model_id", "alice/my-lora"));
    assertThat(plan.trainerSecrets()).isEqualTo(Map.of("hf_token", HubTestKit.WRITE_TOKEN));
    assertThat(plan.warnings()).singleElement().asString().contains("replicate").contains("token");
  }

  @Test
  void withNeitherWayTheSubmissionIsRefusedWithBothOptionsExplained() throws Exception {
    Throwable refused = refused(new JsonObject().put("repo_id", "alice/my-lora"), new JsonObject(), false);

    assertThat(refused).isInstanceOf(IllegalArgumentException.class);
    assertThat(refused.getMessage()).contains("Webhook URL", "token_to_provider", "never leaves this machine");
  }

  @Test
  void aMissingRepoNameIsRefused() throws Exception {
    Throwable refused = refused(new JsonObject(), new JsonObject(), true);

    assertThat(refused).isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("Push to Hub needs a repository name: set hub_model_id");
  }

  @ParameterizedTest
  @ValueSource(strings = {"a/b/c", "has space", "x..y", "-start", "end.", "alice/", "/name", "bad--name",
      "model.git", "é", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"})
  void aBadRepoNameIsRefusedWithTheReason(String name) throws Exception {
    Throwable refused = refused(new JsonObject().put("repo_id", name), new JsonObject(), true);

    assertThat(refused).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("is not a valid Hugging Face repository name: ");
  }

  @Test
  void withoutATokenTheSubmissionIsRefused() throws Exception {
    kit.settings.remove("token");

    Throwable refused = refused(new JsonObject().put("repo_id", "alice/my-lora"), new JsonObject(), true);

    assertThat(refused).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("HF_TOKEN")
        .hasMessageContaining("the Publishing tab");
  }

  @Test
  void thePluginIsFoundAndDeclaresItsSettings() {
    DeliveryFactory factory = ServiceLoader.load(Plugin.class).stream().map(ServiceLoader.Provider::get)
        .flatMap(p -> p.deliveryFactories().stream()).filter(f -> f.id().equals("huggingface")).findFirst()
        .orElseThrow();
    Map<String, SettingSpec> settings = factory.settings().stream()
        .collect(Collectors.toMap(SettingSpec::name, Function.identity()));

    assertThat(factory.displayName()).isEqualTo("Hugging Face Hub");
    assertThat(settings.get("token").secret()).isTrue();
    assertThat(settings.get("token").env()).isEqualTo("HF_TOKEN");
    assertThat(settings.get("endpoint").apiWritable()).isFalse();
    assertThat(settings.get("endpoint").defaultValue()).isEqualTo("https://huggingface.co");
    assertThat(settings.get("private").defaultValue()).isEqualTo("true");
    assertThat(settings.get("token_to_provider").defaultValue()).isEqualTo("false");
    assertThat(settings.get("request_timeout_seconds").type()).isEqualTo(SettingSpec.Type.INTEGER);
  }
}
