package dev.simpletuner.cloud.server.job;

import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.cluster.Leases;
import dev.simpletuner.cloud.server.plugin.ProviderHandle;
import dev.simpletuner.cloud.server.store.ClusterStore;
import dev.simpletuner.cloud.server.store.JobUpdate;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cloud jobs whose hand-over to the provider was cut off: an instance claimed the job, then stopped
 * (a crash, a kill, a lost machine) before it recorded the provider's answer. The provider is asked
 * whether the job arrived: if so it is adopted, if certainly not it is dispatched again, and if the
 * provider cannot tell it is failed with a message rather than risk running it twice. Jobs that run
 * on a machine that is gone are reported as such, not supervised from elsewhere.
 */
final class OrphanedDispatches {
  private static final Logger LOG = LoggerFactory.getLogger(OrphanedDispatches.class);
  /** An instance silent this long is gone (well past a lease's life, so a slow one is not mistaken). */
  static final long GONE_AFTER_MILLIS = 3 * Leases.TTL_MILLIS;

  private final ServerContext ctx;
  private final Dispatcher dispatcher;
  private final JobEvents events;
  private final Set<String> reportedGone = ConcurrentHashMap.newKeySet();

  OrphanedDispatches(ServerContext ctx, Dispatcher dispatcher, JobEvents events) {
    this.ctx = ctx;
    this.dispatcher = dispatcher;
    this.events = events;
  }

  /** At start-up: hand-overs this instance itself was doing when it stopped. */
  Future<Void> resolveOwn(List<Job> active) {
    return resolve(active.stream().filter(j -> ctx.hostId().equals(j.hostId())).toList());
  }

  /** Periodically, on one instance: the work of instances that stopped sending heartbeats. */
  Future<Void> sweep() {
    long now = ctx.now();
    return ctx.store().cluster().instances().compose(instances -> {
      Set<String> present = instances.stream().filter(i -> now - i.heartbeatAt() < GONE_AFTER_MILLIS)
          .map(ClusterStore.Instance::id).collect(Collectors.toSet());
      present.add(ctx.hostId());
      return ctx.store().jobs().active(null).compose(active -> {
        List<Job> gone = active.stream().filter(j -> j.hostId() != null && !present.contains(j.hostId())).toList();
        return Future.join(List.of(resolve(gone), reportGone(gone))).mapEmpty();
      });
    });
  }

  private Future<Void> resolve(List<Job> jobs) {
    List<Future<Void>> work = new ArrayList<>();
    for (Job job : jobs) {
      if (job.status() != JobStatus.QUEUED || job.dispatchedAt() == null || job.externalId() != null) {
        continue;
      }
      ctx.providers().get(job.provider()).filter(h -> !h.runsLocally())
          .ifPresent(handle -> work.add(resolve(handle, job)));
    }
    return Future.join(work).mapEmpty();
  }

  private Future<Void> resolve(ProviderHandle handle, Job job) {
    // Without the job's callback address in the submission the provider has nothing to find it by.
    if (job.metadata() == null || job.metadata().getString("callback_base") == null) {
      return unknown(handle, job);
    }
    return handle.findSubmitted(job.jobId())
        .compose(found -> {
          if (found.isPresent()) {
            LOG.info("Job {} did reach {} before its instance stopped; adopting it", job.jobId(), handle.id());
            return dispatcher.accepted(job, found.get());
          }
          LOG.info("Job {} never reached {} before its instance stopped; dispatching it again", job.jobId(),
              handle.id());
          return ctx.store().jobs().releaseDispatch(job.jobId(), job.hostId(), ctx.now())
              .compose(released -> released ? dispatcher.dispatch(job.provider()) : Future.<Void>succeededFuture());
        })
        .recover(e -> {
          if (e instanceof UnsupportedOperationException) {
            return unknown(handle, job);
          }
          LOG.warn("Could not find out whether job {} reached {}: {}; trying again later", job.jobId(), handle.id(),
              e.getMessage());
          return Future.succeededFuture();
        });
  }

  private Future<Void> unknown(ProviderHandle handle, Job job) {
    String message = "The server stopped while handing this job to " + handle.displayName() + ", and whether it "
        + "arrived cannot be told. Check the provider's dashboard, then submit again if it is not there.";
    return events.transition(job.jobId(), JobStatus.FAILED, JobUpdate.create().errorMessage(message)
        .completedAt(ctx.now()), message).mapEmpty();
  }

  /** Jobs that run on (or upload from) a machine that is gone: said once on their timeline. */
  private Future<Void> reportGone(List<Job> jobs) {
    List<Future<Void>> work = new ArrayList<>();
    for (Job job : jobs) {
      boolean bound = job.status() == JobStatus.UPLOADING || ctx.providers().get(job.provider())
          .map(ProviderHandle::runsLocally).orElse(false);
      if (bound && reportedGone.add(job.jobId())) {
        work.add(events.timeline(job.jobId(), "host_gone", new JsonObject().put("host_id", job.hostId())
            .put("message", "The machine this job runs on (" + job.hostId() + ") stopped answering; it is picked "
                + "up again when that server comes back.")));
      }
    }
    return Future.join(work).mapEmpty();
  }
}
