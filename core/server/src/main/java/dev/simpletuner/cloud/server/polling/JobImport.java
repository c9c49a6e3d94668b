package dev.simpletuner.cloud.server.polling;

import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.auth.Role;
import dev.simpletuner.cloud.server.job.Job;
import dev.simpletuner.cloud.server.job.JobStatus;
import dev.simpletuner.cloud.server.job.JobType;
import dev.simpletuner.cloud.server.plugin.ProviderHandle;
import dev.simpletuner.cloud.server.settings.ProviderSettings;
import dev.simpletuner.cloud.server.store.UserStore.User;
import dev.simpletuner.cloud.spi.ForeignJob;
import dev.simpletuner.cloud.spi.ProviderJobStatus;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Imports the jobs a provider holds for this account that this server does not know (the
 * reference's full sync): each becomes a job marked {@code imported}, owned by the first admin
 * (the machine's owner in single-user mode), with the provider's status, times and cost. A job
 * is imported once, whichever instance syncs. Active imports are then followed like any job.
 */
final class JobImport {
  /** How long a new prediction may be a submission of this server not yet recorded. */
  private static final long SUBMIT_WINDOW_MS = 5 * 60_000;
  private final ServerContext ctx;

  JobImport(ServerContext ctx) {
    this.ctx = ctx;
  }

  /** {@code {imported, import_errors}} over every provider. */
  Future<JsonObject> run() {
    return owner().compose(owner -> {
      List<ProviderHandle> handles = List.copyOf(ctx.providers().all());
      List<Future<Integer>> work = handles.stream()
          .map(handle -> handle.recentJobs().compose(found -> importAll(handle, found, owner))).toList();
      // Read once every provider has answered, on this context (futures may complete elsewhere).
      return Future.join(work).transform(ar -> {
        int imported = 0;
        JsonArray errors = new JsonArray();
        for (int i = 0; i < work.size(); i++) {
          Future<Integer> f = work.get(i);
          if (f.succeeded()) {
            imported += f.result();
          } else {
            errors.add(handles.get(i).id() + ": " + f.cause().getMessage());
          }
        }
        return Future.succeededFuture(new JsonObject().put("imported", imported).put("import_errors", errors));
      });
    });
  }

  private Future<String> owner() {
    return ctx.store().users().list().map(users -> users.stream()
        .filter(u -> u.active() && Role.ADMIN.wireName().equals(u.role())).map(User::userId).findFirst()
        .orElse("local"));
  }

  private Future<Integer> importAll(ProviderHandle handle, List<ForeignJob> found, String owner) {
    Future<Integer> chain = Future.succeededFuture(0);
    long recent = ctx.now() - SUBMIT_WINDOW_MS;
    for (ForeignJob foreign : found) {
      if (!foreign.report().status().isTerminal() && foreign.createdAt() != null
          && foreign.createdAt().toEpochMilli() > recent) {
        continue; // perhaps a submission of this server whose answer is still on its way; next sync
      }
      chain = chain.compose(n -> ctx.store().jobs().importForeign(job(handle, foreign, owner)).map(added -> added
          ? n + 1 : n));
    }
    return chain;
  }

  private Job job(ProviderHandle handle, ForeignJob foreign, String owner) {
    ProviderJobStatus r = foreign.report();
    long now = ctx.now();
    long created = millis(foreign.createdAt(), r.startedAt() != null ? millis(r.startedAt(), now) : now);
    JobStatus status = JobStatus.fromProvider(r.status());
    double rate = ProviderSettings.rate(handle, handle.saved(), foreign.hardware());
    Double cost = r.billableSeconds() == null ? null : r.billableSeconds() * rate;
    JsonObject metadata = new JsonObject().put("imported", true).put("imported_at", Instant.ofEpochMilli(now)
        .toString()).put("provider_label", foreign.label()).put("warnings", new JsonArray());
    // An active import is dispatched as far as this server is concerned, so polling follows it.
    return new Job(UUID.randomUUID().toString(), owner, JobType.CLOUD,
        handle.id(), status, null, null, foreign.hardware(), foreign.hardware(), rate,
        status.isTerminal() ? cost : null, null, created, now, r.startedAt() == null ? null : millis(r.startedAt(), now),
        r.completedAt() == null ? null : millis(r.completedAt(), now), status.isTerminal() ? null : now,
        r.externalId(), status.isTerminal() ? null : ctx.hostId(), r.errorMessage(), r.outputUrl(), null,
        new JsonObject(), new JsonArray(), metadata, new JsonArray(), 1);
  }

  private static long millis(Instant at, long fallback) {
    return at == null ? fallback : at.toEpochMilli();
  }
}
