package dev.simpletuner.cloud.server.upload;

import dev.simpletuner.cloud.server.logging.LogSafe;
import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.bus.Addresses;
import dev.simpletuner.cloud.server.bus.Bus;
import dev.simpletuner.cloud.server.job.Job;
import dev.simpletuner.cloud.server.job.JobCommand;
import dev.simpletuner.cloud.server.job.JobStatus;
import dev.simpletuner.cloud.server.plugin.ProviderHandle;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dataset work on worker threads: for cloud jobs that upload their datasets, the scan, the zip
 * and the upload to the provider (scanning -> packaging -> uploading, reported as job progress).
 * Temporary archives are always removed; a cancelled job stops its packaging.
 */
public final class UploadVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(UploadVerticle.class);
  private static final long PROGRESS_EVERY_MS = 500;
  /** Free space kept on top of the archive estimate. */
  private static final long DISK_MARGIN = 64L * 1024 * 1024;
  /** Tries at telling the lifecycle how an upload ended, 1 s apart and doubling to a minute: about eight minutes. */
  static final int REPORT_ATTEMPTS = 14;

  private final ServerContext ctx;
  private final Set<String> running = ConcurrentHashMap.newKeySet();
  private final Map<String, Boolean> cancelled = new ConcurrentHashMap<>();

  public UploadVerticle(ServerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public Future<?> start() {
    vertx.eventBus().<JsonObject>consumer(Addresses.UPLOAD_START, m -> upload(m.body().getString("job_id")));
    vertx.eventBus().<JsonObject>consumer(Addresses.JOB_CHANGED, m -> {
      String jobId = m.body().getString("job_id");
      if (running.contains(jobId) && m.body().getBoolean("is_terminal", false)) {
        cancelled.put(jobId, true);
      }
    });
    return Future.succeededFuture();
  }

  private void upload(String jobId) {
    if (!running.add(jobId)) {
      return;
    }
    cancelled.remove(jobId);
    Path archive = ctx.config().stateDir().resolve("tmp").resolve("dataset-" + jobId + ".zip");
    ctx.store().jobs().get(jobId)
        .compose(found -> {
          if (found.isEmpty() || found.get().status() != JobStatus.UPLOADING) {
            return Future.succeededFuture();
          }
          Job job = found.get();
          ProviderHandle handle = ctx.providers().get(job.provider()).orElseThrow(() -> new IllegalStateException(
              "provider " + job.provider() + " is not loaded"));
          progress(jobId, "Scanning datasets", 0.0, null);
          return vertx.executeBlocking(() -> pack(job, handle, archive), false)
              .compose(size -> {
                progress(jobId, "Uploading dataset", 0.0, Sizes.human(size));
                return handle.uploadArchive(archive, size)
                    .compose(url -> report(Addresses.UPLOAD_DONE, new JobCommand.UploadDone(jobId, url, size)));
              })
              .<Void>mapEmpty();
        })
        .onFailure(e -> {
          if (Boolean.TRUE.equals(cancelled.get(jobId)) || e instanceof CancellationException) {
            LOG.info("Upload of job {} stopped: the job ended", jobId);
            return;
          }
          LOG.warn("Upload of job {} failed: {}", jobId, LogSafe.of(e.getMessage()));
          report(Addresses.UPLOAD_FAILED, new JobCommand.UploadFailed(jobId, e.getMessage() == null ? e.toString()
              : e.getMessage()));
        })
        .eventually(() -> vertx.executeBlocking(() -> Files.deleteIfExists(archive), false))
        .onComplete(ar -> {
          running.remove(jobId);
          cancelled.remove(jobId);
        });
  }

  /**
   * Tells the lifecycle how an upload ended, until it has taken it in: a lost answer would leave
   * the job uploading (after an upload that may have cost a lot) or waiting for nothing.
   */
  private Future<Void> report(String address, JobCommand command) {
    return Bus.askUntilTaken(vertx, address, command, REPORT_ATTEMPTS, 1000).<Void>mapEmpty()
        .onFailure(e -> LOG.error("Could not record the end of the upload ({}); it is recorded at the next start of "
            + "the server: {}", command, e.getMessage()));
  }

  /** Scans again (the files may have changed since submit), checks the disk, and writes the zip. */
  private long pack(Job job, ProviderHandle handle, Path archive) throws IOException {
    long limit = handle.maxUploadBytes();
    DatasetScanner.Scan scan = DatasetScanner.scan(job.dataloaderConfig(), limit);
    if (!scan.ok()) {
      throw new IllegalArgumentException("The datasets cannot be uploaded: " + String.join(" ",
          scan.summary().getJsonArray("errors").stream().map(String::valueOf).toList()));
    }
    Files.createDirectories(archive.getParent());
    long estimate = scan.summary().getLong("archive_estimate_bytes");
    long free = Files.getFileStore(archive.getParent()).getUsableSpace();
    if (free < estimate + DISK_MARGIN) {
      throw new IllegalStateException(String.format(Locale.ROOT, "Not enough free disk space to package the "
          + "datasets: about %.0f MiB needed in %s, %.0f MiB free.", (estimate + DISK_MARGIN) / 1048576.0,
          archive.getParent(), free / 1048576.0));
    }
    long total = Math.max(1, scan.summary().getLong("total_bytes"));
    long[] lastReport = {0};
    String jobId = job.jobId();
    long size = ArchiveWriter.write(scan.entries(), archive, read -> {
      long now = System.currentTimeMillis();
      if (now - lastReport[0] >= PROGRESS_EVERY_MS) {
        lastReport[0] = now;
        progress(jobId, "Packaging dataset", 100.0 * read / total, null);
      }
    }, () -> Boolean.TRUE.equals(cancelled.get(jobId)));
    if (limit > 0 && size > limit) {
      throw new IllegalArgumentException(String.format(Locale.ROOT, "The dataset archive is %.1f MiB, over the "
          + "provider's %.0f MiB upload limit.", size / 1048576.0, limit / 1048576.0));
    }
    return size;
  }

  private void progress(String jobId, String stage, Double percent, String message) {
    vertx.eventBus().send(Addresses.UPLOAD_PROGRESS, new JsonObject().put("job_id", jobId).put("stage", stage)
        .put("percent", percent == null ? null : Math.round(percent * 10) / 10.0).put("message", message));
  }
}
