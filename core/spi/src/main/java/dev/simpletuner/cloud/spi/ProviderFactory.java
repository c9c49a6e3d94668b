package dev.simpletuner.cloud.spi;

import java.util.List;

/**
 * Creates a {@link Provider}. Factories are singletons discovered at start-up; {@link #create} is
 * called once per server start, on a Vert.x worker thread (never an event loop, so it may read
 * files or build a client), after the declared settings were validated: a config-file or
 * environment value that does not fit its {@link SettingSpec} stops the server before any plugin
 * is created.
 */
public interface ProviderFactory {

  /** Id used in {@code ?provider=}, e.g. {@code "replicate"}. Lowercase letters, digits, '-' and '_'. */
  String id();

  /** Name shown in the UI. */
  String displayName();

  /** True for providers that run jobs on this machine ({@code job_type} "local"), false for clouds. */
  default boolean runsLocally() {
    return false;
  }

  /** Settings this provider reads from {@link ProviderContext#settings()}. */
  default List<SettingSpec> settings() {
    return List.of();
  }

  Provider create(ProviderContext context);
}
