package dev.simpletuner.cloud.delivery.s3;

import dev.simpletuner.cloud.spi.Plugin;
import dev.simpletuner.cloud.spi.SpiVersion;
import dev.simpletuner.cloud.spi.delivery.DeliveryFactory;
import java.util.List;

/** Built-in plugin: delivers finished models to any S3-compatible object store. */
public final class S3Plugin implements Plugin {

  @Override
  public String name() {
    return "delivery-s3";
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
    return List.of(new S3DeliveryFactory());
  }
}
