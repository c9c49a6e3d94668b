package com.example.simcloud;

import dev.simpletuner.cloud.spi.Plugin;
import dev.simpletuner.cloud.spi.ProviderFactory;
import dev.simpletuner.cloud.spi.SpiVersion;
import java.util.List;

/** The plugin's entry point, listed in META-INF/services/dev.simpletuner.cloud.spi.Plugin. */
public final class SimulatedCloudPlugin implements Plugin {

  @Override
  public String name() {
    return "simulated-cloud";
  }

  @Override
  public String version() {
    return "1.0.0";
  }

  @Override
  public int spiMajor() {
    return SpiVersion.MAJOR; // inlined at compile time: records the SPI this plugin was built for
  }

  @Override
  public List<ProviderFactory> providerFactories() {
    return List.of(new SimulatedCloudFactory());
  }
}
