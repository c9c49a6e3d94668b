package dev.simpletuner.cloud.server.fleet;

import dev.simpletuner.cloud.server.logging.LogSafe;
import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.auth.Principal;
import dev.simpletuner.cloud.server.bus.Addresses;
import dev.simpletuner.cloud.server.callback.TrainerEvent;
import dev.simpletuner.cloud.server.command.JobCommands;
import dev.simpletuner.cloud.server.error.AppException;
import dev.simpletuner.cloud.server.error.ErrorCode;
import dev.simpletuner.cloud.server.job.Job;
import dev.simpletuner.cloud.server.job.JobCommand;
import dev.simpletuner.cloud.server.job.JobStatus;
import dev.simpletuner.cloud.server.store.WorkerStore.Worker;
import dev.simpletuner.cloud.spi.ProviderStatus;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server side of the worker agent's protocol (worker_agent.py) and the admin's view of the
 * fleet. Every worker call is authenticated by the worker's own token ({@code X-Worker-Token},
 * found by its hash) and reaches only that worker and the job it holds. Jobs are handed out by
 * {@link FleetVerticle}; here the fleet learns what the agents say and tells it when to look.
 */
public final class Fleet {
  private static final Logger LOG = LoggerFactory.getLogger(Fleet.class);
  /**
   * A heartbeat sent before the agent received its job may still say idle; only after this long
   * (15 s, less with a short heartbeat timeout) does an idle heartbeat mean the job was not taken.
   */
  private final long takeGraceMs;
  /** How long after its trainer said it was complete a job may wait for its agent's own report. */
  private final long trainerDoneGraceMs;
  private final Vertx vertx;
  private final ServerContext ctx;
  private final JobCommands commands;
  private final WorkerStreams streams;

  public Fleet(Vertx vertx, ServerContext ctx, JobCommands commands, WorkerStreams streams) {
    this.vertx = vertx;
    this.ctx = ctx;
    this.commands = commands;
    this.streams = streams;
    long timeout = ctx.config().workers().heartbeatTimeoutSeconds() * 1000;
    this.takeGraceMs = Math.min(15_000, timeout / 4);
    this.trainerDoneGraceMs = Math.min(20_000, timeout / 4);
  }

  long takeGraceMs() {
    return takeGraceMs;
  }

  // ---- the agent's calls

  /** The worker whose token this is; 401 (as upstream) for a missing, unknown, rotated or deleted one. */
  public Future<Worker> authenticate(String token) {
    if (token == null || token.isBlank()) {
      return Future.failedFuture(new AppException(ErrorCode.INVALID_TOKEN, "Missing worker token (X-Worker-Token)."));
    }
    return ctx.store().workers().byTokenHash(WorkerTokens.hash(token.strip())).map(found -> found.orElseThrow(
        () -> new AppException(ErrorCode.INVALID_TOKEN, "Invalid worker token.")));
  }

  /**
   * {@code POST /api/workers/register}: what the agent detected, and what to do about the job it
   * says it runs (upstream's reconciliation: resume it, or abandon it). A job this worker held
   * but no longer runs (the agent restarted) goes back to the queue.
   *
   * @param base the address the agent reached this server at; its jobs' trainers get the same
   */
  public Future<JsonObject> register(Worker worker, JsonObject body, String base) {
    String name = body.getString("name") == null || body.getString("name").isBlank() ? worker.name()
        : body.getString("name").strip();
    String type = body.getBoolean("persistent", false) ? "persistent" : "ephemeral";
    JsonObject gpu = body.getJsonObject("gpu_info", new JsonObject());
    String reported = body.getString("current_job_id");
    long now = ctx.now();
    return ctx.store().workers().register(worker.workerId(), name, type, gpu, ctx.hostId(), base, now)
        .map(found -> found.orElseThrow(() -> notFound(worker.workerId())))
        .compose(registered -> reconcile(registered, reported))
        .map(instructions -> instructions.put("worker_id", worker.workerId())
            .put("sse_url", "/api/workers/stream?worker_id=" + worker.workerId()))
        .onSuccess(v -> {
          LOG.info("Worker {} ({}) registered: {} {}, GPU {}", worker.workerId(), LogSafe.of(name), LogSafe.of(type),
              LogSafe.of(base), LogSafe.of(gpu));
          ctx.audit().record(null, "worker.registered", "worker", worker.workerId(), "ok",
              new JsonObject().put("name", name).put("worker_type", type).put("gpu_info", gpu), null, now);
        });
  }

  private Future<JsonObject> reconcile(Worker worker, String reported) {
    String held = worker.currentJobId();
    JsonObject answer = new JsonObject().putNull("resume_job").putNull("abandon_job");
    if (held != null && held.equals(reported)) {
      return ctx.store().jobs().get(held).compose(job -> {
        if (job.isPresent() && job.get().status().isActive()) {
          return Future.succeededFuture(answer.put("resume_job", new JsonObject().put("job_id", held)
              .put("config_name", job.get().configName()).put("status", job.get().status().wireName())));
        }
        return release(worker.workerId(), held).map(v -> answer.put("abandon_job", reported));
      });
    }
    // A one-job worker back without its job is a new pod its provider started for it (the old one was
    // preempted or evicted): the job stays with it for another attempt, within the retry budget.
    Future<Void> lost = held == null ? Future.succeededFuture()
        : lose(worker, held, "the worker " + worker.name() + " came back without the job it was running",
            WorkerPasses.boundJob(worker) != null ? JobCommand.Requeue.Bound.KEEP : JobCommand.Requeue.Bound.NO);
    return lost.map(v -> reported == null ? answer : answer.put("abandon_job", reported));
  }

  /** {@code GET /api/workers/stream}: the worker's event stream, on this instance from now on. */
  public void stream(RoutingContext rc, Worker worker, String workerId) {
    sameWorker(worker, workerId);
    String id = worker.workerId();
    streams.open(rc, id, () -> ctx.store().workers().byTokenHash(worker.tokenHash())
            .map(found -> found.filter(w -> w.workerId().equals(id)).isPresent()),
        () -> ctx.store().workers().streamClosed(id, ctx.hostId(), ctx.now())
            .onFailure(e -> LOG.warn("The end of worker {}'s stream was not recorded: {}", id, e.getMessage())));
    ctx.store().workers().streamOpened(id, ctx.hostId(), ctx.now())
        .onSuccess(v -> wake())
        .onFailure(e -> LOG.warn("Worker {}'s stream was not recorded; it gets no jobs until it reconnects: {}", id,
            e.getMessage()));
  }

  /**
   * {@code POST /api/workers/heartbeat}. An idle heartbeat from a worker that should be running a
   * job it was handed a while ago means the job never started there: it goes back to the queue.
   * A worker busy with a job that is not its own any more (it was requeued while the worker was
   * silent) is told to stop it.
   */
  public Future<JsonObject> heartbeat(Worker worker, JsonObject body) {
    sameWorker(worker, body.getString("worker_id"));
    String says = body.getString("current_job_id");
    long now = ctx.now();
    return ctx.store().workers().heartbeat(worker.workerId(), now).compose(updated -> {
      Worker current = updated.orElseThrow(() -> notFound(worker.workerId()));
      String held = current.currentJobId();
      if (held != null && says == null && "idle".equals(body.getString("status")) && current.dispatchedAt() != null
          && now - current.dispatchedAt() > takeGraceMs) {
        return lose(current, held, "the worker " + current.name() + " says it runs no job");
      }
      if (says != null && !says.equals(held)) {
        return streams.push(vertx, current.workerId(), cancel(says)).otherwiseEmpty();
      }
      if (says != null && "busy".equals(body.getString("status"))) {
        return finishedUnseen(current, says, now);
      }
      return Future.<Void>succeededFuture();
    }).map(v -> new JsonObject().put("success", true));
  }

  /**
   * A worker still busy with a job whose trainer said, a while ago, that its run is complete: the
   * agent stopped watching its trainer (its asyncio reader gives up on an output line over 64 KiB,
   * which a long stretch of progress-bar redraws without a newline makes; worker_agent.py:367) and
   * will never report. The job is completed on the trainer's word, and the agent told to drop it.
   */
  private Future<Void> finishedUnseen(Worker worker, String jobId, long now) {
    return ctx.store().jobs().get(jobId).compose(found -> {
      Job job = found.orElse(null);
      boolean complete = job != null && job.status() == JobStatus.RUNNING && job.progress() != null
          && TrainerEvent.COMPLETE_STAGE.equals(job.progress().getString("stage"))
          && now - job.updatedAt() > trainerDoneGraceMs;
      if (!complete) {
        return Future.succeededFuture();
      }
      LOG.warn("Worker {} ({}) still runs job {} although its trainer finished {} s ago; its agent lost track of "
          + "the trainer: the job is completed on the trainer's word", worker.workerId(), worker.name(), jobId,
          (now - job.updatedAt()) / 1000);
      String note = "the trainer said its run was complete, but the worker's agent never reported the end "
          + "(it stopped reading the trainer's output)";
      return release(worker.workerId(), jobId)
          .compose(v -> ctx.store().attempts().end(jobId, worker.workerId(), "completed", note, now))
          .compose(v -> commands.workerReport(jobId, worker.workerId(), ProviderStatus.SUCCEEDED, null))
          .compose(v -> streams.push(vertx, worker.workerId(), cancel(jobId)).otherwiseEmpty());
    });
  }

  /**
   * {@code POST /api/workers/job/{job_id}/status}. The agent says {@code starting}, then
   * {@code training} or {@code running}; then {@code completed}, {@code failed} or {@code cancelled}.
   * An ended job stays as it is (the agent may say failed after a cancel). A job the agent stopped
   * on its own (its machine is shutting down) was not cancelled by anyone: it is requeued. The
   * worker is free once the answer is sent; wake the fleet then ({@link #wake}).
   */
  public Future<JsonObject> jobStatus(Worker worker, String jobId, JsonObject body) {
    String said = String.valueOf(body.getValue("status")).toLowerCase(Locale.ROOT);
    String error = body.getValue("error") instanceof String s && !s.isBlank() ? s : null;
    return ctx.store().jobs().get(jobId).compose(found -> {
      Job job = found.orElseThrow(() -> new AppException(ErrorCode.JOB_NOT_FOUND, "Job not found: " + jobId + ".",
          new JsonObject().put("job_id", jobId)));
      if (!worker.workerId().equals(job.externalId()) && !jobId.equals(worker.currentJobId())) {
        throw new AppException(ErrorCode.PERMISSION_DENIED, "Worker not assigned to this job.");
      }
      ProviderStatus status = switch (said) {
        case "starting", "training", "running" -> ProviderStatus.RUNNING;
        case "completed" -> ProviderStatus.SUCCEEDED;
        case "failed" -> ProviderStatus.FAILED;
        case "cancelled" -> ProviderStatus.CANCELLED;
        default -> null;
      };
      if (status == null) {
        return Future.succeededFuture(new JsonObject().put("success", true).put("ignored", "unknown status " + said));
      }
      if (status == ProviderStatus.RUNNING) {
        return commands.workerReport(jobId, worker.workerId(), status, null).map(v -> success());
      }
      if (status == ProviderStatus.CANCELLED && job.status().isActive()) {
        return lose(worker, jobId, "the worker " + worker.name() + " stopped the job itself").map(v -> success());
      }
      // Freed first: the job's end, once announced, must not find the worker still holding it.
      return release(worker.workerId(), jobId)
          .compose(v -> ctx.store().attempts().end(jobId, worker.workerId(), said, error, ctx.now()))
          .compose(v -> commands.workerReport(jobId, worker.workerId(), status, error))
          .map(v -> success());
    });
  }

  /** {@code GET /api/workers/queue}: whether a waiting job would go to this worker (an ephemeral one stays for it). */
  public Future<JsonObject> queue(Worker worker, String workerId) {
    sameWorker(worker, workerId);
    // A one-job worker takes no other: its agent then leaves, and its pod ends.
    if ("draining".equals(worker.status()) || WorkerPasses.boundJob(worker) != null) {
      return Future.succeededFuture(new JsonObject().put("has_jobs", false));
    }
    return ctx.store().jobs().waiting(WorkerProviderFactory.ID, null, 1_000)
        .map(jobs -> new JsonObject().put("has_jobs", jobs.stream()
            .anyMatch(j -> WorkerRequirements.of(j).matches(worker))));
  }

  /** {@code POST /api/workers/disconnect}: the agent is shutting down. */
  public Future<JsonObject> disconnect(Worker worker, JsonObject body) {
    sameWorker(worker, body.getString("worker_id"));
    return (worker.currentJobId() == null ? Future.<Void>succeededFuture()
            : lose(worker, worker.currentJobId(), "the worker " + worker.name() + " shut down"))
        .compose(v -> ctx.store().workers().disconnect(worker.workerId(), ctx.now()))
        .map(v -> {
          streams.end(vertx, worker.workerId());
          LOG.info("Worker {} ({}) disconnected", worker.workerId(), LogSafe.of(worker.name()));
          return success();
        });
  }

  // ---- the admin's calls

  public Future<JsonObject> list(String status) {
    if (status != null && !java.util.Set.of("connecting", "idle", "busy", "draining", "offline")
        .contains(status.toLowerCase(Locale.ROOT))) {
      return Future.failedFuture(AppException.invalid("status_filter", "Invalid status: " + status + "."));
    }
    long now = ctx.now();
    return ctx.store().workers().list().map(workers -> {
      JsonArray items = new JsonArray();
      workers.stream().filter(w -> status == null || w.status().equalsIgnoreCase(status))
          .forEach(w -> items.add(WorkerView.render(w, now)));
      return new JsonObject().put("workers", items).put("total", items.size());
    });
  }

  /** Creates a worker and its token, shown this once (stored only as a hash). */
  public Future<JsonObject> create(Principal caller, JsonObject body, String base, String ip) {
    String name = body.getString("name").strip();
    String type = body.getString("worker_type", "persistent");
    JsonObject labels = body.getJsonObject("labels", new JsonObject());
    for (String key : labels.fieldNames()) {
      if (key.isBlank() || !(labels.getValue(key) instanceof String)) {
        return Future.failedFuture(AppException.invalid("labels", "Labels map names to text values."));
      }
    }
    String id = WorkerTokens.newId();
    String token = WorkerTokens.generate();
    long now = ctx.now();
    Worker worker = new Worker(id, name, type, "connecting", WorkerTokens.hash(token), caller.userId(), labels.copy(),
        new JsonObject(), null, null, null, null, null, null, now, now);
    return ctx.store().workers().create(worker)
        .compose(v -> ctx.audit().record(caller, "worker.created", "worker", id, "ok",
            new JsonObject().put("name", name).put("worker_type", type).put("labels", labels), ip, now))
        .map(v -> new JsonObject().put("worker_id", id).put("name", name).put("token", token)
            .put("connection_command", command(base, token)).put("worker", WorkerView.render(worker, now)));
  }

  /** Deletes a worker (refused while it holds a job, unless forced: the job is then requeued). */
  public Future<JsonObject> delete(Principal caller, String workerId, boolean force, String ip) {
    return existing(workerId).compose(worker -> {
      if (worker.currentJobId() != null && !force) {
        throw new AppException(ErrorCode.INVALID_JOB_STATE, "Worker has active job " + worker.currentJobId()
            + ". Use force=true to delete anyway (the job is requeued).",
            new JsonObject().put("worker_id", workerId).put("current_job_id", worker.currentJobId()));
      }
      Future<Void> job = worker.currentJobId() == null ? Future.succeededFuture()
          : commands.requeue(worker.currentJobId(), workerId, "the worker " + worker.name() + " was deleted", false)
              .mapEmpty();
      return job.compose(v -> ctx.store().workers().delete(workerId))
          .compose(v -> revoked(workerId, "shutdown"))
          .compose(v -> ctx.audit().record(caller, "worker.deleted", "worker", workerId, "ok",
              new JsonObject().put("name", worker.name()).put("force", force), ip, ctx.now()))
          .map(v -> new JsonObject().put("success", true).put("worker_id", workerId));
    });
  }

  /** Lets the worker finish its job and gives it no other. */
  public Future<JsonObject> drain(Principal caller, String workerId, String ip) {
    return existing(workerId)
        .compose(worker -> ctx.store().workers().setStatus(workerId, "draining", ctx.now()))
        .compose(v -> ctx.audit().record(caller, "worker.drained", "worker", workerId, "ok", null, ip, ctx.now()))
        .compose(v -> streams.push(vertx, workerId, new JsonObject().put("type", "drain").put("data", new JsonObject()))
            .otherwiseEmpty())
        .map(v -> new JsonObject().put("success", true).put("worker_id", workerId).put("status", "draining"));
  }

  /**
   * A new token, shown once; the old one stops working at once, its streams included. The agent
   * then cannot register again and stops, ending its job, which is requeued.
   */
  public Future<JsonObject> rotate(Principal caller, String workerId, String base, String ip) {
    String token = WorkerTokens.generate();
    return existing(workerId).compose(worker -> ctx.store().workers().rotateToken(workerId, WorkerTokens.hash(token),
                ctx.now())
            .compose(v -> worker.currentJobId() == null ? Future.succeededFuture()
                : commands.requeue(worker.currentJobId(), workerId, "the token of worker " + worker.name()
                    + " was rotated", false).mapEmpty())
            .compose(v -> revoked(workerId, null))
            .compose(v -> ctx.audit().record(caller, "worker.token_rotated", "worker", workerId, "ok", null, ip,
                ctx.now())))
        .map(v -> new JsonObject().put("worker_id", workerId).put("token", token)
            .put("connection_command", command(base, token)));
  }

  /**
   * Where upstream's {@code POST /api/queue/submit} sends a job: {@code worker}, {@code local}, or for
   * {@code auto} a worker when one that fits is online, else this machine (WORKERS.md, "Target options").
   */
  public Future<String> target(String target, JsonObject labels) {
    if (!"auto".equals(target)) {
      return Future.succeededFuture("worker".equals(target) ? WorkerProviderFactory.ID : "local");
    }
    JsonObject meta = new JsonObject().put("worker_labels", labels == null ? new JsonObject() : labels);
    WorkerRequirements wants = WorkerRequirements.of(meta, null);
    return ctx.store().workers().list().map(workers -> workers.stream()
        .anyMatch(w -> WorkerJobs.ONLINE.contains(w.status()) && w.instanceId() != null && wants.matches(w))
        ? WorkerProviderFactory.ID : "local");
  }

  /** Looks for jobs for idle workers, on every instance (a worker's stream may be on another). */
  public void wake() {
    vertx.eventBus().publish(Addresses.FLEET_DISPATCH, null);
  }

  // ---- shared

  /**
   * The worker lost {@code jobId}: the job goes back to the queue (or fails when it lost too many
   * workers; a job that never started does not count), then the worker is free.
   */
  Future<Void> lose(Worker worker, String jobId, String reason) {
    // A one-job worker's job is submitted to its provider again (a new pod, a new worker).
    return lose(worker, jobId, reason, WorkerPasses.boundJob(worker) != null ? JobCommand.Requeue.Bound.RESUBMIT
        : JobCommand.Requeue.Bound.NO);
  }

  private Future<Void> lose(Worker worker, String jobId, String reason, JobCommand.Requeue.Bound bound) {
    return ctx.store().jobs().get(jobId)
        .compose(job -> job.isEmpty() || !job.get().status().isActive() ? Future.succeededFuture()
            : commands.requeue(jobId, worker.workerId(), reason, job.get().status() == JobStatus.RUNNING, bound)
                .mapEmpty())
        .compose(v -> release(worker.workerId(), jobId))
        .onSuccess(v -> wake());
  }

  private Future<Void> release(String workerId, String jobId) {
    return ctx.store().workers().release(workerId, jobId, ctx.now()).mapEmpty();
  }

  /** Tells every instance to end the worker's stream; the agent is sent {@code type} first when given. */
  private Future<Void> revoked(String workerId, String type) {
    Future<Void> told = type == null ? Future.succeededFuture()
        : streams.push(vertx, workerId, new JsonObject().put("type", type)
            .put("reason", "worker_deleted")).otherwiseEmpty();
    return told.map(v -> {
      vertx.eventBus().publish(Addresses.WORKER_STREAM_END, new JsonObject().put("worker_id", workerId));
      return null;
    });
  }

  private Future<Worker> existing(String workerId) {
    return ctx.store().workers().get(workerId).map(found -> found.orElseThrow(() -> notFound(workerId)));
  }

  static JsonObject cancel(String jobId) {
    return new JsonObject().put("type", "job_cancel").put("job_id", jobId);
  }

  private static JsonObject success() {
    return new JsonObject().put("success", true);
  }

  private static String command(String base, String token) {
    return "simpletuner worker --orchestrator-url " + base + " --worker-token " + token;
  }

  /** Upstream answers a worker id that is not the token's with 400 "Worker ID mismatch". */
  private static void sameWorker(Worker worker, String workerId) {
    if (workerId == null || !workerId.equals(worker.workerId())) {
      throw AppException.invalid("worker_id", "Worker ID mismatch: this token belongs to worker "
          + worker.workerId() + ".");
    }
  }

  private static AppException notFound(String workerId) {
    return new AppException(ErrorCode.NOT_FOUND, "Worker not found: " + workerId + ".",
        new JsonObject().put("worker_id", workerId));
  }
}
