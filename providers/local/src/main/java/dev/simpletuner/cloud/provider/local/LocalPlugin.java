package dev.simpletuner.cloud.provider.local;

import dev.simpletuner.cloud.spi.Plugin;
import dev.simpletuner.cloud.spi.ProviderFactory;
import dev.simpletuner.cloud.spi.SpiVersion;
import java.util.List;

/** Built-in plugin: runs the trainer as a child process on this machine. */
public final class LocalPlugin implements Plugin {

  @Override
  public String name() {
    return "local";
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
    return List.of(new LocalProviderFactory());
  }
}
