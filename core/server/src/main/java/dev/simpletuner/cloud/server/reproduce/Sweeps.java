package dev.simpletuner.cloud.server.reproduce;

import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.access.JobAccess;
import dev.simpletuner.cloud.server.auth.Permission;
import dev.simpletuner.cloud.server.auth.Principal;
import dev.simpletuner.cloud.server.error.AppException;
import dev.simpletuner.cloud.server.error.ErrorCode;
import dev.simpletuner.cloud.server.job.Job;
import dev.simpletuner.cloud.server.job.JobView;
import dev.simpletuner.cloud.server.job.ProviderLookup;
import dev.simpletuner.cloud.server.store.SweepStore;
import dev.simpletuner.cloud.server.store.SweepStore.Run;
import dev.simpletuner.cloud.server.store.SweepStore.Sweep;
import dev.simpletuner.cloud.server.submit.SubmitRequest;
import dev.simpletuner.cloud.server.submit.TrainerArguments;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Making sweeps and showing them. A sweep pins its base when it is made (the named config's
 * current version, or the job's resolved config), so every run starts from the same settings
 * however the config changes meanwhile; {@link SweepRunner} submits the runs.
 */
public final class Sweeps {
  private final ServerContext ctx;

  public Sweeps(ServerContext ctx) {
    this.ctx = ctx;
  }

  /** Stores the sweep (every run waiting), or finds the one the caller's idempotency key made. */
  public Future<SweepStore.Created> create(Principal caller, SweepRequest request) {
    return base(caller, request).compose(base -> {
      String provider = request.provider() != null ? request.provider()
          : base.getString("provider", ctx.config().plugins().defaultProvider());
      ProviderLookup.require(ctx, provider);
      if (request.hardware() != null) {
        base.put("hardware", request.hardware());
      }
      for (int i = 0; i < request.runs().size(); i++) {
        check(base, request.runs().get(i), i);
      }
      long now = ctx.now();
      Sweep sweep = new Sweep("swp_" + UUID.randomUUID().toString().replace("-", "").substring(0, 20),
          caller.userId(), request.name(), provider, base, request.maxConcurrent(), request.continueOnError(),
          request.metric(), SweepStore.RUNNING, request.idempotencyKey(), request.requestHash(), now, now,
          caller.keyId());
      return ctx.store().sweeps().create(sweep, request.runs());
    }).map(created -> {
      if (created.hit() && !created.sweep().requestHash().equals(request.requestHash())) {
        throw new AppException(ErrorCode.IDEMPOTENCY_CONFLICT, "The idempotency key '" + request.idempotencyKey()
            + "' already made another sweep. Use a new key for a new sweep.",
            new JsonObject().put("field", "idempotency_key").put("sweep_id", created.sweep().sweepId()));
      }
      return created;
    });
  }

  /** The sweep with its runs side by side and the best run by its metric; others' sweeps look missing. */
  public Future<JsonObject> view(Principal caller, String sweepId) {
    return ctx.store().sweeps().get(sweepId).compose(found -> {
      Sweep sweep = found.filter(s -> caller.can(Permission.JOB_VIEW_OWN, Permission.JOB_VIEW_ALL, s.ownerId()))
          .orElseThrow(() -> missing(sweepId));
      return ctx.store().sweeps().runs(sweepId).compose(runs -> jobs(runs).map(jobs -> render(sweep, runs, jobs)));
    });
  }

  /** The caller's sweeps (everyone's for those who see every job), newest first, without their runs. */
  public Future<JsonObject> list(Principal caller, int limit, int offset) {
    String owner = caller.can(Permission.JOB_VIEW_ALL) ? null : caller.userId();
    return ctx.store().sweeps().list(owner, limit, offset).map(page -> {
      JsonArray out = new JsonArray();
      page.sweeps().forEach(s -> out.add(summary(s)));
      return new JsonObject().put("sweeps", out).put("total", page.total()).put("limit", limit).put("offset", offset);
    });
  }

  /**
   * Stops a running sweep: its waiting runs are skipped; jobs already submitted run on (cancel them
   * one by one). Needs the right to cancel the owner's jobs.
   */
  public Future<JsonObject> stop(Principal caller, String sweepId) {
    return ctx.store().sweeps().get(sweepId).compose(found -> {
      Sweep sweep = found.filter(s -> caller.can(Permission.JOB_VIEW_OWN, Permission.JOB_VIEW_ALL, s.ownerId()))
          .orElseThrow(() -> missing(sweepId));
      if (!caller.can(Permission.JOB_CANCEL_OWN, Permission.JOB_CANCEL_ALL, sweep.ownerId())) {
        throw new AppException(ErrorCode.PERMISSION_DENIED, "Permission denied: stopping this sweep needs "
            + Permission.JOB_CANCEL_ALL + ".", new JsonObject().put("required", Permission.JOB_CANCEL_ALL));
      }
      if (!SweepStore.RUNNING.equals(sweep.status())) {
        throw new AppException(ErrorCode.INVALID_JOB_STATE, "Sweep " + sweepId + " has ended (" + sweep.status()
            + ").");
      }
      return ctx.store().sweeps().skipWaiting(sweepId)
          .compose(v -> ctx.store().sweeps().finish(sweepId, "stopped", ctx.now()))
          .compose(v -> view(caller, sweepId));
    });
  }

  private static AppException missing(String sweepId) {
    return new AppException(ErrorCode.NOT_FOUND, "No sweep with id " + sweepId + ".",
        new JsonObject().put("sweep_id", sweepId));
  }

  /** The submission that makes a run's job, and what its job records of the sweep. */
  static JsonObject submission(Sweep sweep, Run run) {
    JsonObject base = sweep.base();
    JsonObject overrides = run.overrides();
    JsonObject body = new JsonObject()
        .put("config", Overrides.config(base.getJsonObject("config"), overrides))
        .put("dataloader_config", Overrides.dataloader(base.getJsonArray("dataloader_config"), overrides))
        .put("idempotency_key", idempotencyKey(sweep.sweepId(), run.index()))
        .put("tracker_run_name", (sweep.name() != null ? sweep.name() : sweep.sweepId()) + "-" + (run.index() + 1));
    if (base.getString("config_name") != null) {
      body.put("config_name", base.getString("config_name"));
    }
    String hardware = overrides.getString("hardware", base.getString("hardware",
        sweep.provider().equals(base.getString("provider")) ? base.getString("hardware_profile") : null));
    if (hardware != null) {
      body.put("hardware_profile", hardware);
    }
    return body;
  }

  static JsonObject origin(Sweep sweep, Run run) {
    JsonObject origin = new JsonObject().put("sweep_id", sweep.sweepId()).put("sweep_index", run.index())
        .put("sweep_overrides", run.overrides());
    JsonObject base = sweep.base();
    if (base.getValue("config_version") != null) {
      origin.put("config_version", base.getValue("config_version"));
    }
    if (base.getString("job_id") != null) {
      origin.put("parent_job_id", base.getString("job_id"));
    }
    return origin;
  }

  /** Derived from the sweep's id: a run submitted again (after a restart, say) finds its job. */
  static String idempotencyKey(String sweepId, int index) {
    return "sweep:" + sweepId + ":" + index;
  }

  private Future<JsonObject> base(Principal caller, SweepRequest request) {
    if (request.configName() != null) {
      return ctx.store().configs().get(request.configName()).map(found -> {
        var named = found.orElseThrow(() -> new AppException(ErrorCode.CONFIG_NOT_FOUND, "No saved config named '"
            + request.configName() + "'.", new JsonObject().put("field", "base.config_name")));
        return new JsonObject().put("kind", "config").put("config_name", named.name())
            .put("config_version", named.version()).put("config", named.config())
            .put("dataloader_config", named.dataloaderConfig());
      });
    }
    return ctx.store().jobs().get(request.jobId()).map(found -> {
      Job job = JobAccess.require(caller, request.jobId(), found);
      return new JsonObject().put("kind", "job").put("job_id", job.jobId()).put("config_name", job.configName())
          .put("config_version", job.metadata().getValue("config_version")).put("config", job.config())
          .put("dataloader_config", job.dataloaderConfig()).put("provider", job.provider())
          .put("hardware_profile", job.hardwareProfile());
    });
  }

  /** A run whose config the trainer would refuse is refused with the sweep, before anything is stored. */
  private static void check(JsonObject base, JsonObject run, int index) {
    try {
      JsonObject config = Overrides.config(base.getJsonObject("config"), run);
      SubmitRequest.checkConfig(config);
      SubmitRequest.checkDatasets(Overrides.dataloader(base.getJsonArray("dataloader_config"), run));
      TrainerArguments.complete(config, new ArrayList<>());
    } catch (AppException e) {
      throw new AppException(e.code(), "Run " + (index + 1) + ": " + e.getMessage(),
          e.details().copy().put("run_index", index));
    }
  }

  private Future<Map<String, Job>> jobs(List<Run> runs) {
    List<Future<Optional<Job>>> gets = new ArrayList<>();
    for (Run run : runs) {
      if (run.jobId() != null) {
        gets.add(ctx.store().jobs().get(run.jobId()));
      }
    }
    return Future.all(gets).map(done -> {
      Map<String, Job> out = new java.util.HashMap<>();
      gets.forEach(g -> g.result().ifPresent(j -> out.put(j.jobId(), j)));
      return out;
    });
  }

  private JsonObject render(Sweep sweep, List<Run> runs, Map<String, Job> jobs) {
    long now = ctx.now();
    JsonArray rendered = new JsonArray();
    JsonObject counts = new JsonObject();
    JsonObject best = null;
    for (Run run : runs) {
      Job job = run.jobId() == null ? null : jobs.get(run.jobId());
      JsonObject view = job == null ? null : JobView.render(job, null, false, now);
      JsonObject row = new JsonObject().put("index", run.index()).put("overrides", run.overrides())
          .put("status", run.status()).put("job_id", run.jobId())
          .put("job_status", view == null ? null : view.getString("status"))
          .put("final_loss", view == null ? null : view.getJsonObject("progress").getValue("loss"))
          .put("cost_usd", view == null ? null : view.getValue("cost_usd"))
          .put("duration_seconds", view == null ? null : view.getValue("duration_seconds"))
          .put("delivery", view == null ? new JsonArray() : view.getJsonArray("delivery"))
          .put("output_url", view == null ? null : view.getString("output_url"))
          .put("config_hash", view == null ? null : view.getString("config_hash"))
          .put("error", run.error() != null ? run.error() : view == null ? null : view.getString("error_message"));
      rendered.add(row);
      String state = view != null ? view.getString("status") : run.status();
      counts.put(state, counts.getInteger(state, 0) + 1);
      Object value = row.getValue(sweep.metric());
      if ("completed".equals(row.getString("job_status")) && value instanceof Number n
          && (best == null || n.doubleValue() < best.getDouble("value"))) {
        best = new JsonObject().put("index", run.index()).put("job_id", run.jobId()).put("metric", sweep.metric())
            .put("value", n.doubleValue()).put("overrides", run.overrides());
      }
    }
    return summary(sweep).put("total_runs", runs.size()).put("counts", counts).put("runs", rendered)
        .put("best", best);
  }

  private static JsonObject summary(Sweep sweep) {
    JsonObject base = sweep.base();
    return new JsonObject().put("sweep_id", sweep.sweepId()).put("name", sweep.name()).put("status", sweep.status())
        .put("owner_id", sweep.ownerId()).put("provider", sweep.provider())
        .put("base", new JsonObject().put("kind", base.getString("kind")).put("config_name", base.getString("config_name"))
            .put("config_version", base.getValue("config_version")).put("job_id", base.getString("job_id"))
            .put("config_hash", ContentHash.of(base.getJsonObject("config"), base.getJsonArray("dataloader_config"))))
        .put("max_concurrent", sweep.maxConcurrent()).put("continue_on_error", sweep.continueOnError())
        .put("metric", sweep.metric())
        .put("created_at", Instant.ofEpochMilli(sweep.createdAt()).toString())
        .put("updated_at", Instant.ofEpochMilli(sweep.updatedAt()).toString());
  }
}
