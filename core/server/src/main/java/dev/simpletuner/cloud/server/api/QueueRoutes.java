package dev.simpletuner.cloud.server.api;

import dev.simpletuner.cloud.server.access.AccessGuard;
import dev.simpletuner.cloud.server.command.JobCommands;
import dev.simpletuner.cloud.server.contract.ContractRouter;
import dev.simpletuner.cloud.server.fleet.Fleet;
import dev.simpletuner.cloud.server.http.Params;
import dev.simpletuner.cloud.server.http.Responses;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * Upstream's {@code POST /api/queue/submit} (WORKERS.md, the CLI's {@code jobs submit}): a named
 * config to a worker, this machine, or either ({@code target}), through the same front door as
 * {@code POST /api/cloud/jobs/submit}.
 */
final class QueueRoutes {
  private final JobCommands commands;
  private final Fleet fleet;

  QueueRoutes(JobCommands commands, Fleet fleet) {
    this.commands = commands;
    this.fleet = fleet;
  }

  void mount(ContractRouter ops) {
    ops.on("queueSubmit", this::submit);
  }

  private void submit(RoutingContext rc) {
    JsonObject body = Params.body(rc);
    JsonObject labels = body.getJsonObject("worker_labels");
    Responses.reply(rc, fleet.target(body.getString("target", "auto"), labels).compose(provider -> {
      JsonObject submission = new JsonObject().put("config_name_to_load", body.getString("config_name"));
      for (String field : new String[] {"tracker_run_name", "idempotency_key", "delivery"}) {
        if (body.containsKey(field)) {
          submission.put(field, body.getValue(field));
        }
      }
      if ("worker".equals(provider)) {
        submission.put("worker_labels", labels).put("gpu_count", body.getInteger("gpu_count"));
      }
      return commands.submit(AccessGuard.principal(rc), provider, submission).map(submitted -> {
        JsonObject job = submitted.job();
        return submitted.toJson().put("target", provider.equals("worker") ? "worker" : "local")
            .put("queue_position", job.getValue("queue_position"))
            .put("allocated_worker_id", job.getString("external_id"))
            .putNull("allocated_gpus")
            .put("requires_approval", "pending_approval".equals(job.getString("status")));
      });
    }));
  }
}
