package dev.simpletuner.cloud.server.plugin;

import dev.simpletuner.cloud.spi.Provider;
import dev.simpletuner.cloud.spi.ProviderFactory;
import dev.simpletuner.cloud.spi.SettingSpec;
import dev.simpletuner.cloud.spi.ProviderException;
import io.vertx.circuitbreaker.CircuitBreaker;
import io.vertx.circuitbreaker.CircuitBreakerOptions;
import io.vertx.circuitbreaker.CircuitBreakerState;
import io.vertx.core.Future;
import java.util.List;
import java.util.function.Supplier;

/** A loaded provider: its factory (metadata, settings), its instance, and where it came from. */
public final class ProviderHandle extends LoadedPlugin {
  private final ProviderFactory factory;
  private final Provider provider;
  private final HostProviderContext context;
  private final CircuitBreaker breaker;

  ProviderHandle(ProviderFactory factory, Provider provider, HostProviderContext context, SettingLayers settings,
                 PluginInfo plugin) {
    super(plugin, settings);
    this.factory = factory;
    this.provider = provider;
    this.context = context;
    // Pauses calls to a cloud provider that keeps failing on its side; its own refusals do not count.
    this.breaker = factory.runsLocally() ? null : CircuitBreaker.create("provider-" + factory.id(), context.vertx(),
            new CircuitBreakerOptions().setMaxFailures(5).setResetTimeout(30_000).setTimeout(-1)
                .setNotificationAddress(null))
        .failurePolicy(ProviderHandle::countsAsOutage);
  }

  private static boolean countsAsOutage(Future<?> outcome) {
    return outcome.failed() && !(outcome.cause() instanceof ProviderException p && !p.unavailable())
        && !(outcome.cause() instanceof IllegalArgumentException);
  }

  /** Runs a call to the provider through its circuit breaker (fails fast while it is open). */
  public <T> Future<T> guarded(Supplier<Future<T>> call) {
    if (breaker == null) {
      try {
        return call.get();
      } catch (RuntimeException e) {
        return Future.failedFuture(e);
      }
    }
    return breaker.execute(call);
  }

  /** {@code closed}, {@code open} or {@code half_open}; {@code closed} for local providers. */
  public String breakerState() {
    return breaker == null ? "closed" : breaker.state().name().toLowerCase(java.util.Locale.ROOT);
  }

  public boolean isPaused() {
    return breaker != null && breaker.state() == CircuitBreakerState.OPEN;
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





}
