package dev.simpletuner.cloud.spi;

import java.util.Objects;

/**
 * One setting a factory declares. The host validates values against it before the plugin sees
 * them, masks {@code secret} ones in every response, and encrypts them at rest.
 *
 * @param name         key used in the API and config file, e.g. {@code "api_token"}
 * @param type         value type, checked by the host
 * @param defaultValue used when nothing else is set; may be null
 * @param required     the provider cannot work without it (reported, not fatal at start-up)
 * @param secret       never returned by the API or logged
 * @param env          environment variable that overrides saved values; may be null
 * @param apiWritable  false for settings only an operator may change (config file or environment)
 * @param description  one sentence shown in the UI
 */
public record SettingSpec(String name, Type type, String defaultValue, boolean required, boolean secret,
                          String env, boolean apiWritable, String description) {

  /** Value types the host knows how to check. */
  public enum Type { STRING, INTEGER, NUMBER, BOOLEAN, URL }

  public SettingSpec {
    Objects.requireNonNull(name, "name is null");
    Objects.requireNonNull(type, "type is null");
    description = description == null ? "" : description;
  }

  /** A plain, optional, API-writable setting. */
  public static SettingSpec of(String name, Type type, String defaultValue, String description) {
    return new SettingSpec(name, type, defaultValue, false, false, null, true, description);
  }
}
