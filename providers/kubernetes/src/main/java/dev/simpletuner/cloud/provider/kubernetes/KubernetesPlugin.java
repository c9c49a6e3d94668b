package dev.simpletuner.cloud.provider.kubernetes;

import dev.simpletuner.cloud.spi.Plugin;
import dev.simpletuner.cloud.spi.ProviderFactory;
import dev.simpletuner.cloud.spi.SpiVersion;
import java.util.List;

/** Built-in plugin: trains in a Kubernetes cluster, one pod per job. */
public final class KubernetesPlugin implements Plugin {

  @Override
  public String name() {
    return "kubernetes";
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
    return List.of(new KubernetesProviderFactory());
  }
}
