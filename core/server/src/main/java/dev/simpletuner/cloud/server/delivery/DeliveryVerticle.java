package dev.simpletuner.cloud.server.delivery;

import dev.simpletuner.cloud.server.metrics.Telemetry;
import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.bus.Addresses;
import dev.simpletuner.cloud.server.cluster.ClusterEvents;
import dev.simpletuner.cloud.server.job.Job;
import dev.simpletuner.cloud.server.job.JobStatus;
import dev.simpletuner.cloud.server.job.JobView;
import dev.simpletuner.cloud.server.plugin.DeliveryHandle;
import dev.simpletuner.cloud.server.store.JobUpdate;
import dev.simpletuner.cloud.server.store.OutputStore;
import dev.simpletuner.cloud.spi.delivery.DeliveryJob;
import dev.simpletuner.cloud.spi.delivery.OutputFile;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers ended jobs' models: once a job completed and its uploads have been quiet for the
 * settle time (no open multipart upload either), each target the trainer does not publish to
 * itself gets the files this server holds, one target after another. The job's {@code delivery}
 * column is written only here. Deliveries interrupted by a restart run again at start-up (targets
 * resume where their service allows).
 */
public final class DeliveryVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(DeliveryVerticle.class);
  private static final long CHECK_MS = 1_000;
  private static final long PROGRESS_EVERY_MS = 2_000;
  private static final long MAX_DELIVERY_HOURS = 12;

  private final ServerContext ctx;
  private final Map<String, Long> lastOutputAt = new HashMap<>();
  private final Set<String> scheduled = new HashSet<>();

  public DeliveryVerticle(ServerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public Future<?> start() {
    vertx.eventBus().<JsonObject>consumer(Addresses.JOB_OUTPUT,
        m -> lastOutputAt.put(m.body().getString("job_id"), ctx.now()));
    vertx.eventBus().<JsonObject>consumer(Addresses.JOB_CHANGED, m -> {
      JsonObject job = m.body();
      // The instance that ended the job delivers it (another instance's event is only news). A job
      // that did not complete is settled at once: no more files are coming.
      if (!ClusterEvents.isRemote(m) && job.getBoolean("is_terminal", false) && hasOpen(job.getJsonArray("delivery"))) {
        schedule(job.getString("job_id"), !JobStatus.COMPLETED.wireName().equals(job.getString("status")));
      }
    });
    vertx.eventBus().<JsonObject>consumer(Addresses.DELIVERY_START, m -> retry(m.body().getString("job_id"),
        m.body().getString("target")));
    return ctx.store().jobs().withOpenDeliveries().onSuccess(ids -> ids.forEach(id -> schedule(id, true)));
  }

  private static boolean hasOpen(JsonArray delivery) {
    if (delivery == null) {
      return false;
    }
    for (Object o : delivery) {
      if (open((JsonObject) o)) {
        return true;
      }
    }
    return false;
  }

  /** Not yet settled: waiting, in progress, or published by the trainer and not yet looked at. */
  private static boolean open(JsonObject entry) {
    String status = entry.getString("status");
    return DeliveryStatus.PENDING.equals(status) || DeliveryStatus.DELIVERING.equals(status)
        || DeliveryStatus.DELEGATED.equals(status) && entry.getString("finished_at") == null;
  }

  /** @param now skip the settle wait (a restart or an explicit retry) */
  private void schedule(String jobId, boolean now) {
    if (!scheduled.add(jobId)) {
      return;
    }
    long started = ctx.now();
    if (now) {
      run(jobId);
      return;
    }
    vertx.setPeriodic(CHECK_MS, timer -> settled(jobId, started).onSuccess(ready -> {
      if (ready) {
        vertx.cancelTimer(timer);
        run(jobId);
      }
    }).onFailure(e -> {
      vertx.cancelTimer(timer);
      scheduled.remove(jobId);
      LOG.error("Checking whether job {} is ready for delivery failed", jobId, e);
    }));
  }

  /** Quiet for the settle time with no upload open, or waited as long as uploads may still arrive. */
  private Future<Boolean> settled(String jobId, long since) {
    long settleMs = ctx.config().storage().settleSeconds() * 1000;
    long quietSince = Math.max(since, lastOutputAt.getOrDefault(jobId, 0L));
    if (ctx.now() - quietSince < settleMs) {
      return Future.succeededFuture(false);
    }
    if (ctx.now() - since > ctx.config().storage().graceSeconds() * 1000) {
      return Future.succeededFuture(true);
    }
    return ctx.store().outputs().uploads(jobId).map(List::isEmpty);
  }

  private void retry(String jobId, String target) {
    ctx.store().jobs().get(jobId).compose(found -> {
      if (found.isEmpty()) {
        return Future.succeededFuture();
      }
      JsonArray delivery = found.get().delivery().copy();
      for (Object o : delivery) {
        JsonObject entry = (JsonObject) o;
        if (entry.getString("target").equals(target) && "server".equals(entry.getString("mode"))) {
          entry.put("status", DeliveryStatus.PENDING).remove("error");
        }
      }
      return save(jobId, delivery, null).onSuccess(v -> schedule(jobId, true));
    }).onFailure(e -> LOG.error("Retrying delivery {} of job {} failed", target, jobId, e));
  }

  private void run(String jobId) {
    lastOutputAt.remove(jobId);
    ctx.store().jobs().get(jobId)
        .compose(found -> found.isEmpty() ? Future.succeededFuture() : deliverAll(found.get()))
        .onComplete(ar -> {
          scheduled.remove(jobId);
          if (ar.failed()) {
            LOG.error("Delivering job {} failed", jobId, ar.cause());
          }
        });
  }

  private Future<Void> deliverAll(Job job) {
    // Blobs of the shared bucket are copied here for the targets, which read local files, and removed after.
    Path copies = ctx.config().outputsDir().resolve(".delivering").resolve(job.jobId() + "-" + UUID.randomUUID());
    return ctx.store().outputs().list(job.jobId())
        .compose(outputs -> files(job.jobId(), outputs, copies))
        .compose(files -> deliverAll(job, files))
        .eventually(() -> vertx.fileSystem().deleteRecursive(copies.toString()).recover(e -> Future.succeededFuture()));
  }

  private Future<Void> deliverAll(Job job, List<OutputFile> files) {
    ModelFiles model = ModelFiles.of(files, lastStep(job));
    JsonArray delivery = job.delivery().copy();
    Future<Void> chain = Future.succeededFuture();
    for (Object o : delivery) {
      JsonObject entry = (JsonObject) o;
      if (open(entry)) {
        chain = chain.compose(v -> deliverOne(job, delivery, entry, files, model));
      }
    }
    return chain.compose(v -> save(job.jobId(), delivery, outputUrl(job, delivery, files)));
  }

  private Future<Void> deliverOne(Job job, JsonArray delivery, JsonObject entry, List<OutputFile> files,
                                  ModelFiles model) {
    String target = entry.getString("target");
    boolean localTarget = DeliveryPlanner.LOCAL.equals(target);
    boolean completed = job.status() == JobStatus.COMPLETED;
    String now = Instant.ofEpochMilli(ctx.now()).toString();
    if (DeliveryStatus.DELEGATED.equals(entry.getString("status"))) {
      entry.put("finished_at", now);
      if (!completed) {
        entry.put("status", DeliveryStatus.SKIPPED).put("error", "The job did not complete.");
      } else {
        entry.put("note", "The trainer published the model there itself; this server cannot see it.");
      }
      return timeline(job.jobId(), entry);
    }
    if (!completed && !(localTarget && !files.isEmpty())) {
      entry.put("status", DeliveryStatus.SKIPPED).put("error", "The job did not complete, so nothing was delivered.")
          .put("finished_at", now);
      return timeline(job.jobId(), entry);
    }
    if (!completed || !model.isFinal()) {
      // Checkpoints are something, but not the model that was asked for: remote targets get nothing.
      entry.put("status", files.isEmpty() ? DeliveryStatus.FAILED : DeliveryStatus.INCOMPLETE)
          .put("error", completed ? model.note() : "The job did not complete; " + files.size()
              + " file(s) it sent are on this server.")
          .put("files", files.size()).put("finished_at", now);
      if (localTarget && !files.isEmpty()) {
        entry.put("url", outputsUrl(job.jobId()));
      }
      return timeline(job.jobId(), entry);
    }
    DeliveryHandle handle = ctx.deliveries().get(target).orElse(null);
    if (handle == null) {
      entry.put("status", DeliveryStatus.FAILED).put("error", "Delivery target '" + target + "' is not installed.");
      return Future.succeededFuture();
    }
    // The local target reports everything that arrived; remote ones get the model.
    List<OutputFile> sent = localTarget ? files : model.model();
    JsonObject options = targetOptions(job, target);
    DeliveryJob deliveryJob = new DeliveryJob(job.jobId(), job.trackerRunName(), options, job.config(), sent,
        outputsUrl(job.jobId()));
    entry.put("status", DeliveryStatus.DELIVERING).put("started_at", now)
        .put("bytes_total", deliveryJob.totalBytes()).put("bytes_done", 0).remove("error");
    long[] lastSaved = {0};
    return save(job.jobId(), delivery, null)
        .compose(v -> handle.deliver(deliveryJob, (done, total) -> vertx.runOnContext(x -> {
          // Progress queued behind the delivery's end must not save the entries without the output URL.
          if (!DeliveryStatus.DELIVERING.equals(entry.getString("status"))) {
            return;
          }
          entry.put("bytes_done", done);
          if (ctx.now() - lastSaved[0] >= PROGRESS_EVERY_MS) {
            lastSaved[0] = ctx.now();
            save(job.jobId(), delivery, null);
          }
        })).timeout(MAX_DELIVERY_HOURS, TimeUnit.HOURS))
        .transform(ar -> {
          entry.put("finished_at", Instant.ofEpochMilli(ctx.now()).toString());
          if (ar.succeeded()) {
            entry.put("status", DeliveryStatus.DELIVERED).put("url", ar.result().url())
                .put("bytes", ar.result().bytes()).put("bytes_done", ar.result().bytes())
                .put("files", sent.size()).put("sha256", manifestSha256(sent))
                .put("note", model.note() == null ? ar.result().note()
                    : ar.result().note() == null ? model.note() : ar.result().note() + ". " + model.note());
          } else {
            String message = ar.cause().getMessage() != null ? ar.cause().getMessage() : ar.cause().toString();
            LOG.warn("Delivering job {} to {} failed: {}", job.jobId(), target, message);
            entry.put("status", DeliveryStatus.FAILED).put("error", message);
          }
          return timeline(job.jobId(), entry);
        });
  }

  /** {@code --max_train_steps} of the job's config, when it is a number. */
  private static Integer lastStep(Job job) {
    Object steps = job.config() == null ? null : job.config().getValue("--max_train_steps");
    if (steps instanceof Number n) {
      return n.intValue();
    }
    return steps instanceof String s && s.strip().matches("\\d{1,9}") ? Integer.parseInt(s.strip()) : null;
  }

  private Future<Void> timeline(String jobId, JsonObject entry) {
    Telemetry.of(vertx).delivery(entry.getString("target"), entry.getString("status"));
    JsonObject data = new JsonObject().put("target", entry.getString("target")).put("status", entry.getString("status"))
        .put("url", entry.getString("url")).put("error", entry.getString("error"));
    return ctx.store().events().add(jobId, "delivery", data, ctx.now())
        .onSuccess(v -> vertx.eventBus().publish(Addresses.JOB_TIMELINE, new JsonObject().put("job_id", jobId)
            .put("type", "delivery").put("data", data).put("created_at", Instant.ofEpochMilli(ctx.now()).toString())))
        .recover(e -> Future.succeededFuture());
  }

  private Future<Void> save(String jobId, JsonArray delivery, String outputUrl) {
    // A copy: the cached job must not see later changes of the entries before they are saved.
    JobUpdate update = JobUpdate.create().delivery(delivery.copy());
    if (outputUrl != null) {
      update.outputUrl(outputUrl);
    }
    return ctx.store().jobs().update(jobId, null, update, ctx.now())
        .onSuccess(updated -> updated.ifPresent(j -> vertx.eventBus().publish(Addresses.JOB_CHANGED,
            JobView.render(j, null, false, ctx.now()))))
        .mapEmpty();
  }

  private static JsonObject targetOptions(Job job, String target) {
    JsonObject plan = job.metadata() == null ? null : job.metadata().getJsonObject("delivery");
    if (plan != null) {
      for (Object o : plan.getJsonArray("targets", new JsonArray())) {
        JsonObject t = (JsonObject) o;
        if (target.equals(t.getString("target"))) {
          return t.getJsonObject("options", new JsonObject());
        }
      }
    }
    return new JsonObject();
  }

  /** Where the model is: the first delivered remote target, else this server's copy. */
  private String outputUrl(Job job, JsonArray delivery, List<OutputFile> files) {
    for (Object o : delivery) {
      JsonObject e = (JsonObject) o;
      if (DeliveryStatus.DELIVERED.equals(e.getString("status")) && !DeliveryPlanner.LOCAL.equals(e.getString("target"))
          && e.getString("url") != null) {
        return e.getString("url");
      }
    }
    return files.isEmpty() ? job.outputUrl() : outputsUrl(job.jobId());
  }

  static String outputsUrl(String jobId) {
    return "/api/cloud/jobs/" + jobId + "/outputs";
  }

  /**
   * The job's files with paths relative to its prefix. Trainers publish under the name of their
   * output directory ({@code <job id>/output/...}); when every file shares that one folder it is
   * left out, so a Hub repo gets the weights at its root as the trainer's own push would.
   */
  private Future<List<OutputFile>> files(String jobId, List<OutputStore.Output> outputs, Path copies) {
    String prefix = jobId + "/";
    // Folder markers ("dir/") are no files to deliver.
    List<OutputStore.Output> mine = outputs.stream().filter(o -> o.key().startsWith(prefix) && !o.key().endsWith("/"))
        .toList();
    String common = commonFolder(mine.stream().map(o -> o.key().substring(prefix.length())).toList());
    List<OutputFile> files = new ArrayList<>();
    Future<Void> chain = Future.succeededFuture();
    for (OutputStore.Output o : mine) {
      chain = chain.compose(v -> ctx.blobs().local(o, copies)).map(local -> {
        files.add(new OutputFile(o.key().substring(prefix.length() + common.length()), local.path(), o.size(),
            o.sha256()));
        return null;
      });
    }
    return chain.map(files);
  }

  /** {@code "output/"} when every path starts with that one folder, else {@code ""}. */
  static String commonFolder(List<String> paths) {
    if (paths.isEmpty()) {
      return "";
    }
    int slash = paths.get(0).indexOf('/');
    if (slash < 0) {
      return "";
    }
    String folder = paths.get(0).substring(0, slash + 1);
    return paths.stream().allMatch(p -> p.startsWith(folder)) ? folder : "";
  }

  /** SHA-256 of the {@code sha256sum}-style manifest of the delivered files (sorted by path). */
  static String manifestSha256(List<OutputFile> files) {
    StringBuilder manifest = new StringBuilder();
    files.stream().sorted((a, b) -> a.path().compareTo(b.path()))
        .forEach(f -> manifest.append(f.sha256()).append("  ").append(f.path()).append('\n'));
    return dev.simpletuner.cloud.spi.s3.SigV4.sha256Hex(manifest.toString().getBytes(StandardCharsets.UTF_8));
  }
}
