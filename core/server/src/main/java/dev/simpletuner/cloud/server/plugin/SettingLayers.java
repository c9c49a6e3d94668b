package dev.simpletuner.cloud.server.plugin;

import dev.simpletuner.cloud.server.config.ConfigException;
import dev.simpletuner.cloud.spi.SettingSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The effective settings of a provider or delivery target, from its declared specs: default &lt;
 * config file &lt; saved through the API &lt; the setting's environment variable. Every layer is
 * checked against the specs: the file and the environment when the server starts (a bad value
 * stops it, naming the key), saved values on every reload. Swapped whole on every reload, so
 * readers on any thread see one consistent set.
 */
final class SettingLayers {
  private static final Logger LOG = LoggerFactory.getLogger(SettingLayers.class);

  private record Snapshot(Map<String, String> effective, Map<String, String> sources, Map<String, String> saved) {
  }

  private final String where;
  private final List<SettingSpec> specs;
  private final Map<String, String> fileValues;
  private final Map<String, String> envValues;
  private volatile Snapshot snapshot = new Snapshot(Map.of(), Map.of(), Map.of());

  private SettingLayers(String where, List<SettingSpec> specs, Map<String, String> fileValues,
                        Map<String, String> envValues) {
    this.where = where;
    this.specs = specs;
    this.fileValues = fileValues;
    this.envValues = envValues;
  }

  /**
   * The layers of one plugin part with its config-file and environment values checked.
   *
   * @param where the part's config section, e.g. {@code providers.replicate}; names keys in messages
   * @throws ConfigException listing every value that does not fit its spec, e.g.
   *                         {@code providers.replicate.max_concurrent: expected an integer, got "two"}
   */
  static SettingLayers checked(String where, List<SettingSpec> declared, Map<String, String> file,
                               Map<String, String> env) {
    List<SettingSpec> specs = List.copyOf(declared);
    List<String> problems = new ArrayList<>();
    Map<String, String> fileValues = new LinkedHashMap<>();
    file.forEach((key, value) -> {
      SettingSpec spec = specs.stream().filter(s -> s.name().equals(key)).findFirst().orElse(null);
      if (spec == null) {
        problems.add(where + "." + key + ": not a setting here (known: "
            + String.join(", ", specs.stream().map(SettingSpec::name).toList()) + ")");
      } else {
        keep(fileValues, key, spec, value, where + "." + key, problems);
      }
    });
    Map<String, String> envValues = new LinkedHashMap<>();
    for (SettingSpec spec : specs) {
      if (spec.env() != null) {
        keep(envValues, spec.name(), spec, env.get(spec.env()), spec.env() + " (" + where + "." + spec.name() + ")",
            problems);
      }
    }
    if (!problems.isEmpty()) {
      throw new ConfigException(String.join("\n", problems));
    }
    return new SettingLayers(where, specs, Map.copyOf(fileValues), Map.copyOf(envValues));
  }

  private static void keep(Map<String, String> into, String name, SettingSpec spec, String value, String origin,
                           List<String> problems) {
    try {
      String checked = SettingValues.check(spec, value);
      if (checked != null) {
        into.put(name, checked);
      }
    } catch (SettingValues.Invalid e) {
      problems.add(origin + ": " + e.getMessage());
    }
  }

  /**
   * Takes new saved values. The API checks what it stores; a saved value that no longer fits (its
   * plugin changed the setting's type) is left out and logged, so the default or file value holds.
   */
  void reload(Map<String, String> saved) {
    Map<String, String> values = new LinkedHashMap<>();
    Map<String, String> from = new LinkedHashMap<>();
    for (SettingSpec spec : specs) {
      String name = spec.name();
      put(values, from, name, spec.defaultValue(), "default");
      put(values, from, name, fileValues.get(name), "file");
      put(values, from, name, savedValue(spec, saved.get(name)), "saved");
      put(values, from, name, envValues.get(name), "env");
    }
    snapshot = new Snapshot(Map.copyOf(values), Map.copyOf(from), Map.copyOf(saved));
  }

  private String savedValue(SettingSpec spec, String value) {
    try {
      return SettingValues.check(spec, value);
    } catch (SettingValues.Invalid e) {
      LOG.error("Ignoring the saved value of {}.{}: {}. Save it again.", where, spec.name(), e.getMessage());
      return null;
    }
  }

  List<SettingSpec> specs() {
    return specs;
  }

  Map<String, String> effective() {
    return snapshot.effective();
  }

  /** Where each effective value came from: default, file, saved or env. */
  Map<String, String> sources() {
    return snapshot.sources();
  }

  /** Everything saved through the API, including the server's own keys that are not specs. */
  Map<String, String> saved() {
    return snapshot.saved();
  }

  private static void put(Map<String, String> values, Map<String, String> from, String name, String value,
                          String source) {
    if (value != null) {
      values.put(name, value);
      from.put(name, source);
    }
  }
}
