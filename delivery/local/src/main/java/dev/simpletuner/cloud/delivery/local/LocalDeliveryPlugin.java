package dev.simpletuner.cloud.delivery.local;

import dev.simpletuner.cloud.spi.Plugin;
import dev.simpletuner.cloud.spi.SpiVersion;
import dev.simpletuner.cloud.spi.delivery.DeliveryFactory;
import java.util.List;

/** Built-in plugin: models come back to this machine through the server's storage endpoint. */
public final class LocalDeliveryPlugin implements Plugin {

  @Override
  public String name() {
    return "delivery-local";
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
  public List<DeliveryFactory> deliveryFactories() {
    return List.of(new LocalDeliveryFactory());
  }
}
