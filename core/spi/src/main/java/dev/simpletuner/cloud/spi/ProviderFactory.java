package dev.simpletuner.cloud.spi;

import java.util.List;

/**
 * Creates a {@link Provider}. Factories are singletons discovered at start-up; {@link #create} is
 * called once per server start, on the main thread, after the declared settings were validated.
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
