package dev.simpletuner.cloud.server.plugin;

import dev.simpletuner.cloud.spi.CredentialStatus;
import dev.simpletuner.cloud.spi.HardwareOffer;
import dev.simpletuner.cloud.spi.JobSpec;
import dev.simpletuner.cloud.spi.Provider;
import dev.simpletuner.cloud.spi.ProviderJobStatus;
import dev.simpletuner.cloud.spi.RecoveredJob;
import dev.simpletuner.cloud.spi.SubmittedJob;
import io.vertx.core.Future;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * A third-party provider, every call made through {@link PluginCalls} with the plugin's class
 * loader.
 */
final class IsolatedProvider implements Provider {
  private final Provider delegate;
  private final ClassLoader loader;

  IsolatedProvider(Provider delegate, ClassLoader loader) {
    this.delegate = delegate;
    this.loader = loader;
  }

  private <T> Future<T> async(Supplier<Future<T>> call) {
    return PluginCalls.async(loader, call);
  }

  @Override
  public Future<CredentialStatus> validateCredentials() {
    return async(delegate::validateCredentials);
  }

  @Override
  public List<HardwareOffer> hardware() {
    return PluginCalls.withLoader(loader, delegate::hardware);
  }

  @Override
  public long maxUploadBytes() {
    return PluginCalls.withLoader(loader, delegate::maxUploadBytes);
  }

  @Override
  public boolean readsDatasetsOverS3() {
    return PluginCalls.withLoader(loader, delegate::readsDatasetsOverS3);
  }

  @Override
  public Future<List<String>> check(JobSpec spec) {
    return async(() -> delegate.check(spec));
  }

  @Override
  public int concurrencyLimit() {
    return PluginCalls.withLoader(loader, delegate::concurrencyLimit);
  }

  @Override
  public boolean reportsStatus() {
    return PluginCalls.withLoader(loader, delegate::reportsStatus);
  }

  @Override
  public Future<String> uploadArchive(Path archive, long sizeBytes) {
    return async(() -> delegate.uploadArchive(archive, sizeBytes));
  }

  @Override
  public Future<ProviderJobStatus> parseWebhook(Map<String, String> headers, String body) {
    return async(() -> delegate.parseWebhook(headers, body));
  }

  @Override
  public Future<String> logs(String externalId) {
    return async(() -> delegate.logs(externalId));
  }

  @Override
  public Future<SubmittedJob> submit(JobSpec spec) {
    return async(() -> delegate.submit(spec));
  }

  @Override
  public Future<ProviderJobStatus> status(String externalId) {
    return async(() -> delegate.status(externalId));
  }

  @Override
  public Future<List<ProviderJobStatus>> statuses(List<String> externalIds) {
    return async(() -> delegate.statuses(externalIds));
  }

  @Override
  public Future<Void> cancel(String externalId) {
    return async(() -> delegate.cancel(externalId));
  }

  @Override
  public Future<Void> recover(List<RecoveredJob> jobs) {
    return async(() -> delegate.recover(jobs));
  }

  @Override
  public Future<Optional<SubmittedJob>> findSubmitted(String jobId) {
    return async(() -> delegate.findSubmitted(jobId));
  }

  @Override
  public Future<Void> shutdown() {
    return async(delegate::shutdown);
  }

  @Override
  public void close() {
    PluginCalls.withLoader(loader, () -> {
      delegate.close();
      return null;
    });
  }
}
