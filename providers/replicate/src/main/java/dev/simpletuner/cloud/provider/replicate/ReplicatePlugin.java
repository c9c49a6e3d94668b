package dev.simpletuner.cloud.provider.replicate;

import dev.simpletuner.cloud.spi.Plugin;
import dev.simpletuner.cloud.spi.ProviderFactory;
import dev.simpletuner.cloud.spi.SpiVersion;
import java.util.List;

/** Built-in plugin: trains on Replicate's GPUs with the SimpleTuner trainer models. */
public final class ReplicatePlugin implements Plugin {

  @Override
  public String name() {
    return "replicate";
  }

  @Override
  public String version() {
    return "1.0.0";
  }

  @Override
  public int spiMajor() {
    return SpiVersion.MAJOR;
  }

  @Override
  public List<ProviderFactory> providerFactories() {
    return List.of(new ReplicateProviderFactory());
  }
}
