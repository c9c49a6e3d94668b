package dev.simpletuner.cloud.delivery.local;

import dev.simpletuner.cloud.spi.SettingSpec;
import dev.simpletuner.cloud.spi.delivery.DeliveryContext;
import dev.simpletuner.cloud.spi.delivery.DeliveryFactory;
import dev.simpletuner.cloud.spi.delivery.DeliveryTarget;
import java.util.List;

/** The "local download" option of the seed: the trainer sends outputs home; optionally copied on. */
public final class LocalDeliveryFactory implements DeliveryFactory {
  static final String COPY_TO = "copy_to";

  @Override
  public String id() {
    return "local";
  }

  @Override
  public String displayName() {
    return "This machine";
  }

  @Override
  public List<SettingSpec> settings() {
    // Writes anywhere on disk, so only the operator sets it (config file or environment).
    return List.of(new SettingSpec(COPY_TO, SettingSpec.Type.STRING, null, false, false,
        "SIMPLETUNER_DELIVERY_COPY_TO", false,
        "A directory finished models are also copied into, as <copy_to>/<job id>/..."));
  }

  @Override
  public DeliveryTarget create(DeliveryContext context) {
    return new LocalDelivery(context);
  }
}
