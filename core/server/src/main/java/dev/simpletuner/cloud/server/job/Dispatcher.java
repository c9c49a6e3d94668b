package dev.simpletuner.cloud.server.job;

import dev.simpletuner.cloud.server.metrics.Telemetry;
import dev.simpletuner.cloud.server.submit.TrainerSpecs;
import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.bus.Addresses;
import dev.simpletuner.cloud.server.plugin.ProviderHandle;
import dev.simpletuner.cloud.server.store.JobUpdate;
import dev.simpletuner.cloud.spi.ProviderStatus;
import dev.simpletuner.cloud.spi.SubmittedJob;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands queued jobs to their provider while it has free slots (its concurrency limit), oldest
 * first. A job is claimed in the database before it is handed over, so it is submitted once.
 */
public final class Dispatcher {
  private static final Logger LOG = LoggerFactory.getLogger(Dispatcher.class);
  private static final int BATCH = 50;
  /** Tries at cancelling a stray copy of a job: 2 s apart, doubling, about a minute in all. */
  static final Retry COPY_CANCEL = new Retry(6, 2_000);
  private final Vertx vertx;
  private final Retry copyCancel;
  private final ServerContext ctx;
  private final JobEvents events;
  private final PerJobQueue queue;
  private final TrainerSpecs specs;

  /** How often, and how far apart at first (then doubling), a failed call is tried. */
  record Retry(int attempts, long firstDelayMs) {
  }

  Dispatcher(Vertx vertx, ServerContext ctx, JobEvents events, PerJobQueue queue) {
    this(vertx, ctx, events, queue, COPY_CANCEL);
  }

  Dispatcher(Vertx vertx, ServerContext ctx, JobEvents events, PerJobQueue queue, Retry copyCancel) {
    this.vertx = vertx;
    this.copyCancel = copyCancel;
    this.ctx = ctx;
    this.events = events;
    this.queue = queue;
    this.specs = new TrainerSpecs(ctx);
  }

  Future<Void> dispatchAll() {
    List<Future<Void>> all = new ArrayList<>();
    ctx.providers().all().forEach(h -> all.add(dispatch(h.id())));
    return Future.join(all).mapEmpty();
  }

  public Future<Void> dispatch(String providerId) {
    return ctx.providers().get(providerId)
        .map(handle -> handle.trainersConnect() ? fleet() : queue.run("dispatch:" + providerId, () -> freeSlots(handle)
            .compose(free -> free <= 0 ? Future.succeededFuture(List.<Job>of())
                : ctx.store().jobs().waiting(providerId, hostFilter(handle), Math.min(free, BATCH)))
            .compose(jobs -> {
              List<Future<Void>> started = new ArrayList<>();
              jobs.forEach(job -> started.add(start(handle, job)));
              return Future.join(started).<Void>mapEmpty();
            })))
        .orElse(Future.succeededFuture())
        .recover(e -> {
          LOG.error("Dispatching jobs of provider {} failed", providerId, e);
          return Future.succeededFuture();
        });
  }

  /** The worker fleet hands its jobs to the workers it holds streams of (fleet.FleetVerticle). */
  private Future<Void> fleet() {
    vertx.eventBus().send(Addresses.FLEET_DISPATCH, null);
    return Future.succeededFuture();
  }

  private Future<Integer> freeSlots(ProviderHandle handle) {
    int limit = handle.concurrencyLimit();
    if (limit <= 0) {
      return Future.succeededFuture(BATCH);
    }
    return ctx.store().jobs().occupyingSlots(handle.id(), hostFilter(handle)).map(busy -> (int) (limit - busy));
  }

  /**
   * Jobs of a provider that runs on this machine start on the instance that accepted them (where
   * their datasets are) and count against this machine's slots; cloud jobs go to any instance.
   */
  private String hostFilter(ProviderHandle handle) {
    return handle.runsLocally() ? ctx.hostId() : null;
  }

  private Future<Void> start(ProviderHandle handle, Job waiting) {
    return queue.run(waiting.jobId(), () -> ctx.store().jobs().claimForDispatch(waiting.jobId(), ctx.hostId(),
            ctx.now())
        .compose(claimed -> {
          if (claimed.isEmpty()) {
            return Future.succeededFuture();
          }
          Telemetry.of(vertx).queueWait(handle.id(), ctx.now() - claimed.get().createdAt());
          return submit(handle, claimed.get());
        }));
  }

  private Future<Void> submit(ProviderHandle handle, Job job) {
    return specs.of(handle, job)
        .compose(spec -> handle.submit(spec))
        .compose(accepted -> accepted(job, accepted))
        .recover(e -> {
          LOG.warn("Provider {} did not accept job {}: {}", handle.id(), job.jobId(), e.getMessage());
          String message = "The provider did not accept the job: " + (e.getMessage() == null ? e.toString()
              : e.getMessage());
          return events.transition(job.jobId(), JobStatus.FAILED,
              JobUpdate.create().errorMessage(message).completedAt(ctx.now()), message).mapEmpty();
        });
  }

  /**
   * Records what the provider answered to the job's submission (also when found after a crash),
   * fenced by the dispatch claim. Should the claim have been settled by another instance meanwhile
   * (this one was presumed gone), the job it just created is a stray: it is cancelled.
   */
  Future<Void> accepted(Job job, SubmittedJob accepted) {
    JobUpdate update = JobUpdate.create().externalId(accepted.externalId())
        .onlyIfClaimedBy(job.hostId(), job.dispatchedAt());
    if (accepted.hardwareType() != null) {
      update.hardwareType(accepted.hardwareType());
    }
    Future<Optional<Job>> recorded = accepted.status() == ProviderStatus.QUEUED ? events.update(job.jobId(), update)
        : events.transition(job.jobId(), JobStatus.fromProvider(accepted.status()), update,
            "Started by " + job.provider());
    return recorded.compose(updated -> updated.isPresent() ? Future.<Void>succeededFuture() : stray(job, accepted));
  }

  private Future<Void> stray(Job job, SubmittedJob accepted) {
    return ctx.store().jobs().get(job.jobId()).compose(found -> {
      if (found.isEmpty()) {
        return Future.succeededFuture();
      }
      Job current = found.get();
      boolean sameClaim = Objects.equals(current.hostId(), job.hostId())
          && Objects.equals(current.dispatchedAt(), job.dispatchedAt());
      if (sameClaim) {
        // Still this claim, but the status moved on meanwhile: keep the provider's id all the same.
        return current.externalId() != null ? Future.succeededFuture()
            : ctx.store().jobs().update(job.jobId(), null, JobUpdate.create().externalId(accepted.externalId())
                .onlyIfClaimedBy(job.hostId(), job.dispatchedAt()), ctx.now()).mapEmpty();
      }
      if (accepted.externalId().equals(current.externalId())) {
        return Future.succeededFuture(); // the same submission, found by whoever settled the claim
      }
      LOG.warn("Job {} was settled by another instance while this one handed it to {}; cancelling the copy {}",
          job.jobId(), job.provider(), accepted.externalId());
      return cancelCopy(job, accepted.externalId(), 1);
    });
  }

  /**
   * Cancels a second run of a job at its provider, which would otherwise be billed: tried again
   * while it fails, and recorded on the job's timeline either way (the last failure with what to
   * do by hand).
   */
  private Future<Void> cancelCopy(Job job, String copy, int attempt) {
    Future<Void> cancelled = ctx.providers().get(job.provider())
        .map(h -> h.cancel(copy))
        .orElse(Future.failedFuture("provider " + job.provider() + " is not loaded"));
    return cancelled.compose(
        v -> events.timeline(job.jobId(), "note", new JsonObject().put("message", "A second run of this job at "
            + job.provider() + " (" + copy + ") was started during a hand-over between server instances; it was "
            + "cancelled.").put("external_id", copy)),
        e -> {
          String reason = e.getMessage() == null ? e.toString() : e.getMessage();
          if (attempt < copyCancel.attempts()) {
            LOG.warn("Cancelling the copy {} of job {} failed (attempt {}), trying again: {}", copy, job.jobId(),
                attempt, reason);
            return vertx.timer(copyCancel.firstDelayMs() << (attempt - 1))
                .compose(t -> cancelCopy(job, copy, attempt + 1));
          }
          LOG.error("Could not cancel the copy {} of job {} at {}: {}", copy, job.jobId(), job.provider(), reason);
          return events.timeline(job.jobId(), "error", new JsonObject().put("message", "A second run of this job at "
              + job.provider() + " (" + copy + ") could not be cancelled and may be billed: " + reason + ". Cancel it "
              + "at the provider.").put("external_id", copy).put("error", reason));
        });
  }
}
