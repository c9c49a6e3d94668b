package dev.simpletuner.cloud.server.api;

import dev.simpletuner.cloud.server.logging.LogSafe;
import dev.simpletuner.cloud.server.access.AccessGuard;
import dev.simpletuner.cloud.server.contract.ContractRouter;
import dev.simpletuner.cloud.server.http.Params;
import dev.simpletuner.cloud.server.http.Responses;
import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.auth.Principal;
import dev.simpletuner.cloud.server.bus.Addresses;
import dev.simpletuner.cloud.server.bus.Bus;
import dev.simpletuner.cloud.server.access.JobAccess;
import dev.simpletuner.cloud.server.command.JobCommands;
import dev.simpletuner.cloud.server.job.Job;
import dev.simpletuner.cloud.server.job.JobAnswer;
import dev.simpletuner.cloud.server.job.JobStatus;
import dev.simpletuner.cloud.server.job.JobType;
import dev.simpletuner.cloud.server.job.JobView;
import dev.simpletuner.cloud.server.fleet.WorkerJobs;
import dev.simpletuner.cloud.server.store.EventStore.Event;
import dev.simpletuner.cloud.server.store.JobQuery;
import dev.simpletuner.cloud.server.store.LogStore.Line;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The jobs API (SPEC.md 3.1): reads (list, get, logs, timeline, metrics, streams) here; submit,
 * upload summary, cancel and delete through {@link JobCommands}.
 */
final class JobRoutes {
  private static final Logger LOG = LoggerFactory.getLogger(JobRoutes.class);

  private final Vertx vertx;
  private final ServerContext ctx;
  private final JobCommands commands;
  private final RenderedJobs rendered = new RenderedJobs();

  JobRoutes(Vertx vertx, ServerContext ctx, JobCommands commands) {
    this.vertx = vertx;
    this.ctx = ctx;
    this.commands = commands;
  }

  void mount(ContractRouter ops) {
    ops.on("submitJob", this::submit);
    ops.on("listJobs", this::list);
    ops.on("uploadSummary", this::uploadSummary);
    ops.on("syncJobs", this::sync);
    ops.on("getJob", this::get);
    ops.on("deleteJob", rc -> Responses.reply(rc, commands.delete(AccessGuard.principal(rc),
        Params.path(rc, "job_id")).map(JobAnswer::toJson)));
    ops.on("cancelJob", rc -> Responses.reply(rc, commands.cancel(AccessGuard.principal(rc),
        Params.path(rc, "job_id")).map(JobAnswer::toJson)));
    ops.on("cloneJob", rc -> Responses.reply(rc, commands.cloneJob(AccessGuard.principal(rc),
        Params.path(rc, "job_id"), Params.body(rc)).map(JobAnswer::toJson)));
    ops.on("getJobLogs", this::logs);
    ops.on("getJobEvents", this::events);
    ops.on("getJobMetrics", rc -> {
      Principal principal = AccessGuard.principal(rc);
      String jobId = Params.path(rc, "job_id");
      Responses.reply(rc, ctx.store().jobs().get(jobId).compose(found -> {
        JobAccess.require(principal, jobId, found);
        return ctx.store().metrics().series(jobId).map(points -> new JsonObject().put("job_id", jobId)
            .put("points", points));
      }));
    });
    ops.on("streamJobLogs", new LogStream(ctx)::handle);
    ops.on("streamEvents", new JobEventStream()::handle);
  }

  private void submit(RoutingContext rc) {
    if (Params.queryBool(rc, "dry_run")) {
      Responses.reply(rc, commands.dryRun(AccessGuard.principal(rc), provider(rc), Params.body(rc))
          .map(JobAnswer::toJson));
      return;
    }
    Responses.reply(rc, commands.submit(AccessGuard.principal(rc), provider(rc), Params.body(rc))
        .map(JobAnswer::toJson));
  }

  private void uploadSummary(RoutingContext rc) {
    Responses.reply(rc, commands.preview(AccessGuard.principal(rc), provider(rc), Params.body(rc))
        .map(JobAnswer::toJson));
  }

  /** The submission's provider; the contract's documented default when the query names none. */
  private String provider(RoutingContext rc) {
    String provider = Params.query(rc, "provider");
    // SPEC.md 3.1: ?provider= may be left out (plugins.default_provider, replicate unless configured).
    return provider == null ? ctx.config().plugins().defaultProvider() : provider;
  }

  private void list(RoutingContext rc) {
    Principal principal = AccessGuard.principal(rc);
    int limit = Params.queryInt(rc, "limit", 50);
    int offset = Params.queryInt(rc, "offset", 0);
    JobQuery query = new JobQuery(JobAccess.ownerFilter(principal), JobStatus.parse(Params.query(rc, "status")),
        Params.query(rc, "provider"), JobType.parse(Params.query(rc, "job_type")), limit, offset);
    Future<JsonObject> synced = Params.queryBool(rc, "sync_active")
        ? Bus.request(vertx, Addresses.POLL_SYNC, new JsonObject()).recover(e -> {
          LOG.warn("sync_active: {}", LogSafe.of(e.getMessage()));
          return Future.succeededFuture(new JsonObject().put("error", e.getMessage()));
        })
        : Future.succeededFuture(null);
    Responses.reply(rc, synced.compose(sync -> ctx.store().jobs().list(query).compose(page -> render(page.jobs())
        .map(jobs -> {
          JsonObject body = new JsonObject().put("jobs", jobs).put("total", page.total()).put("limit", limit)
              .put("offset", offset);
          if (sync != null) {
            body.put("sync", sync);
          }
          return body;
        }))));
  }

  /** Renders jobs, looking up queue positions only for jobs that wait for a slot. */
  private Future<JsonArray> render(List<Job> jobs) {
    long now = ctx.now();
    List<Future<JsonObject>> rendered = new ArrayList<>(jobs.size());
    for (Job job : jobs) {
      rendered.add(JobView.waitsForSlot(job)
          ? ctx.store().jobs().queuePosition(job).map(pos -> JobView.render(job, pos, false, now))
          : Future.succeededFuture(JobView.render(job, null, false, now)));
    }
    return Future.all(rendered).map(done -> {
      JsonArray out = new JsonArray(new ArrayList<>(jobs.size()));
      rendered.forEach(f -> out.add(f.result()));
      return out;
    });
  }

  private void get(RoutingContext rc) {
    Principal principal = AccessGuard.principal(rc);
    String jobId = Params.path(rc, "job_id");
    ctx.store().jobs().get(jobId).compose(found -> {
      Job job = JobAccess.require(principal, jobId, found);
      Future<Long> position = JobView.waitsForSlot(job) ? ctx.store().jobs().queuePosition(job)
          : Future.succeededFuture(null);
      return position.compose(pos -> WorkerJobs.details(ctx, job)
          .map(worker -> rendered.body(job, pos, worker, ctx.now())));
    }).onSuccess(body -> Responses.json(rc, 200, body)).onFailure(rc::fail);
  }

  /** Refreshes active jobs; for those who see every job, also imports the providers' jobs it lacks. */
  private void sync(RoutingContext rc) {
    Principal p = AccessGuard.principal(rc);
    Responses.reply(rc, Bus.request(vertx, Addresses.POLL_SYNC, new JsonObject()
        .put("import", p.can(dev.simpletuner.cloud.server.auth.Permission.JOB_VIEW_ALL))));
  }

  private void logs(RoutingContext rc) {
    Principal principal = AccessGuard.principal(rc);
    String jobId = Params.path(rc, "job_id");
    // Without tail or since, the whole kept log: the reference CLI's `logs --follow` prints what
    // grew since its last read, so a fixed window would freeze it.
    int tail = Params.queryInt(rc, "tail", ctx.config().logLinesPerJob());
    String since = Params.query(rc, "since");
    Responses.reply(rc, ctx.store().jobs().get(jobId).compose(found -> {
      JobAccess.require(principal, jobId, found);
      Future<List<Line>> lines = since != null
          ? ctx.store().logs().after(jobId, Long.parseLong(since), tail)
          : ctx.store().logs().tail(jobId, tail);
      return lines.map(list -> {
        StringBuilder text = new StringBuilder();
        for (Line line : list) {
          text.append(line.text()).append('\n');
        }
        return new JsonObject().put("job_id", jobId).put("logs", text.toString())
            .put("first_seq", list.isEmpty() ? null : list.get(0).seq())
            .put("last_seq", list.isEmpty() ? null : list.get(list.size() - 1).seq());
      });
    }));
  }

  private void events(RoutingContext rc) {
    Principal principal = AccessGuard.principal(rc);
    String jobId = Params.path(rc, "job_id");
    long after = Params.queryInt(rc, "after", 0);
    int limit = Params.queryInt(rc, "limit", 500);
    Responses.reply(rc, ctx.store().jobs().get(jobId).compose(found -> {
      JobAccess.require(principal, jobId, found);
      return ctx.store().events().list(jobId, after, limit).map(events -> {
        JsonArray out = new JsonArray();
        events.stream().map(Event::toJson).forEach(out::add);
        return new JsonObject().put("job_id", jobId).put("events", out);
      });
    }));
  }
}
