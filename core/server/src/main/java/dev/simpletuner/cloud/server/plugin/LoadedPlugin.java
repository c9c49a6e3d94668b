package dev.simpletuner.cloud.server.plugin;

import java.util.Map;

/** What every loaded plugin part (a provider, a delivery target) has: where it came from, and its settings. */
public abstract class LoadedPlugin {
  private final PluginInfo plugin;
  private final SettingLayers settings;

  LoadedPlugin(PluginInfo plugin, SettingLayers settings) {
    this.plugin = plugin;
    this.settings = settings;
  }

  SettingLayers layers() {
    return settings;
  }

  public PluginInfo plugin() {
    return plugin;
  }

  /** Current effective settings (secrets in clear text: never render these directly). */
  public Map<String, String> settings() {
    return settings.effective();
  }

  /** Everything saved through the API for it (plugin and server settings). */
  public Map<String, String> saved() {
    return settings.saved();
  }

  /** Where each effective setting came from: default, file, saved or env. */
  public Map<String, String> settingSources() {
    return settings.sources();
  }

  /** Re-reads saved settings after they changed. */
  public void reloadSettings(Map<String, String> saved) {
    settings.reload(saved);
  }
}
