package dev.simpletuner.cloud.server.upload;

import java.util.Locale;

/** Byte counts as people read them: "3.0 KiB", not "0.0 MiB" for a small dataset. */
public final class Sizes {
  private static final String[] UNITS = {"B", "KiB", "MiB", "GiB", "TiB"};

  private Sizes() {
  }

  public static String human(long bytes) {
    double v = Math.max(0, bytes);
    int unit = 0;
    while (v >= 1024 && unit < UNITS.length - 1) {
      v /= 1024;
      unit++;
    }
    return unit == 0 ? (long) v + " B" : String.format(Locale.ROOT, "%.1f %s", v, UNITS[unit]);
  }
}
