package dev.simpletuner.cloud.spi;

import io.vertx.core.Future;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One configured training provider. The host calls the methods that return a {@code Future} on
 * Vert.x event-loop threads, so they must not block: do blocking work with
 * {@code vertx.executeBlocking}. The plain getters ({@link #hardware()}, the limits and flags) may
 * be called on any host thread and answer from memory. An asynchronous call
 * that does not answer within the server's plugin call timeout fails ({@link #uploadArchive} and
 * {@link #shutdown} excepted); a cloud provider that keeps failing on its side is paused for a
 * while (a {@link ProviderException} that is not {@link ProviderException#unavailable()} and an
 * {@link IllegalArgumentException} do not count). Instances live until {@link #close()}.
 */
public interface Provider extends AutoCloseable {

  /** Checks the configured credentials with the provider. */
  default Future<CredentialStatus> validateCredentials() {
    return Future.succeededFuture(CredentialStatus.ok(null));
  }

  /** Hardware choices with their prices. */
  default List<HardwareOffer> hardware() {
    return List.of();
  }

  /** Largest dataset archive the provider accepts, in bytes; 0 when datasets are not uploaded. */
  default long maxUploadBytes() {
    return 0;
  }

  /**
   * True when the trainer reads the job's local datasets from the host's S3-compatible storage
   * endpoint instead of an uploaded archive: the host rewrites each local dataloader entry into an
   * S3 data backend (SimpleTuner's {@code "type": "aws"}) with read credentials of the job's own.
   * It needs a public URL the trainer can reach; without one the host refuses such a job.
   */
  default boolean readsDatasetsOverS3() {
    return false;
  }

  /**
   * Checks a job before the host stores it, with what it would be dispatched with (the spec's
   * archive URL is null). Returns warnings for the submitter, or fails with
   * {@link IllegalArgumentException} saying what cannot work on this provider; nothing has been
   * spent yet.
   */
  default Future<List<String>> check(JobSpec spec) {
    return Future.succeededFuture(List.of());
  }

  /**
   * How many jobs may run at once on this provider; the host queues the rest. 0 means no limit.
   */
  default int concurrencyLimit() {
    return 0;
  }

  /**
   * True when the provider reports every status change through {@link JobReporter} itself, so the
   * host never needs to poll it.
   */
  default boolean reportsStatus() {
    return false;
  }

  /**
   * Uploads a dataset archive (a zip the host built) and returns the URL the trainer downloads it
   * from. Only called when {@link #maxUploadBytes()} is above 0. Stream the file; never read it
   * into memory whole.
   */
  default Future<String> uploadArchive(Path archive, long sizeBytes) {
    return Future.failedFuture(new UnsupportedOperationException("this provider takes no dataset uploads"));
  }

  /**
   * Verifies and reads a webhook the provider's platform sent to the host
   * ({@code POST /api/webhooks/<provider id>}). Fails with {@link SecurityException} when the
   * signature does not verify; the host then answers 401 and changes nothing.
   *
   * @param headers request headers, names in lower case
   * @param body    the exact bytes received, as text
   */
  default Future<ProviderJobStatus> parseWebhook(Map<String, String> headers, String body) {
    return Future.failedFuture(new UnsupportedOperationException("this provider sends no webhooks"));
  }

  /** The job's whole log as the provider has it; empty when the provider keeps none. */
  default Future<String> logs(String externalId) {
    return Future.succeededFuture("");
  }

  /** Starts a job. The returned external id is used for every later call about it. */
  Future<SubmittedJob> submit(JobSpec spec);

  /** Current status of one job. */
  Future<ProviderJobStatus> status(String externalId);

  /** Current status of many jobs; providers with a list call should override this. */
  default Future<List<ProviderJobStatus>> statuses(List<String> externalIds) {
    List<Future<ProviderJobStatus>> all = externalIds.stream().map(this::status).toList();
    return Future.all(all).map(done -> all.stream().map(Future::result).toList());
  }

  /** Stops a job; succeeds when the job is stopped or was already over. */
  Future<Void> cancel(String externalId);

  /**
   * Called once at start-up with the jobs the host believes are still active on this provider,
   * so a provider that supervises processes can re-attach to them or report their outcome.
   */
  default Future<Void> recover(List<RecoveredJob> jobs) {
    return Future.succeededFuture();
  }

  /**
   * Looks for what a submission created when the server stopped between sending it and recording
   * the answer (a crash, or an instance of a cluster that died). Empty means certainly not created,
   * so the job is submitted again; a job is never sent twice on a guess. The default cannot tell,
   * and such a job is failed with a message instead.
   */
  default Future<Optional<SubmittedJob>> findSubmitted(String jobId) {
    return Future.failedFuture(new UnsupportedOperationException("this provider cannot look up past submissions"));
  }

  /**
   * The account's recent jobs of this provider's trainer, newest first, including ones this server
   * did not submit; the host imports those it does not know ({@code POST /api/cloud/jobs/sync}). Only
   * the trainer's own jobs: never the account's unrelated work. Default: none.
   */
  default Future<List<ForeignJob>> recentJobs() {
    return Future.succeededFuture(List.of());
  }

  /**
   * Called when the server shuts down. Providers that run jobs inside this process's lifetime
   * stop them and report the outcome before the returned future completes.
   */
  default Future<Void> shutdown() {
    return Future.succeededFuture();
  }

  /**
   * Called after the provider's settings were changed through the API. Settings read on each call
   * ({@link ProviderContext#settings()}) already hold the new values; a provider that built
   * something from them once, such as an HTTP client from {@link ProviderContext#httpClientOptions()},
   * builds it again here so the change applies without a restart. Called on an event loop: must not block.
   */
  default void settingsChanged() {
  }

  @Override
  default void close() {
  }
}
