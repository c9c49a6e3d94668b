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
import java.util.function.Supplier;

/**
 * A third-party provider, called with its own class loader as the thread's context class loader
 * (libraries such as Jackson or ServiceLoader inside the plugin look there), and with exceptions it
 * throws turned into failed futures.
 */
final class IsolatedProvider implements Provider {
  private final Provider delegate;
  private final ClassLoader loader;

  IsolatedProvider(Provider delegate, ClassLoader loader) {
    this.delegate = delegate;
    this.loader = loader;
  }

  static <T> T withLoader(ClassLoader loader, Supplier<T> call) {
    Thread thread = Thread.currentThread();
    ClassLoader previous = thread.getContextClassLoader();
    thread.setContextClassLoader(loader);
    try {
      return call.get();
    } finally {
      thread.setContextClassLoader(previous);
    }
  }

  private <T> Future<T> async(Supplier<Future<T>> call) {
    try {
      Future<T> result = withLoader(loader, call);
      return result == null ? Future.failedFuture(new IllegalStateException("the plugin returned no future")) : result;
    } catch (RuntimeException | LinkageError e) {
      return Future.failedFuture(e);
    }
  }

  @Override
  public Future<CredentialStatus> validateCredentials() {
    return async(delegate::validateCredentials);
  }

  @Override
  public List<HardwareOffer> hardware() {
    return withLoader(loader, delegate::hardware);
  }

  @Override
  public long maxUploadBytes() {
    return withLoader(loader, delegate::maxUploadBytes);
  }

  @Override
  public int concurrencyLimit() {
    return withLoader(loader, delegate::concurrencyLimit);
  }

  @Override
  public boolean reportsStatus() {
    return withLoader(loader, delegate::reportsStatus);
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
  public Future<Void> shutdown() {
    return async(delegate::shutdown);
  }

  @Override
  public void close() {
    withLoader(loader, () -> {
      delegate.close();
      return null;
    });
  }
}
