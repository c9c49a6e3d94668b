package dev.simpletuner.cloud.server.polling;

import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.bus.Addresses;
import dev.simpletuner.cloud.server.bus.Bus;
import dev.simpletuner.cloud.server.cluster.ClusterEvents;
import dev.simpletuner.cloud.server.cluster.Leases;
import dev.simpletuner.cloud.server.job.Job;
import dev.simpletuner.cloud.server.job.JobStatus;
import dev.simpletuner.cloud.server.job.JobType;
import dev.simpletuner.cloud.server.job.JobCommand;
import dev.simpletuner.cloud.server.plugin.ProviderHandle;
import dev.simpletuner.cloud.spi.ProviderJobStatus;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reconciles active jobs with providers that do not report on their own: one bulk status call per
 * provider, results handed to the job lifecycle. Polls often while jobs are active and rarely when
 * idle, with jitter so instances and providers are not hit in lockstep. {@code sync_active} and
 * {@code POST /api/cloud/jobs/sync} run the same reconciliation on demand.
 */
public final class ProviderPollingVerticle extends VerticleBase {
  private static final Logger LOG = LoggerFactory.getLogger(ProviderPollingVerticle.class);
  static final long ACTIVE_INTERVAL_MS = 15_000;
  static final long IDLE_INTERVAL_MS = 60_000;
  static final String POLL_LEASE = "provider-polling";
  /** The first look at a just-dispatched job: it usually starts within seconds. */
  static final long FIRST_POLL_MS = 2_000;

  private final ServerContext ctx;
  private Future<JsonObject> running;
  private Future<JsonObject> next;
  private CloudLogFollower logs;
  private long soonTimer = -1;

  public ProviderPollingVerticle(ServerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public Future<?> start() {
    logs = new CloudLogFollower(vertx, ctx);
    // The last lines of a cloud job are fetched once it ends, however the end was learned.
    vertx.eventBus().<JsonObject>consumer(Addresses.JOB_CHANGED, m -> {
      JsonObject job = m.body();
      if (!ClusterEvents.isRemote(m) && job.getBoolean("is_terminal", false)
          && "cloud".equals(job.getString("job_type"))) {
        ctx.store().jobs().get(job.getString("job_id")).onSuccess(found -> found.ifPresent(j -> logs.fetch(j, true)));
      }
      // Also events from other instances: the one holding the lease is the one that polls.
      if ("cloud".equals(job.getString("job_type")) && "queued".equals(job.getString("status"))
          && waitsToStart(job.getString("provider"), job.getString("external_id"))) {
        soon(FIRST_POLL_MS);
      }
    });
    // Logs that came with a report (a provider's webhook): only their new part is read.
    vertx.eventBus().<JsonObject>consumer(Addresses.JOB_LOG_TEXT, m -> logs.read(m.body().getString("job_id"),
        m.body().getString("log"), m.body().getBoolean("ended", false)));
    schedule(1_000);
    JobImport imports = new JobImport(ctx);
    // {"import": true} (POST /api/cloud/jobs/sync) also imports the providers' jobs this server lacks.
    return Bus.serve(vertx, Addresses.POLL_SYNC, body -> syncNow().compose(result -> body != null
        && body.getBoolean("import", false) ? imports.run().map(imported -> result.copy().mergeIn(imported)
            .put("message", result.getString("message") + " Imported " + imported.getInteger("imported")
                + " job(s) this server did not know.")) : Future.succeededFuture(result)));
  }

  /**
   * Scheduled rounds run only on the instance holding the polling lease, so that several instances
   * on one database do not each call the provider; the others check back often enough to take over
   * within a lease's lifetime when the holder dies.
   */
  private void schedule(long delay) {
    long jitter = (long) (delay * 0.2 * (ThreadLocalRandom.current().nextDouble() * 2 - 1));
    vertx.setTimer(Math.max(100, delay + jitter), id -> ctx.leases().hold(POLL_LEASE)
        .compose(mine -> mine ? reconcile().map(r -> r.getInteger("checked", 0) > 0 ? ACTIVE_INTERVAL_MS
            : IDLE_INTERVAL_MS) : Future.succeededFuture(Leases.TTL_MILLIS / 2))
        .onComplete(ar -> schedule(ar.succeeded() ? ar.result() : ACTIVE_INTERVAL_MS)));
  }

  /** A queued cloud job handed to a provider that does not report: only polling sees it start. */
  private boolean waitsToStart(String provider, String externalId) {
    return externalId != null && ctx.providers().get(provider).filter(h -> !h.reportsStatus()).isPresent();
  }

  /**
   * Without a webhook a dispatched job would show Running only at the next scheduled round (up to
   * a minute when the server was idle): look soon, then at growing gaps while a job still waits to
   * start, up to the active interval, where the scheduled rounds take over.
   */
  private void soon(long delay) {
    if (soonTimer >= 0 || delay >= ACTIVE_INTERVAL_MS) {
      return;
    }
    soonTimer = vertx.setTimer(delay, id -> ctx.leases().hold(POLL_LEASE)
        .compose(mine -> mine ? reconcile().compose(r -> ctx.store().jobs().active(null)) : Future.succeededFuture(
            List.<Job>of()))
        .onComplete(ar -> {
          soonTimer = -1;
          if (ar.succeeded() && ar.result().stream().anyMatch(j -> j.jobType() == JobType.CLOUD
              && j.status() == JobStatus.QUEUED && waitsToStart(j.provider(), j.externalId()))) {
            soon(delay * 2);
          }
        }));
  }

  /**
   * On demand ({@code sync_active}, {@code POST /api/cloud/jobs/sync}) the answer must reflect the
   * provider as of now, which a round already in flight may not: run one more after it (shared by
   * every caller that asks meanwhile).
   */
  private Future<JsonObject> syncNow() {
    if (running == null) {
      return reconcile();
    }
    if (next == null) {
      next = running.transform(ar -> {
        next = null;
        return reconcile();
      });
    }
    return next;
  }

  /** One reconciliation at a time; concurrent callers share the one in flight. */
  private Future<JsonObject> reconcile() {
    if (running != null) {
      return running;
    }
    // Set before the round starts, and the round's own future returned: a round can complete
    // before this method returns (store answers may arrive synchronously), clearing the field.
    Promise<JsonObject> round = Promise.promise();
    running = round.future();
    ctx.store().jobs().active(null)
        .compose(active -> reconcile(active).compose(result -> logs.round(active).map(result)))
        .onComplete(ar -> {
          running = null;
          round.handle(ar);
        });
    return round.future();
  }

  private Future<JsonObject> reconcile(List<Job> active) {
    Map<String, List<Job>> byProvider = new LinkedHashMap<>();
    for (Job job : active) {
      if (job.externalId() != null && job.dispatchedAt() != null) {
        byProvider.computeIfAbsent(job.provider(), k -> new ArrayList<>()).add(job);
      }
    }
    List<Future<Integer>> work = new ArrayList<>();
    int[] checked = {0};
    byProvider.forEach((providerId, jobs) -> ctx.providers().get(providerId)
        .filter(h -> !h.reportsStatus())
        .ifPresent(handle -> {
          checked[0] += jobs.size();
          work.add(poll(handle, jobs));
        }));
    return Future.join(work).transform(ar -> {
      int updated = 0;
      for (Future<Integer> f : work) {
        updated += f.succeeded() ? f.result() : 0;
      }
      return Future.succeededFuture(new JsonObject().put("success", true).put("checked", checked[0])
          .put("updated", updated).put("synced", updated)
          .put("message", "Checked " + checked[0] + " active cloud job(s); " + updated + " changed."));
    });
  }

  private Future<Integer> poll(ProviderHandle handle, List<Job> jobs) {
    Map<String, Job> byExternal = new LinkedHashMap<>();
    jobs.forEach(j -> byExternal.put(j.externalId(), j));
    return handle.statuses(new ArrayList<>(byExternal.keySet()))
        .compose(statuses -> {
          List<Future<JsonObject>> reports = new ArrayList<>();
          int changed = 0;
          for (ProviderJobStatus status : statuses) {
            Job job = byExternal.get(status.externalId());
            if (job == null) {
              continue;
            }
            if (status.log() != null) {
              logs.read(job.jobId(), status.log(), JobStatus.fromProvider(status.status()).isTerminal());
            }
            boolean moved = JobStatus.fromProvider(status.status()) != job.status();
            boolean newStart = status.startedAt() != null && job.startedAt() == null;
            // Why a waiting job still waits, when the provider says something new (a pod no node can take).
            boolean newWords = !moved && job.status() == JobStatus.QUEUED && status.errorMessage() != null
                && (job.progress() == null || !status.errorMessage().equals(job.progress().getString("stage")));
            if (!moved && !newStart && !newWords) {
              continue; // nothing new: no work for the lifecycle
            }
            changed += moved ? 1 : 0;
            reports.add(Bus.ask(vertx, Addresses.JOB_PROVIDER_STATUS,
                new JobCommand.ProviderReport(job.jobId(), status)));
          }
          int total = changed;
          return Future.join(reports).map(v -> total);
        })
        .onFailure(e -> LOG.warn("Polling provider {} failed: {}", handle.id(), e.getMessage()));
  }
}
