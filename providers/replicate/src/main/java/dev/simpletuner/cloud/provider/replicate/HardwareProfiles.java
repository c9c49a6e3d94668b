package dev.simpletuner.cloud.provider.replicate;

import dev.simpletuner.cloud.spi.HardwareOffer;
import java.util.List;

/**
 * The SimpleTuner trainer models on Replicate, one per hardware profile
 * ({@code simpletuner/advanced-trainer-<profile>}), with Replicate's published $/s prices. Users can
 * override prices in the provider's {@code hardware_info}.
 */
final class HardwareProfiles {
  static final String DEFAULT = "h100";
  private static final double H100 = 0.001525;
  private static final double L40S = 0.000975;

  static final List<HardwareOffer> OFFERS = List.of(
      new HardwareOffer("h100", "H100", H100),
      new HardwareOffer("h100-x2", "2x H100", 2 * H100),
      new HardwareOffer("h100-x4", "4x H100", 4 * H100),
      new HardwareOffer("h100-x8", "8x H100", 8 * H100),
      new HardwareOffer("l40s", "L40S", L40S),
      new HardwareOffer("l40s-x2", "2x L40S", 2 * L40S),
      new HardwareOffer("l40s-x4", "4x L40S", 4 * L40S),
      new HardwareOffer("l40s-x8", "8x L40S", 8 * L40S));

  private HardwareProfiles() {
  }

  static HardwareOffer get(String profile) {
    String wanted = profile == null ? DEFAULT : profile;
    return OFFERS.stream().filter(o -> o.id().equals(wanted)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("unknown hardware profile " + profile));
  }

  static String model(String owner, String profile) {
    return owner + "/advanced-trainer-" + get(profile).id();
  }
}
