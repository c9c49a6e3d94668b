package dev.simpletuner.cloud.server.plugin;

import dev.simpletuner.cloud.spi.SettingSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The effective settings of a provider or delivery target, from its declared specs: default &lt;
 * config file &lt; saved through the API &lt; the setting's environment variable. Swapped whole on
 * every reload, so readers on any thread see one consistent set.
 */
final class SettingLayers {
  private record Snapshot(Map<String, String> effective, Map<String, String> sources, Map<String, String> saved) {
  }

  private final List<SettingSpec> specs;
  private final Map<String, String> fileValues;
  private final Map<String, String> env;
  private volatile Snapshot snapshot = new Snapshot(Map.of(), Map.of(), Map.of());

  SettingLayers(List<SettingSpec> specs, Map<String, String> fileValues, Map<String, String> env) {
    this.specs = List.copyOf(specs);
    this.fileValues = fileValues;
    this.env = env;
  }

  void reload(Map<String, String> saved) {
    Map<String, String> values = new LinkedHashMap<>();
    Map<String, String> from = new LinkedHashMap<>();
    for (SettingSpec spec : specs) {
      String name = spec.name();
      put(values, from, name, spec.defaultValue(), "default");
      put(values, from, name, fileValues.get(name), "file");
      put(values, from, name, saved.get(name), "saved");
      put(values, from, name, spec.env() == null ? null : blankToNull(env.get(spec.env())), "env");
    }
    snapshot = new Snapshot(Map.copyOf(values), Map.copyOf(from), Map.copyOf(saved));
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

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }
}
