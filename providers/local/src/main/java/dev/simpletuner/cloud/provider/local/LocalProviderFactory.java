package dev.simpletuner.cloud.provider.local;

import dev.simpletuner.cloud.spi.Provider;
import dev.simpletuner.cloud.spi.ProviderContext;
import dev.simpletuner.cloud.spi.ProviderFactory;
import dev.simpletuner.cloud.spi.SettingSpec;
import dev.simpletuner.cloud.spi.SettingSpec.Type;
import java.util.List;

/** Declares the local provider's settings and creates it. */
public final class LocalProviderFactory implements ProviderFactory {

  static final String COMMAND = "command";
  static final String MAX_CONCURRENT = "max_concurrent";
  static final String CANCEL_GRACE_SECONDS = "cancel_grace_seconds";

  @Override
  public String id() {
    return "local";
  }

  @Override
  public String displayName() {
    return "This machine";
  }

  @Override
  public boolean runsLocally() {
    return true;
  }

  @Override
  public List<SettingSpec> settings() {
    return List.of(
        // Changing the command is running code on this machine: config file or environment only.
        new SettingSpec(COMMAND, Type.STRING, "simpletuner train", true, false, "SIMPLETUNER_LOCAL_COMMAND", false,
            "Shell command that runs the trainer; it reads SIMPLETUNER_CONFIG_PATH and friends."),
        SettingSpec.of(MAX_CONCURRENT, Type.INTEGER, "1", "How many local jobs run at once; the rest wait in the queue."),
        SettingSpec.of(CANCEL_GRACE_SECONDS, Type.INTEGER, "10",
            "Seconds between SIGTERM and SIGKILL when a job is cancelled."));
  }

  @Override
  public Provider create(ProviderContext context) {
    return new LocalProvider(context);
  }
}
