package dev.simpletuner.cloud.provider.replicate;

import dev.simpletuner.cloud.spi.Provider;
import dev.simpletuner.cloud.spi.ProviderContext;
import dev.simpletuner.cloud.spi.ProviderFactory;
import dev.simpletuner.cloud.spi.SettingSpec;
import dev.simpletuner.cloud.spi.SettingSpec.Type;
import java.util.List;

/** Declares the Replicate provider's settings and creates it. */
public final class ReplicateProviderFactory implements ProviderFactory {
  static final String API_TOKEN = "api_token";
  static final String BASE_URL = "base_url";
  static final String VERSION_OVERRIDE = "version_override";
  static final String MODEL_OWNER = "model_owner";
  static final String STATUS_PAGE_URL = "status_page_url";

  @Override
  public String id() {
    return "replicate";
  }

  @Override
  public String displayName() {
    return "Replicate";
  }

  @Override
  public List<SettingSpec> settings() {
    return List.of(
        new SettingSpec(API_TOKEN, Type.STRING, null, true, true, "REPLICATE_API_TOKEN", true,
            "Replicate API token (r8_...). Stored encrypted; never shown again."),
        // Changing where the token is sent is an operator decision, not an API one.
        new SettingSpec(BASE_URL, Type.URL, "https://api.replicate.com", false, false, "REPLICATE_BASE_URL", false,
            "Replicate API base URL."),
        SettingSpec.of(VERSION_OVERRIDE, Type.STRING, null,
            "Trainer model version to use (owner/model:version or a version id); default: the model's latest."),
        SettingSpec.of(MODEL_OWNER, Type.STRING, "simpletuner",
            "Owner of the advanced-trainer-<profile> models."),
        // How long to wait for Replicate is the host's http_timeout, with its proxy and CA settings.
        // Read by the server's status route (the reference CLI's `cloud status`), not by the provider.
        new SettingSpec(STATUS_PAGE_URL, Type.URL, "https://status.replicate.com/api/v2/summary.json", false, false,
            "REPLICATE_STATUS_URL", false, "Replicate's status page summary (Statuspage v2 summary.json)."));
  }

  @Override
  public Provider create(ProviderContext context) {
    return new ReplicateProvider(context);
  }
}
