package dev.simpletuner.cloud.server.plugin;

import dev.simpletuner.cloud.server.outbound.NetworkDefaults;
import dev.simpletuner.cloud.server.outbound.NetworkSettings;
import dev.simpletuner.cloud.server.plugin.PluginGuard.Wait;
import dev.simpletuner.cloud.spi.CredentialStatus;
import dev.simpletuner.cloud.spi.HardwareOffer;
import dev.simpletuner.cloud.spi.JobSpec;
import dev.simpletuner.cloud.spi.Provider;
import dev.simpletuner.cloud.spi.ProviderFactory;
import dev.simpletuner.cloud.spi.ProviderJobStatus;
import dev.simpletuner.cloud.spi.RecoveredJob;
import dev.simpletuner.cloud.spi.SettingSpec;
import dev.simpletuner.cloud.spi.SubmittedJob;
import io.vertx.core.Future;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A loaded provider: its factory (metadata, settings) and its instance, which is only reachable
 * through the methods here. Each one goes through the provider's {@link PluginGuard} (class loader,
 * time limit, circuit breaker); see {@link Provider} for what they do.
 */
public final class ProviderHandle extends LoadedPlugin {
  private static final Logger LOG = LoggerFactory.getLogger(ProviderHandle.class);
  private final ProviderFactory factory;
  private final Provider provider;
  private final PluginGuard guard;
  private final NetworkDefaults networkDefaults;

  ProviderHandle(ProviderFactory factory, Provider provider, PluginGuard guard, SettingLayers settings,
                 PluginInfo plugin, NetworkDefaults networkDefaults) {
    super(plugin, settings);
    this.factory = factory;
    this.provider = provider;
    this.guard = guard;
    this.networkDefaults = networkDefaults;
  }

  /** How this provider's outbound calls are made now (proxy, CAs, timeout): saved over the environment's. */
  public NetworkSettings network() {
    return NetworkSettings.of(saved(), networkDefaults);
  }

  /** Re-reads saved settings, then lets the provider rebuild what it built from them (its HTTP client). */
  @Override
  public void reloadSettings(Map<String, String> saved) {
    super.reloadSettings(saved);
    try {
      guard.read(() -> {
        provider.settingsChanged();
        return null;
      });
    } catch (RuntimeException | LinkageError e) {
      // The change is saved either way; the provider keeps its old client until a restart.
      LOG.warn("Provider {} could not apply its changed settings: {}", id(), e.toString());
    }
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

  /** True for the worker fleet's provider: its trainers connect to this server (see {@link ConnectingTrainers}). */
  public boolean trainersConnect() {
    return factory instanceof ConnectingTrainers;
  }

  public List<SettingSpec> settingSpecs() {
    return layers().specs();
  }

  /** {@code closed}, {@code open} or {@code half_open}; {@code closed} for local providers. */
  public String breakerState() {
    return guard.breakerState();
  }

  /** True while the circuit breaker holds calls back after repeated outages. */
  public boolean isPaused() {
    return guard.isPaused();
  }

  public Future<CredentialStatus> validateCredentials() {
    return guard.call("validate credentials", Wait.ANSWER, provider::validateCredentials);
  }

  public List<HardwareOffer> hardware() {
    return guard.read(provider::hardware);
  }

  public long maxUploadBytes() {
    return guard.read(provider::maxUploadBytes);
  }

  public boolean readsDatasetsOverS3() {
    return guard.read(provider::readsDatasetsOverS3);
  }

  public int concurrencyLimit() {
    return guard.read(provider::concurrencyLimit);
  }

  public boolean reportsStatus() {
    return guard.read(provider::reportsStatus);
  }

  public Future<List<String>> check(JobSpec spec) {
    return guard.call("check", Wait.ANSWER, () -> provider.check(spec));
  }

  public Future<String> uploadArchive(Path archive, long sizeBytes) {
    return guard.call("upload", Wait.TRANSFER, () -> provider.uploadArchive(archive, sizeBytes));
  }

  public Future<ProviderJobStatus> parseWebhook(Map<String, String> headers, String body) {
    return guard.call("webhook", Wait.ANSWER, () -> provider.parseWebhook(headers, body));
  }

  public Future<String> logs(String externalId) {
    return guard.call("logs", Wait.ANSWER, () -> provider.logs(externalId));
  }

  public Future<SubmittedJob> submit(JobSpec spec) {
    return guard.call("submit", Wait.ANSWER, () -> provider.submit(spec));
  }

  public Future<ProviderJobStatus> status(String externalId) {
    return guard.call("status", Wait.ANSWER, () -> provider.status(externalId));
  }

  public Future<List<ProviderJobStatus>> statuses(List<String> externalIds) {
    return guard.call("statuses", Wait.ANSWER, () -> provider.statuses(externalIds));
  }

  public Future<List<dev.simpletuner.cloud.spi.ForeignJob>> recentJobs() {
    return guard.call("recent jobs", Wait.ANSWER, provider::recentJobs);
  }

  public Future<Void> cancel(String externalId) {
    return guard.call("cancel", Wait.ANSWER, () -> provider.cancel(externalId));
  }

  public Future<Void> recover(List<RecoveredJob> jobs) {
    return guard.call("recover", Wait.ANSWER, () -> provider.recover(jobs));
  }

  public Future<Optional<SubmittedJob>> findSubmitted(String jobId) {
    return guard.call("find submitted", Wait.ANSWER, () -> provider.findSubmitted(jobId));
  }

  /** Waits for running work to stop and be recorded, however long the trainers take to exit. */
  Future<Void> shutdown() {
    return guard.call("shutdown", Wait.TRANSFER, provider::shutdown);
  }

  void close() {
    guard.read(() -> {
      provider.close();
      return null;
    });
  }
}
