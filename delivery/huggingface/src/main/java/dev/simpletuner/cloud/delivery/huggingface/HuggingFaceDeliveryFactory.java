package dev.simpletuner.cloud.delivery.huggingface;

import dev.simpletuner.cloud.spi.SettingSpec;
import dev.simpletuner.cloud.spi.SettingSpec.Type;
import dev.simpletuner.cloud.spi.delivery.DeliveryContext;
import dev.simpletuner.cloud.spi.delivery.DeliveryFactory;
import dev.simpletuner.cloud.spi.delivery.DeliveryTarget;
import java.util.List;

/** Declares the Hugging Face Hub target's settings and creates it. */
public final class HuggingFaceDeliveryFactory implements DeliveryFactory {
  static final String TOKEN = "token";
  static final String ENDPOINT = "endpoint";
  static final String PRIVATE = "private";
  static final String TOKEN_TO_PROVIDER = "token_to_provider";
  static final String TIMEOUT_SECONDS = "request_timeout_seconds";
  static final String DEFAULT_ENDPOINT = "https://huggingface.co";

  @Override
  public String id() {
    return "huggingface";
  }

  @Override
  public String displayName() {
    return "Hugging Face Hub";
  }

  @Override
  public List<SettingSpec> settings() {
    return List.of(
        new SettingSpec(TOKEN, Type.STRING, null, true, true, "HF_TOKEN", true,
            "Hugging Face access token with write permission"),
        // Where the token is sent is an operator decision: nobody may redirect it through the API.
        new SettingSpec(ENDPOINT, Type.URL, DEFAULT_ENDPOINT, false, false, "HF_ENDPOINT", false,
            "Hugging Face Hub address"),
        SettingSpec.of(PRIVATE, Type.BOOLEAN, "true", "Create new repositories as private"),
        SettingSpec.of(TOKEN_TO_PROVIDER, Type.BOOLEAN, "false",
            "Hand the token to the training provider so the trainer pushes to the Hub itself: the token then "
                + "leaves this machine. Leave off unless this server cannot receive the files (no Webhook URL)."),
        SettingSpec.of(TIMEOUT_SECONDS, Type.INTEGER, "120",
            "Seconds to wait for data from the Hub before a request is retried"));
  }

  @Override
  public DeliveryTarget create(DeliveryContext context) {
    return new HuggingFaceDelivery(context, RetryPolicy.DEFAULT);
  }
}
