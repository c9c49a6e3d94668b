package dev.simpletuner.cloud.server.fleet;

import dev.simpletuner.cloud.server.Server;
import dev.simpletuner.cloud.spi.Plugin;
import dev.simpletuner.cloud.spi.ProviderFactory;
import dev.simpletuner.cloud.spi.SpiVersion;
import java.util.List;

/** Built into the server: the {@code worker} provider (the fleet itself is server state). */
public final class FleetPlugin implements Plugin {
  @Override
  public String name() {
    return "workers";
  }

  @Override
  public String version() {
    return Server.VERSION;
  }

  @Override
  public int spiMajor() {
    return SpiVersion.MAJOR;
  }

  @Override
  public List<ProviderFactory> providerFactories() {
    return List.of(new WorkerProviderFactory());
  }
}
