package dev.simpletuner.cloud.server.plugin;

import dev.simpletuner.cloud.spi.Provider;
import dev.simpletuner.cloud.spi.ProviderFactory;
import dev.simpletuner.cloud.spi.SettingSpec;
import java.util.List;
import java.util.Map;

/** A loaded provider: its factory (metadata, settings), its instance, and where it came from. */
public final class ProviderHandle {
  private final ProviderFactory factory;
  private final Provider provider;
  private final HostProviderContext context;
  private final PluginInfo plugin;

  ProviderHandle(ProviderFactory factory, Provider provider, HostProviderContext context, PluginInfo plugin) {
    this.factory = factory;
    this.provider = provider;
    this.context = context;
    this.plugin = plugin;
  }

  public String id() {
    return factory.id();
  }

  public String displayName() {
    return factory.displayName();
  }

  public boolean runsLocally() {
    return factory.runsLocally();
  }

  public List<SettingSpec> settingSpecs() {
    return factory.settings();
  }

  public Provider provider() {
    return provider;
  }

  public PluginInfo plugin() {
    return plugin;
  }

  /** Current effective settings (secrets in clear text: never render these directly). */
  public Map<String, String> settings() {
    return context.settings();
  }

  /** Everything saved through the API for this provider (plugin and server settings). */
  public Map<String, String> saved() {
    return context.saved();
  }

  /** Where each effective setting came from: default, file, saved or env. */
  public Map<String, String> settingSources() {
    return context.sources();
  }

  /** Re-reads saved settings after they changed. */
  public void reloadSettings(Map<String, String> saved) {
    context.reload(saved);
  }
}
