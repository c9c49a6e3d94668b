package com.example.simcloud;

import dev.simpletuner.cloud.spi.Provider;
import dev.simpletuner.cloud.spi.ProviderContext;
import dev.simpletuner.cloud.spi.ProviderFactory;
import dev.simpletuner.cloud.spi.SettingSpec;
import dev.simpletuner.cloud.spi.SettingSpec.Type;
import java.util.List;

/** Declares the settings (the server validates and stores them, and masks secrets) and creates the provider. */
public final class SimulatedCloudFactory implements ProviderFactory {
  static final String API_KEY = "api_key";
  static final String SECONDS_PER_JOB = "seconds_per_job";

  @Override
  public String id() {
    return "simulated";
  }

  @Override
  public String displayName() {
    return "Simulated GPU cloud";
  }

  @Override
  public List<SettingSpec> settings() {
    return List.of(
        new SettingSpec(API_KEY, Type.STRING, null, false, true, "SIMCLOUD_API_KEY", true,
            "Any text; a real cloud would check it. Secret: never shown again."),
        SettingSpec.of(SECONDS_PER_JOB, Type.INTEGER, "2", "How long each simulated job runs."));
  }

  @Override
  public Provider create(ProviderContext context) {
    return new SimulatedCloudProvider(context);
  }
}
