package dev.simpletuner.cloud.spi;

import java.util.List;
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
 * @param choices      the only values allowed (a STRING setting shown as a choice); empty for any value
 */
public record SettingSpec(String name, Type type, String defaultValue, boolean required, boolean secret,
                          String env, boolean apiWritable, String description, List<String> choices) {

  /** Value types the host knows how to check. */
  public enum Type { STRING, INTEGER, NUMBER, BOOLEAN, URL }

  public SettingSpec {
    Objects.requireNonNull(name, "name is null");
    Objects.requireNonNull(type, "type is null");
    description = description == null ? "" : description;
    choices = choices == null ? List.of() : List.copyOf(choices);
  }

  /** A setting that takes any value of its type (the form plugins built before choices existed use). */
  public SettingSpec(String name, Type type, String defaultValue, boolean required, boolean secret, String env,
                     boolean apiWritable, String description) {
    this(name, type, defaultValue, required, secret, env, apiWritable, description, List.of());
  }

  /** An optional, API-writable STRING setting that must be one of {@code choices}. */
  public static SettingSpec choice(String name, String defaultValue, String description, String... choices) {
    return new SettingSpec(name, Type.STRING, defaultValue, false, false, null, true, description, List.of(choices));
  }

  /** A plain, optional, API-writable setting. */
  public static SettingSpec of(String name, Type type, String defaultValue, String description) {
    return new SettingSpec(name, type, defaultValue, false, false, null, true, description);
  }
}
