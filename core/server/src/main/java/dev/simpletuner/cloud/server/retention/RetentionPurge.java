package dev.simpletuner.cloud.server.retention;

import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.artifact.ArtifactFiles;
import dev.simpletuner.cloud.server.config.ServerConfig;
import dev.simpletuner.cloud.server.delivery.DeliveryPlanner;
import dev.simpletuner.cloud.server.notify.SystemEvents;
import dev.simpletuner.cloud.server.s3.DatasetBuckets;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The retention purge (config {@code retention.*}): finished jobs older than {@code job_days} with
 * their records and files, audit entries older than {@code audit_days}, idempotency keys older than
 * {@code idempotency_hours}, the rows of multipart uploads completed longer ago than that (they
 * answer a retried CompleteMultipartUpload, as an idempotency key answers a retried submit), sent
 * and dead notifications (with their attempts) and the server events they came from older than
 * {@code notification_days}. After each run the audit chain is verified: a broken one is a
 * notification ({@code system.audit_chain_broken}). It runs on one instance at a time (a lease), in batches of
 * {@code batch_size} rows per transaction with a short pause between them, so requests served
 * meanwhile wait behind one small transaction at most. Files go first, then rows: a purge cut short
 * leaves rows that the next run finds and finishes.
 */
public final class RetentionPurge {
  public static final String LEASE = "retention-purge";
  private static final Logger LOG = LoggerFactory.getLogger(RetentionPurge.class);
  private static final long PAUSE_MS = 20;
  private static final long DAY_MS = 24L * 3600 * 1000;

  private final Vertx vertx;
  private final ServerContext ctx;
  private final ServerConfig.Retention settings;
  private final ArtifactFiles artifacts;
  private boolean running; // touched only on the scheduling verticle's event loop

  /** What one run removed. */
  public record Report(int jobs, int auditEntries, int idempotencyKeys, int notifications, int completedUploads,
                       long millis) {
  }

  public RetentionPurge(Vertx vertx, ServerContext ctx) {
    this.vertx = vertx;
    this.ctx = ctx;
    this.settings = ctx.config().retention();
    this.artifacts = new ArtifactFiles(ctx.config());
  }

  /**
   * Runs the purge every {@code interval_seconds} while this instance holds the lease; a tick while
   * the last run is still going (a long first purge) is skipped.
   */
  public void schedule() {
    vertx.setPeriodic(settings.intervalSeconds() * 1000, id -> {
      if (running) {
        return;
      }
      running = true;
      ctx.leases().whileHolding(LEASE, this::run)
          .onComplete(ar -> running = false)
          .onFailure(e -> LOG.warn("The retention purge failed: {}", e.toString()));
    });
  }

  /** One full run. */
  public Future<Report> run() {
    long started = System.nanoTime();
    long now = ctx.now();
    Future<Integer> jobs = settings.jobDays() == 0 ? Future.succeededFuture(0)
        : jobs(now - settings.jobDays() * DAY_MS, Long.MIN_VALUE, 0);
    long notificationCutoff = now - settings.notificationDays() * DAY_MS;
    return jobs.compose(j -> (settings.auditDays() == 0 ? Future.succeededFuture(0)
            : audit(now - settings.auditDays() * DAY_MS, 0))
        .compose(a -> idempotency(now, 0).compose(k -> (settings.notificationDays() == 0 ? Future.succeededFuture(0)
            : batches(() -> ctx.store().notifications().purgeHistory(notificationCutoff, settings.batchSize()), 0)
                .compose(n -> batches(() -> ctx.store().serverEvents().purgeRead(notificationCutoff,
                    settings.batchSize()), 0).map(n)))
            .compose(n -> completedUploads(now - settings.idempotencyHours() * 3600 * 1000, 0)
                .map(u -> new Report(j, a, k, n, u, (System.nanoTime() - started) / 1_000_000))))))
        .onSuccess(r -> {
          if (r.jobs() + r.auditEntries() + r.idempotencyKeys() + r.notifications() + r.completedUploads() > 0) {
            LOG.info("Retention purge: {} jobs, {} audit entries, {} idempotency keys, {} notifications, {} completed "
                + "uploads in {} ms", r.jobs(), r.auditEntries(), r.idempotencyKeys(), r.notifications(),
                r.completedUploads(), r.millis());
          }
        })
        .compose(r -> SystemEvents.checkAudit(ctx).map(r));
  }

  /** Repeats a batch until one removes less than a batch, pausing between them. */
  private Future<Integer> batches(java.util.function.Supplier<Future<Integer>> batch, int done) {
    return batch.get().compose(n -> n < settings.batchSize() ? Future.succeededFuture(done + n)
        : pause().compose(v -> batches(batch, done + n)));
  }

  private Future<Integer> jobs(long cutoff, long after, int done) {
    return ctx.store().retention().endedBefore(cutoff, after, settings.batchSize()).compose(batch -> {
      if (batch.scanned() == 0) {
        return Future.succeededFuture(done);
      }
      List<String> ids = batch.finished();
      // Past a batch with nothing to purge (jobs moved back to the queue keep their old end time).
      long next = ids.isEmpty() ? batch.lastCompletedAt() + 1 : batch.lastCompletedAt();
      Future<Integer> purged = ids.isEmpty() ? Future.succeededFuture(0)
          : ctx.store().retention().uploadIds(ids)
              .compose(uploads -> ctx.store().retention().placedFiles(ids)
                  .compose(placed -> removeFiles(ids, uploads, placed)))
              .compose(v -> ctx.store().retention().purgeJobs(ids));
      return purged.compose(n -> batch.scanned() < settings.batchSize() ? Future.succeededFuture(done + n)
          : pause().compose(v -> jobs(cutoff, next, done + n)));
    });
  }

  private Future<Integer> audit(long cutoff, int done) {
    return ctx.store().retention().purgeAudit(cutoff, settings.batchSize(), ctx.now())
        .compose(n -> n < settings.batchSize() ? Future.succeededFuture(done + n) : pause().compose(v -> audit(cutoff,
            done + n)));
  }

  private Future<Integer> idempotency(long now, int done) {
    return ctx.store().jobs().purgeIdempotencyKeys(now, settings.idempotencyHours() * 3600 * 1000,
            settings.batchSize())
        .compose(n -> n < settings.batchSize() ? Future.succeededFuture(done + n) : pause().compose(v ->
            idempotency(now, done + n)));
  }

  /** Completed multipart uploads older than {@code cutoff}: part folders a crash left first, then the rows. */
  private Future<Integer> completedUploads(long cutoff, int done) {
    Path multipart = ctx.config().outputsDir().resolve(".multipart").toAbsolutePath().normalize();
    return ctx.store().retention().completedUploadsBefore(cutoff, settings.batchSize()).compose(ids -> ids.isEmpty()
        ? Future.succeededFuture(done)
        : vertx.<Void>executeBlocking(() -> {
          ids.forEach(id -> deleteTree(multipart, multipart.resolve(id)));
          return null;
        }, false)
            .compose(v -> ctx.store().retention().purgeCompletedUploads(ids))
            .compose(n -> ids.size() < settings.batchSize() ? Future.succeededFuture(done + n)
                : pause().compose(v -> completedUploads(cutoff, done + n))));
  }

  /**
   * A batch's files: validation images, received files ({@code <outputs>/outputs/<job>/}, and in
   * {@code .objects/} those whose keys a file cannot hold, or blobs of the shared bucket), the parts
   * of unfinished multipart uploads, and the scratch space beside served datasets.
   */
  private Future<Void> removeFiles(List<String> jobIds, List<String> uploadIds, List<String> placed) {
    Path outputs = ctx.config().outputsDir().resolve(DeliveryPlanner.HOME_BUCKET).toAbsolutePath().normalize();
    Path multipart = ctx.config().outputsDir().resolve(".multipart").toAbsolutePath().normalize();
    return vertx.<Void>executeBlocking(() -> {
      for (String jobId : jobIds) {
        deleteTree(artifacts.root(), artifacts.root().resolve(jobId));
        deleteTree(outputs, outputs.resolve(jobId));
      }
      for (String uploadId : uploadIds) {
        deleteTree(multipart, multipart.resolve(uploadId));
      }
      Path objects = ctx.config().outputsDir().resolve(".objects").toAbsolutePath().normalize();
      for (String file : placed) {
        Path target = ctx.config().outputsDir().resolve(file).toAbsolutePath().normalize();
        if (target.startsWith(objects) && !target.equals(objects)) {
          Files.deleteIfExists(target);
        }
      }
      return null;
    }, false).compose(v -> ctx.blobs().deleteBlobs(placed))
        .compose(v -> Future.all(jobIds.stream().map(id -> ctx.store().outputs().uploads(id)
            .compose(ctx.blobs()::abandon)).toList()))
        .compose(v -> Future.all(jobIds.stream().map(id -> DatasetBuckets.deleteScratch(vertx, ctx.config(), id))
        .toList()).mapEmpty());
  }

  /** Deletes {@code dir} and what is in it, if it is a folder strictly inside {@code root}. */
  private static void deleteTree(Path root, Path dir) {
    Path target = dir.normalize();
    if (!target.startsWith(root) || target.equals(root) || !Files.isDirectory(target)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(target)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Future<Void> pause() {
    Promise<Void> done = Promise.promise();
    vertx.setTimer(PAUSE_MS, id -> done.complete());
    return done.future();
  }
}
