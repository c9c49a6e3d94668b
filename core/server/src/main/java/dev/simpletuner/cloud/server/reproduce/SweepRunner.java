package dev.simpletuner.cloud.server.reproduce;

import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.auth.Permission;
import dev.simpletuner.cloud.server.auth.Principal;
import dev.simpletuner.cloud.server.auth.Role;
import dev.simpletuner.cloud.server.command.JobCommands;
import dev.simpletuner.cloud.server.error.AppException;
import dev.simpletuner.cloud.server.error.ErrorCode;
import dev.simpletuner.cloud.server.error.ErrorType;
import dev.simpletuner.cloud.server.job.Job;
import dev.simpletuner.cloud.server.job.JobStatus;
import dev.simpletuner.cloud.server.store.SweepStore;
import dev.simpletuner.cloud.server.store.SweepStore.Run;
import dev.simpletuner.cloud.server.store.SweepStore.Sweep;
import io.vertx.core.Future;
import dev.simpletuner.cloud.server.store.ApiKeyStore.ApiKey;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves a sweep on: submits waiting runs while fewer than its cap are active, in order, as its
 * owner through the key that made it (whose permissions and quotas apply as to any submission);
 * leaves the rest waiting once a run failed and the sweep does not continue on errors; ends the
 * sweep when nothing waits or runs.
 * Everything it reads and writes is in the store, so any instance can take over after a restart.
 */
final class SweepRunner {
  private static final Logger LOG = LoggerFactory.getLogger(SweepRunner.class);
  /** Refusals that pass (a full quota, a paused provider): the run waits and is tried again. */
  private static final Set<ErrorCode> TRY_LATER = Set.of(ErrorCode.QUOTA_EXCEEDED, ErrorCode.PROVIDER_UNAVAILABLE,
      ErrorCode.RATE_LIMITED);

  private final ServerContext ctx;
  private final JobCommands commands;

  SweepRunner(ServerContext ctx, JobCommands commands) {
    this.ctx = ctx;
    this.commands = commands;
  }

  Future<Void> advance(String sweepId) {
    SweepStore sweeps = ctx.store().sweeps();
    return sweeps.get(sweepId).compose(found -> {
      if (found.isEmpty() || !SweepStore.RUNNING.equals(found.get().status())) {
        return Future.succeededFuture();
      }
      Sweep sweep = found.get();
      return sweeps.runs(sweepId).compose(runs -> jobStatuses(runs).compose(statuses -> {
        int active = 0;
        boolean failed = false;
        List<Run> waiting = new ArrayList<>();
        for (int i = 0; i < runs.size(); i++) {
          Run run = runs.get(i);
          JobStatus status = statuses.get(i);
          if (SweepStore.WAITING.equals(run.status())) {
            waiting.add(run);
          } else if (SweepStore.SUBMIT_FAILED.equals(run.status())
              || status == JobStatus.FAILED || status == JobStatus.CANCELLED) {
            failed = true;
          }
          if (status != null && !status.isTerminal()) {
            active++;
          }
        }
        if (failed && !sweep.continueOnError()) {
          return sweeps.skipWaiting(sweepId).compose(v -> active(statuses) == 0
              ? sweeps.finish(sweepId, "stopped", ctx.now()) : Future.succeededFuture());
        }
        if (waiting.isEmpty()) {
          return active == 0 ? sweeps.finish(sweepId, "completed", ctx.now()) : Future.succeededFuture();
        }
        int slots = Math.max(0, sweep.maxConcurrent() - active);
        return owner(sweep).compose(owner -> submit(sweep, owner, waiting.subList(0, Math.min(slots, waiting.size()))));
      }));
    });
  }

  /** Submits the runs one after another; stops at the first that cannot go now. */
  private Future<Void> submit(Sweep sweep, Optional<Principal> owner, List<Run> runs) {
    Future<Boolean> chain = Future.succeededFuture(true);
    for (Run run : runs) {
      chain = chain.compose(goOn -> goOn ? submitOne(sweep, owner, run) : Future.succeededFuture(false));
    }
    return chain.mapEmpty();
  }

  private Future<Boolean> submitOne(Sweep sweep, Optional<Principal> owner, Run run) {
    SweepStore sweeps = ctx.store().sweeps();
    if (owner.isEmpty() || !owner.get().can(Permission.JOB_SUBMIT)) {
      return sweeps.runSubmitted(sweep.sweepId(), run.index(), null, sweep.keyId() == null
          ? "The sweep's owner may no longer submit jobs."
          : "The sweep's owner, or the API key it was made with, may no longer submit jobs.",
          ctx.now()).map(sweep.continueOnError());
    }
    return commands.submit(owner.get(), sweep.provider(), Sweeps.submission(sweep, run), Sweeps.origin(sweep, run))
        .compose(answer -> sweeps.runSubmitted(sweep.sweepId(), run.index(), answer.jobId(), null, ctx.now())
            .map(true))
        .recover(e -> {
          if (e instanceof AppException app && app.code().type() == ErrorType.USER && !TRY_LATER.contains(app.code())) {
            return sweeps.runSubmitted(sweep.sweepId(), run.index(), null, app.getMessage(), ctx.now())
                .map(sweep.continueOnError());
          }
          // Not the run's fault (a timeout, a provider down): it waits for the next round.
          LOG.warn("Sweep {} run {} waits: {}", sweep.sweepId(), run.index() + 1, e.getMessage());
          return Future.succeededFuture(false);
        });
  }

  /**
   * The caller the runs are submitted as: the owner with their current role, narrowed to the scopes
   * of the API key that made the sweep (as when that key calls), so a sweep never does more than
   * its key could. Empty if the account is gone or disabled, or the key revoked or expired.
   */
  private Future<Optional<Principal>> owner(Sweep sweep) {
    Future<Optional<ApiKey>> key = sweep.keyId() == null ? Future.succeededFuture(Optional.empty())
        : ctx.store().apiKeys().byId(sweep.keyId());
    return key.compose(k -> ctx.store().users().byId(sweep.ownerId()).map(found -> {
      if (sweep.keyId() != null && k.filter(this::usable).isEmpty()) {
        return Optional.<Principal>empty();
      }
      if (found.isEmpty()) {
        return "local".equals(sweep.ownerId()) ? Optional.of(Principal.localAdmin(null)) : Optional.<Principal>empty();
      }
      var user = found.get();
      Role role = Role.parse(user.role());
      if (!user.active() || role == null) {
        return Optional.<Principal>empty();
      }
      Set<String> permissions = new HashSet<>(role.permissions());
      k.ifPresent(scoped -> permissions.retainAll(scoped.scopes()));
      return Optional.of(new Principal(user.userId(), user.username(), user.role(), Set.copyOf(permissions),
          sweep.keyId(), false, null));
    }));
  }

  private boolean usable(ApiKey key) {
    return key.revokedAt() == null && (key.expiresAt() == null || key.expiresAt() > ctx.now());
  }

  /** Each run's job status, null for runs without a job (or whose job was deleted). */
  private Future<List<JobStatus>> jobStatuses(List<Run> runs) {
    List<Future<JobStatus>> out = new ArrayList<>();
    for (Run run : runs) {
      out.add(run.jobId() == null ? Future.succeededFuture(null)
          : ctx.store().jobs().get(run.jobId()).map(j -> j.map(Job::status).orElse(null)));
    }
    return Future.all(out).map(done -> out.stream().map(Future::result).toList());
  }

  private static long active(List<JobStatus> statuses) {
    return statuses.stream().filter(s -> s != null && !s.isTerminal()).count();
  }
}
