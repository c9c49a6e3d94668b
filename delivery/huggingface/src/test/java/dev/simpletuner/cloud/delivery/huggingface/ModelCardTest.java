package dev.simpletuner.cloud.delivery.huggingface;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simpletuner.cloud.spi.delivery.DeliveryJob;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModelCardTest {

  private static DeliveryJob job(JsonObject config) {
    return new DeliveryJob("job-9", "run | one", new JsonObject(), config, List.of(), null);
  }

  @Test
  void secretsAndNestedConfigsNeverReachTheCard() {
    JsonObject config = new JsonObject().put("--hub_token", "hf_aaa").put("--aws_secret_access_key", "s3cret")
        .put("--api_key", "k3y").put("--db_password", "pw").put("--webhook_config", "[{\"auth_token\":\"x1\"}]")
        .put("--publishing_config", "[{\"secret_key\":\"x2\"}]").put("--mystery", "hf_lookslikeatoken")
        .put("--data_url", "https://user:pass@example.com/data").put("--nested", new JsonObject().put("a", "x3"))
        .put("--learning_rate", 0.0001).put("--max_train_steps", 1000);

    String card = ModelCard.render(job(config));

    assertThat(card).doesNotContain("hf_aaa", "s3cret", "k3y", "pw |", "x1", "x2", "x3", "hf_lookslikeatoken",
        "user:pass").contains("| `--learning_rate` | 1.0E-4 |", "| `--max_train_steps` | 1000 |");
  }

  @Test
  void theCardIsDeterministicAndItsMetadataIsValid() {
    JsonObject config = new JsonObject().put("--pretrained_model_name_or_path", "/local/path/model")
        .put("--model_type", "full").put("--model_family", "SD 3.5");

    String card = ModelCard.render(job(config));

    assertThat(ModelCard.render(job(config))).isEqualTo(card);
    assertThat(card).doesNotContain("base_model").contains("- full\n", "- sd-3.5\n", "# run \\| one");
    assertThat(FakeHubRepo.metadataProblem(card)).isNull();
  }
}
