package dev.simpletuner.cloud.delivery.huggingface;

import dev.simpletuner.cloud.spi.Plugin;
import dev.simpletuner.cloud.spi.SpiVersion;
import dev.simpletuner.cloud.spi.delivery.DeliveryFactory;
import java.util.List;

/** Built-in plugin: delivers finished models to a Hugging Face Hub model repository. */
public final class HuggingFacePlugin implements Plugin {

  @Override
  public String name() {
    return "delivery-huggingface";
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
    return List.of(new HuggingFaceDeliveryFactory());
  }
}
