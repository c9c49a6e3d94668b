package dev.simpletuner.cloud.server.fleet;

import dev.simpletuner.cloud.server.plugin.ConnectingTrainers;
import dev.simpletuner.cloud.spi.Provider;
import dev.simpletuner.cloud.spi.ProviderContext;
import dev.simpletuner.cloud.spi.ProviderFactory;

/** The {@code worker} provider: jobs for the self-hosted workers this server's fleet holds. */
public final class WorkerProviderFactory implements ProviderFactory, ConnectingTrainers {
  public static final String ID = "worker";

  @Override
  public String id() {
    return ID;
  }

  @Override
  public String displayName() {
    return "Self-hosted workers";
  }

  @Override
  public Provider create(ProviderContext context) {
    return new WorkerProvider();
  }
}
