package dev.simpletuner.cloud.server.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * The resolved configuration (SPEC.md section 2). Built by {@link ConfigLoader}; immutable.
 *
 * @param host              bind address
 * @param port              bind port; 0 picks a free one
 * @param stateDir          database, secrets, outputs
 * @param configFile        the file that was read, or null
 * @param databaseUrl       {@code postgresql://...}, or null for the embedded SQLite store
 * @param publicUrl         base URL the outside world reaches this server at (tunnel), or null
 * @param pluginsDir        third-party plugin jars
 * @param maxBodyBytes      request body limit for JSON APIs
 * @param logLinesPerJob    how many log lines are kept per job (older ones are dropped)
 * @param providerSettings  {@code providers.<id>.<setting>} from the config file
 * @param deliverySettings  {@code delivery.<target>.<setting>} from the config file
 * @param storage           the storage endpoint's timing and dataset scratch space
 * @param callbacks         what trainer callbacks may carry
 * @param plugins           how the server calls providers and delivery targets
 * @param workers           how the server keeps its self-hosted workers
 * @param remoteShutdown    whether an admin may stop the server over the API (the reference CLI's
 *                          {@code simpletuner shutdown}); off unless asked for
 * @param retention         how long finished jobs, audit entries and idempotency keys are kept
 * @param storageLimits     what the storage endpoint accepts before it refuses uploads
 * @param metrics           what the Prometheus endpoint exports and who may scrape it
 * @param snapshots         where submitted configs are committed to git, if anywhere
 */
public record ServerConfig(String host, int port, Path stateDir, Path configFile, String databaseUrl, String publicUrl,
                           Path pluginsDir, long maxBodyBytes, int logLinesPerJob,
                           Map<String, Map<String, String>> providerSettings,
                           Map<String, Map<String, String>> deliverySettings, Storage storage,
                           Map<String, Integer> ratesPerMinute, Callbacks callbacks, Plugins plugins,
                           Workers workers, boolean remoteShutdown, Retention retention,
                           StorageLimits storageLimits, Metrics metrics, Snapshots snapshots) {

  /**
   * @param gitRepository a local git working tree each submit commits the job's resolved config
   *                      files to; null for none
   */
  public record Snapshots(Path gitRepository) {
    public static final Snapshots NONE = new Snapshots(null);
  }

  /**
   * @param jobDays          finished jobs (with their logs, timeline, metrics, artifacts and received
   *                         files) older than this many days are purged; 0 keeps them forever
   * @param auditDays        audit entries older than this are purged (the chain stays verifiable from
   *                         an anchor); 0 keeps them forever
   * @param idempotencyHours how long an Idempotency-Key is remembered
   * @param batchSize        rows per purge transaction, so the purge never holds the database for long
   * @param intervalSeconds  how often the purge runs (on one instance of a cluster)
   */
  /** @param notificationDays sent and dead notifications, and server events, are kept this long (0: forever) */
  public record Retention(long jobDays, long auditDays, long idempotencyHours, int batchSize, long intervalSeconds,
                          long notificationDays) {
    public static final Retention DEFAULT = new Retention(0, 0, 24, 500, 3600, 0);
  }

  /**
   * @param receivedBytesPerJob how much a job may upload to the storage endpoint in all; 0: no cap
   * @param minFreeBytes        uploads are refused while the state disk has less free space than this
   * @param idleTimeoutSeconds  a storage client's connection that sends nothing for this long is closed
   */
  public record StorageLimits(long receivedBytesPerJob, long minFreeBytes, int idleTimeoutSeconds) {
    public static final StorageLimits DEFAULT = new StorageLimits(0, 1024L * 1024 * 1024, 300);
  }

  /**
   * @param categories  which metric families {@code /metrics} exports (see {@code metrics.MetricCategory})
   * @param scrapeToken a bearer token that may read the metrics without an account; null: none
   */
  public record Metrics(java.util.Set<String> categories, String scrapeToken) {
  }

  /**
   * @param graceSeconds  how long a job's storage credentials keep working after it ended, so a
   *                      final upload racing the completion webhook still lands
   * @param settleSeconds how long uploads must have been quiet after a job ended before its
   *                      outputs are delivered
   * @param datasetScratchBytes how much a cloud trainer may write next to the datasets this server
   *                      serves it (the trainer's own caches), per job
   * @param s3Port        a port of its own serving the storage endpoint at its root (path-style S3
   *                      for clients that take no path in their endpoint: MinIO SDKs, s3cmd); 0 for
   *                      none (the default)
   * @param bucket        where received objects are kept when {@code storage.backend} is {@code s3};
   *                      null for the local disk (the default)
   */
  public record Storage(long graceSeconds, long settleSeconds, long datasetScratchBytes, int s3Port,
                        SharedBucket bucket) {
    public static final Storage DEFAULT = new Storage(1800, 10, 2048L * 1024 * 1024, 0, null);
  }

  /**
   * @param maxBodyBytes        largest trainer callback (validation events carry base64 images)
   * @param artifactBytesPerJob how much a job's validation images may take on disk; later ones are
   *                            dropped with a note on the timeline
   */
  public record Callbacks(long maxBodyBytes, long artifactBytesPerJob) {
    public static final Callbacks DEFAULT = new Callbacks(64L * 1024 * 1024, 256L * 1024 * 1024);
  }

  /**
   * @param callTimeout     how long a provider or delivery target may take to answer one question
   *                        (status, submit, validate, ...); transfers of datasets and models are not limited
   * @param defaultProvider where a submission without {@code ?provider=} goes (SPEC.md 3.1: replicate)
   */
  public record Plugins(Duration callTimeout, String defaultProvider) {
    public static final Plugins DEFAULT = new Plugins(Duration.ofSeconds(120), "replicate");
  }

  /**
   * @param heartbeatTimeoutSeconds a worker silent for this long is offline and its job requeued
   * @param maxRetries              how often a job is requeued after losing its worker before it fails
   */
  public record Workers(long heartbeatTimeoutSeconds, int maxRetries) {
    public static final Workers DEFAULT = new Workers(120, 3);
  }

  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final int DEFAULT_PORT = 8001;
  public static final long DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
  public static final int DEFAULT_LOG_LINES_PER_JOB = 20_000;

  public Path cloudDir() {
    return stateDir.resolve("cloud");
  }

  public Path outputsDir() {
    return stateDir.resolve("cloud_outputs");
  }

  public Path providersDir() {
    return stateDir.resolve("providers");
  }

  public ServerConfig withPort(int newPort) {
    return new ServerConfig(host, newPort, stateDir, configFile, databaseUrl, publicUrl, pluginsDir, maxBodyBytes,
        logLinesPerJob, providerSettings, deliverySettings, storage, ratesPerMinute, callbacks, plugins, workers,
        remoteShutdown, retention, storageLimits, metrics, snapshots);
  }
}
