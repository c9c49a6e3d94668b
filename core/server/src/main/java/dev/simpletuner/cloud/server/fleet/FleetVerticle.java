package dev.simpletuner.cloud.server.fleet;

import dev.simpletuner.cloud.server.logging.LogSafe;
import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.bus.Addresses;
import dev.simpletuner.cloud.server.command.JobCommands;
import dev.simpletuner.cloud.server.job.Job;
import dev.simpletuner.cloud.server.job.JobEvents;
import dev.simpletuner.cloud.server.job.JobStatus;
import dev.simpletuner.cloud.server.notify.SystemEvents;
import dev.simpletuner.cloud.server.plugin.ProviderHandle;
import dev.simpletuner.cloud.server.store.WorkerStore.Worker;
import dev.simpletuner.cloud.server.submit.TrainerSpecs;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands waiting worker jobs to idle workers whose streams this instance holds (so each instance
 * serves its own agents, and a job goes to one worker: the hand-over is one transaction), tells a
 * worker when its job was cancelled (on any instance), and marks silent workers offline, requeuing
 * what they ran.
 */
public final class FleetVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(FleetVerticle.class);
  /** The most waiting jobs read per pass; a pass repeats while it hands out work. */
  private static final int BATCH = 500;
  /** The first pause before a job the agent has not said it started is sent again; it doubles. */
  private static final long FIRST_RESEND_MS = 1_000;
  private final ServerContext ctx;
  private final JobCommands commands;
  private final WorkerStreams streams;
  private final Fleet fleet;
  private TrainerSpecs specs;
  private JobEvents events;
  private boolean passRunning;
  private boolean passAgain;

  public FleetVerticle(ServerContext ctx, JobCommands commands, WorkerStreams streams, Fleet fleet) {
    this.ctx = ctx;
    this.commands = commands;
    this.streams = streams;
    this.fleet = fleet;
  }

  @Override
  public Future<?> start() {
    specs = new TrainerSpecs(ctx);
    events = new JobEvents(vertx, ctx);
    vertx.eventBus().consumer(Addresses.FLEET_DISPATCH, m -> dispatch());
    vertx.eventBus().<JsonObject>consumer(Addresses.JOB_CHANGED, m -> jobChanged(m.body()));
    vertx.eventBus().<JsonObject>consumer(Addresses.WORKER_STREAM_END,
        m -> streams.end(vertx, m.body().getString("worker_id")));
    long timeout = ctx.config().workers().heartbeatTimeoutSeconds() * 1000;
    vertx.setPeriodic(Math.max(500, Math.min(timeout / 4, 15_000)), id -> ctx.leases()
        .whileHolding("worker-heartbeats", this::sweep)
        .onFailure(e -> LOG.warn("Looking for silent workers failed: {}", e.getMessage())));
    return Future.succeededFuture();
  }

  /** One pass at a time; a request during a pass runs another one after it. */
  private void dispatch() {
    if (passRunning) {
      passAgain = true;
      return;
    }
    passRunning = true;
    pass(false).onComplete(ar -> {
      if (ar.failed()) {
        LOG.warn("Handing jobs to workers failed: {}", ar.cause().getMessage());
      }
      passRunning = false;
      if (passAgain || ar.succeeded() && ar.result()) {
        passAgain = false;
        dispatch();
      }
    });
  }

  /**
   * @param wide read as many waiting jobs as a pass may (after a narrow pass left workers free)
   * @return whether another pass may find more
   */
  private Future<Boolean> pass(boolean wide) {
    if (streams.held().isEmpty()) {
      return Future.succeededFuture(false);
    }
    return ctx.store().workers().idleOn(ctx.hostId()).compose(idle -> {
      List<Worker> held = idle.stream().filter(w -> streams.holds(w.workerId())).toList();
      // A one-job worker gets its own job, whatever the queue holds; the others take waiting worker jobs.
      Future<Void> bound = Future.join(held.stream().filter(w -> WorkerPasses.boundJob(w) != null)
          .map(this::handOverBound).toList()).mapEmpty();
      List<Worker> free = new ArrayList<>(held.stream().filter(w -> WorkerPasses.boundJob(w) == null).toList());
      ProviderHandle handle = ctx.providers().get(WorkerProviderFactory.ID).orElse(null);
      if (free.isEmpty() || handle == null) {
        return bound.map(false);
      }
      // Jobs are matched oldest first; a few per free worker leave room for labels that do not fit.
      int limit = wide ? BATCH : Math.min(BATCH, 8 * free.size() + 24);
      return ctx.store().jobs().waiting(WorkerProviderFactory.ID, null, limit).compose(waiting -> {
        List<Future<Boolean>> handed = new ArrayList<>();
        for (Job job : waiting) {
          if (free.isEmpty()) {
            break;
          }
          WorkerRequirements wants = WorkerRequirements.of(job);
          free.stream().filter(wants::matches).findFirst().ifPresent(worker -> {
            free.remove(worker);
            handed.add(handOver(handle, job, worker));
          });
        }
        boolean full = waiting.size() == limit;
        Future<Void> all = Future.join(handed).mapEmpty();
        if (full && !free.isEmpty() && limit < BATCH) {
          // Workers left free by a full page: the jobs that fit them may be further back.
          return all.compose(v -> pass(true));
        }
        return all.compose(v -> bound).map(v -> !handed.isEmpty() && full);
      });
    });
  }

  /**
   * Sends a one-job worker (a pod its provider started) the job it was made for, once it is idle
   * with its stream here; a job that is over by then is not sent, and the worker is removed.
   */
  private Future<Void> handOverBound(Worker worker) {
    String jobId = WorkerPasses.boundJob(worker);
    return ctx.store().jobs().get(jobId).compose(found -> {
      Job job = found.filter(j -> j.status().isActive()).orElse(null);
      ProviderHandle handle = job == null ? null : ctx.providers().get(job.provider()).orElse(null);
      if (handle == null) {
        return WorkerPasses.revoke(vertx, ctx.store(), jobId);
      }
      return ctx.store().workers().bind(worker.workerId(), worker.name(), jobId, ctx.hostId(), ctx.now())
          .compose(attempt -> attempt.isEmpty() ? Future.<Void>succeededFuture()
              : specs.of(handle, job, base(worker))
                  .map(spec -> JobSubmitEvent.of(spec, job.configName(), ctx.tokens().callbackToken(jobId)))
                  .compose(event -> streams.push(vertx, worker.workerId(), event))
                  .compose(v -> timeline(jobId, "Handed to the worker " + worker.name() + " its provider started (attempt "
                      + attempt.get() + ")", worker))
                  .recover(e -> {
                    LOG.warn("Job {} could not be sent to its worker {}: {}", jobId, worker.workerId(), e.getMessage());
                    return ctx.store().workers().release(worker.workerId(), jobId, ctx.now()).mapEmpty();
                  }));
    });
  }

  /**
   * Claims the job for the worker, then sends it. A job that cannot be sent (the stream ended in
   * between) goes back to the queue without counting as a retry.
   */
  private Future<Boolean> handOver(ProviderHandle handle, Job job, Worker worker) {
    return ctx.store().jobs().assignToWorker(job.jobId(), worker.workerId(), worker.name(), ctx.hostId(),
            ctx.hostId(), ctx.now())
        .compose(attempt -> attempt.isEmpty() ? Future.succeededFuture(false)
            : specs.of(handle, job, base(worker))
                .map(spec -> JobSubmitEvent.of(spec, job.configName(), ctx.tokens().callbackToken(job.jobId())))
                .compose(event -> streams.push(vertx, worker.workerId(), event)
                    .onSuccess(v -> resendUntilTaken(worker.workerId(), job.jobId(), event, FIRST_RESEND_MS)))
                .compose(v -> timeline(job.jobId(), "Handed to worker " + worker.name() + " (attempt "
                    + attempt.get() + ")", worker))
                .map(true)
                .recover(e -> {
                  LOG.warn("Job {} could not be sent to worker {}: {}", job.jobId(), worker.workerId(),
                      e.getMessage());
                  return commands.requeue(job.jobId(), worker.workerId(), "the job could not be sent to the worker "
                          + worker.name() + ": " + e.getMessage(), false)
                      .compose(v -> ctx.store().workers().release(worker.workerId(), job.jobId(), ctx.now()))
                      .map(false);
                }));
  }

  /**
   * The agent drops a job_submit while it still holds its previous job ("Already running a job",
   * worker_agent.py:277-279), and it lets go of that one only after the answer to its "completed"
   * report has come back (worker_agent.py:381-387), by when the fleet may have sent the next job.
   * So a job is sent again, with growing pauses, until the agent says it started (the job leaves
   * the queue) or the worker no longer holds it; a copy that reaches an agent already running the
   * job is dropped the same way. After half the take grace, only the idle-heartbeat check is left.
   * (A one-job worker's agent is new and holds nothing before its job, so it is sent once.)
   */
  private void resendUntilTaken(String workerId, String jobId, JsonObject event, long pause) {
    if (pause > fleet.takeGraceMs() / 2) {
      return;
    }
    vertx.setTimer(pause, t -> ctx.store().workers().get(workerId)
        .compose(w -> w.isPresent() && jobId.equals(w.get().currentJobId()) && streams.holds(workerId)
            ? ctx.store().jobs().get(jobId).map(j -> j.filter(job -> job.status() == JobStatus.QUEUED).isPresent())
            : Future.succeededFuture(false))
        .compose(untaken -> untaken ? streams.push(vertx, workerId, event).map(true) : Future.succeededFuture(false))
        .onSuccess(sent -> {
          if (sent) {
            LOG.info("Job {} sent again to worker {}: it has not said it started", jobId, workerId);
            resendUntilTaken(workerId, jobId, event, pause * 2);
          }
        })
        .onFailure(e -> LOG.warn("Job {} was not sent again to worker {}: {}", jobId, workerId, e.getMessage())));
  }

  /** Where the worker's trainer reaches this server: where its agent did. */
  private String base(Worker worker) {
    if (worker.baseUrl() != null) {
      return worker.baseUrl();
    }
    return ctx.config().publicUrl() != null ? ctx.config().publicUrl() : ctx.localBaseUrl();
  }

  private Future<Void> timeline(String jobId, String message, Worker worker) {
    return events.timeline(jobId, "worker", new JsonObject().put("message", message)
        .put("worker_id", worker.workerId()).put("worker_name", worker.name()));
  }

  /**
   * A worker job changed, here or on another instance: a newly waiting one may find a worker; an
   * ended one whose worker streams here is stopped there (cancelled, or failed on this side).
   */
  private void jobChanged(JsonObject job) {
    JobStatus status = JobStatus.parse(job.getString("status"));
    if (!WorkerProviderFactory.ID.equals(job.getString("provider"))) {
      if (status != null && status.isTerminal()) {
        endBound(job.getString("job_id"));
      }
      return;
    }
    if (status == JobStatus.QUEUED) {
      dispatch();
      return;
    }
    String workerId = job.getString("external_id");
    String jobId = job.getString("job_id");
    if (status == null || !status.isTerminal() || workerId == null || !streams.holds(workerId)) {
      return;
    }
    ctx.store().workers().get(workerId)
        .compose(w -> w.isPresent() && jobId.equals(w.get().currentJobId())
            ? streams.push(vertx, workerId, Fleet.cancel(jobId)) : Future.succeededFuture())
        .onFailure(e -> LOG.warn("Worker {} was not told to stop job {}: {}", workerId, jobId, e.getMessage()));
  }

  /**
   * A job of another provider ended: its one-job worker, if it has one, is told to stop (where its
   * stream is here) and removed, so its token stops working.
   */
  private void endBound(String jobId) {
    WorkerPasses.bound(ctx.store(), jobId).compose(workers -> Future.join(workers.stream()
            .filter(w -> jobId.equals(w.currentJobId()) && streams.holds(w.workerId()))
            .map(w -> streams.push(vertx, w.workerId(), Fleet.cancel(jobId)).otherwiseEmpty()).toList()))
        .compose(v -> WorkerPasses.revoke(vertx, ctx.store(), jobId))
        .onFailure(e -> LOG.warn("The worker of job {} was not removed: {}", jobId, e.getMessage()));
  }

  /**
   * Workers silent for longer than the heartbeat timeout are offline; the jobs they held are
   * requeued. The clock starts no earlier than this instance did (a restart is nobody's silence).
   */
  private Future<Void> sweep() {
    long now = ctx.now();
    long timeout = ctx.config().workers().heartbeatTimeoutSeconds() * 1000;
    if (now - ctx.startedAt() < timeout) {
      return Future.succeededFuture();
    }
    return ctx.store().workers().silentSince(now - timeout).compose(silent -> Future.join(silent.stream()
        .map(worker -> ctx.store().workers().markOffline(worker, now).compose(marked -> {
          if (marked.isEmpty()) {
            return Future.<Void>succeededFuture();
          }
          long quiet = worker.lastHeartbeat() == null ? timeout / 1000 : (now - worker.lastHeartbeat()) / 1000;
          LOG.warn("Worker {} ({}) sent no heartbeat for {} s: offline", worker.workerId(), LogSafe.of(worker.name()),
              quiet);
          vertx.eventBus().publish(Addresses.WORKER_STREAM_END, new JsonObject().put("worker_id", worker.workerId()));
          Future<Void> told = SystemEvents.workerOffline(ctx, worker, quiet);
          return worker.currentJobId() == null ? told
              : told.compose(v -> fleet.lose(worker, worker.currentJobId(), "the worker " + worker.name()
                  + " stopped sending heartbeats (the last one " + quiet + " s ago)"));
        })).toList()).mapEmpty());
  }
}
