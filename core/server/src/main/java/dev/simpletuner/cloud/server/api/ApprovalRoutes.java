package dev.simpletuner.cloud.server.api;

import dev.simpletuner.cloud.server.access.AccessGuard;
import dev.simpletuner.cloud.server.contract.ContractRouter;
import dev.simpletuner.cloud.server.http.Params;
import dev.simpletuner.cloud.server.http.Responses;
import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.auth.Principal;
import dev.simpletuner.cloud.server.command.JobCommands;
import dev.simpletuner.cloud.server.error.AppException;
import dev.simpletuner.cloud.server.error.ErrorCode;
import dev.simpletuner.cloud.server.approval.ApprovalRules;
import dev.simpletuner.cloud.server.job.JobAnswer;
import dev.simpletuner.cloud.server.store.ApprovalStore.Request;
import dev.simpletuner.cloud.server.store.ApprovalStore.Rule;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.util.UUID;

/** Approval rules and the review of the jobs they hold back. */
final class ApprovalRoutes {
  private final ServerContext ctx;
  private final JobCommands commands;

  ApprovalRoutes(ServerContext ctx, JobCommands commands) {
    this.ctx = ctx;
    this.commands = commands;
  }

  void mount(ContractRouter ops) {
    ops.on("listApprovalRules", rc -> Responses.reply(rc, ctx.store().approvals().rules(false).map(rules -> {
      JsonArray out = new JsonArray();
      rules.forEach(r -> out.add(render(r)));
      return new JsonObject().put("rules", out).put("conditions", new JsonArray(ApprovalRules.CONDITIONS));
    })));
    ops.on("createApprovalRule", this::createRule);
    ops.on("deleteApprovalRule", rc -> {
      Principal p = AccessGuard.principal(rc);
      String id = Params.path(rc, "rule_id");
      Responses.reply(rc, ctx.store().approvals().deleteRule(id).compose(deleted -> {
        if (!deleted) {
          throw new AppException(ErrorCode.NOT_FOUND, "No approval rule " + id + ".");
        }
        return ctx.audit().record(p, "approval.rule.deleted", "approval_rule", id, "ok", null, null, ctx.now())
            .map(v -> new JsonObject().put("success", true));
      }));
    });
    ops.on("listApprovalRequests", rc -> Responses.reply(rc, ctx.store().approvals()
        .requests(Params.query(rc, "status"), Params.queryInt(rc, "limit", 50), Params.queryInt(rc, "offset", 0))
        .map(requests -> {
          JsonArray out = new JsonArray();
          requests.forEach(r -> out.add(render(r)));
          return new JsonObject().put("requests", out);
        })));
    ops.on("approveRequest", rc -> decide(rc, "approved", Params.body(rc).getString("notes")));
    ops.on("rejectRequest", rc -> decide(rc, "rejected", Params.body(rc).getString("reason")));
  }

  private void createRule(RoutingContext rc) {
    Principal p = AccessGuard.principal(rc);
    JsonObject body = Params.body(rc);
    String condition = body.getString("condition");
    String threshold = body.getString("threshold", "").strip();
    switch (condition) {
      case "cost_exceeds" -> {
        // The contract's pattern: a plain amount (no sign, exponent, NaN or Infinity).
        if (!threshold.matches("[0-9]{1,12}(\\.[0-9]{1,6})?")) {
          throw AppException.invalid("threshold", "cost_exceeds needs a threshold in USD, such as \"25\".");
        }
      }
      case "hardware_matches", "provider_is" -> {
        if (threshold.isEmpty()) {
          throw AppException.invalid("threshold", condition + " needs a threshold (a glob or a provider id).");
        }
      }
      default -> threshold = "";
    }
    Rule rule = new Rule("rule_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12),
        body.getString("name").strip(), condition, threshold, body.getString("exempt_role"), true, p.userId(),
        ctx.now(), 0);
    Responses.reply(rc, ctx.store().approvals().addRule(rule)
        .compose(stored -> ctx.audit().record(p, "approval.rule.created", "approval_rule", rule.ruleId(), "ok",
            render(stored), null, ctx.now()).map(v -> new JsonObject().put("success", true).put("rule", render(stored)))));
  }

  private void decide(RoutingContext rc, String decision, String notes) {
    Responses.reply(rc, commands.decide(AccessGuard.principal(rc), Params.path(rc, "request_id"), decision, notes)
        .map(JobAnswer::toJson));
  }

  private static JsonObject render(Rule r) {
    // type and enabled: the names the reference's CLI reads; number: its integer id (paths take either).
    return new JsonObject().put("id", r.ruleId()).put("number", r.number()).put("name", r.name())
        .put("condition", r.conditionType()).put("type", r.conditionType())
        .put("threshold", r.threshold()).put("exempt_role", r.exemptRole()).put("is_active", r.active())
        .put("enabled", r.active())
        .put("created_by", r.createdBy()).put("created_at", Instant.ofEpochMilli(r.createdAt()).toString());
  }

  private static JsonObject render(Request r) {
    return new JsonObject().put("id", r.requestId()).put("number", r.number()).put("job_id", r.jobId()).put("rule_ids", new JsonArray(r.ruleIds()))
        .put("reason", r.reason()).put("status", r.status()).put("requested_by", r.requestedBy())
        .put("reviewed_by", r.reviewedBy()).put("notes", r.notes())
        .put("reviewed_at", r.reviewedAt() == null ? null : Instant.ofEpochMilli(r.reviewedAt()).toString())
        .put("created_at", Instant.ofEpochMilli(r.createdAt()).toString())
        .put("expires_at", Instant.ofEpochMilli(r.expiresAt()).toString());
  }
}
