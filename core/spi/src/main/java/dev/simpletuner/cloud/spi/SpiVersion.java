package dev.simpletuner.cloud.spi;

/**
 * The version of this SPI. A plugin returns {@link #MAJOR} from {@link Plugin#spiMajor()}: the
 * constant is inlined when the plugin is compiled, so the value records the SPI the plugin was
 * built against, and the host refuses plugins built for another major.
 */
public final class SpiVersion {
  /** Incremented on every incompatible change of this package. */
  public static final int MAJOR = 1;

  private SpiVersion() {
  }
}
