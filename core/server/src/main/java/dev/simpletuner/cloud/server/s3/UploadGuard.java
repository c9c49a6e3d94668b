package dev.simpletuner.cloud.server.s3;

import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.config.ServerConfig;
import dev.simpletuner.cloud.server.job.Job;
import dev.simpletuner.cloud.server.job.JobEvents;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the storage endpoint accepts before it writes a body (config {@code storage.*}): a job may
 * hold at most {@code received_mb_per_job} in all, and nothing is written while the state disk has
 * less than {@code min_free_mb} free. Refusals use the errors S3 clients know: {@code EntityTooLarge}
 * (400, AWS's answer to a body over the limit) for the cap, and {@code XMinioStorageFull} with 507
 * Insufficient Storage for the floor, as MinIO answers when a drive is below its free-space
 * threshold (minio/minio cmd/api-errors.go, ErrStorageFull). A refusal is noted on the job's
 * timeline, once a minute at most per job, so a trainer retrying does not flood it.
 */
final class UploadGuard {
  private static final long NOTE_EVERY_MS = 60_000;
  private final Vertx vertx;
  private final ServerContext ctx;
  private final ServerConfig.StorageLimits limits;
  private final JobEvents events;
  private final Path disk;
  private final Map<String, Long> noted = new ConcurrentHashMap<>();

  UploadGuard(Vertx vertx, ServerContext ctx) {
    this.vertx = vertx;
    this.ctx = ctx;
    this.limits = ctx.config().storageLimits();
    this.events = new JobEvents(vertx, ctx);
    this.disk = ctx.config().stateDir();
  }

  /**
   * How many bytes this request may still write for the job (at most {@code maxObject}); fails with
   * the S3 error when the disk is below its floor or the declared length is over the job's cap.
   */
  Future<Long> allowance(Job job, HttpServerRequest request, long maxObject) {
    long declared = declaredLength(request);
    Future<Long> free = limits.minFreeBytes() == 0 ? Future.succeededFuture(Long.MAX_VALUE)
        : vertx.executeBlocking(() -> Files.getFileStore(disk).getUsableSpace(), false);
    Future<Long> used = limits.receivedBytesPerJob() == 0 ? Future.succeededFuture(0L)
        : ctx.store().outputs().receivedBytes(job.jobId());
    return Future.all(free, used).map(v -> {
      if (free.result() - Math.max(declared, 0) < limits.minFreeBytes()) {
        throw new S3Exception(507, "XMinioStorageFull", "Storage backend has reached its minimum free drive "
            + "threshold (" + limits.minFreeBytes() / (1024 * 1024) + " MiB free). Please delete a few objects to "
            + "proceed.");
      }
      if (limits.receivedBytesPerJob() == 0) {
        return maxObject;
      }
      long left = Math.max(0, limits.receivedBytesPerJob() - used.result());
      if (declared > left) {
        throw new S3Exception(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size: job "
            + job.jobId() + " may store " + limits.receivedBytesPerJob() + " bytes in all and holds "
            + used.result() + ".");
      }
      return Math.min(maxObject, left);
    });
  }

  /** Notes on the job's timeline that an upload was refused for a limit (other failures are not ours). */
  void refused(Job job, Throwable failure) {
    if (!(failure instanceof S3Exception e) || !(e.code().equals("EntityTooLarge")
        || e.code().equals("XMinioStorageFull"))) {
      return;
    }
    long now = ctx.now();
    Long last = noted.get(job.jobId());
    if (last != null && now - last < NOTE_EVERY_MS) {
      return;
    }
    noted.put(job.jobId(), now);
    boolean full = e.code().equals("XMinioStorageFull");
    events.timeline(job.jobId(), "storage_refused", new JsonObject()
        .put("reason", full ? "disk_floor" : "job_cap")
        .put("error", e.code())
        .put("message", full ? "An upload was refused: the server's disk is below its free-space floor ("
            + limits.minFreeBytes() / (1024 * 1024) + " MiB)." : "An upload was refused: the job would hold more "
            + "than its cap of " + limits.receivedBytesPerJob() + " bytes on this server.")
        .put("limit_bytes", full ? limits.minFreeBytes() : limits.receivedBytesPerJob()));
  }

  /** The body's length as declared (the decoded length of aws-chunked bodies), or -1. */
  private static long declaredLength(HttpServerRequest request) {
    String value = request.getHeader("x-amz-decoded-content-length");
    if (value == null) {
      value = request.getHeader("Content-Length");
    }
    try {
      return value == null ? -1 : Long.parseLong(value.strip());
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
