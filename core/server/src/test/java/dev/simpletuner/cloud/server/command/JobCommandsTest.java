package dev.simpletuner.cloud.server.command;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.auth.Principal;
import dev.simpletuner.cloud.server.auth.Role;
import dev.simpletuner.cloud.server.error.AppException;
import dev.simpletuner.cloud.server.error.ErrorCode;
import dev.simpletuner.cloud.server.store.AuditStore;
import dev.simpletuner.cloud.server.job.JobAnswer;
import dev.simpletuner.cloud.server.job.JobCommand;
import dev.simpletuner.cloud.server.job.JobStatus;
import dev.simpletuner.cloud.server.submit.SubmitRequest;
import dev.simpletuner.cloud.server.store.ApprovalStore;
import dev.simpletuner.cloud.server.support.Backend;
import dev.simpletuner.cloud.server.support.Configs;
import dev.simpletuner.cloud.server.support.ServerPerBackend;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/**
 * The job commands driven below HTTP, on a real server: the caller decides ownership, permission
 * and approval rules and is never defaulted; an unknown provider is one error everywhere; what a
 * person changed is audited.
 */
class JobCommandsTest extends ServerPerBackend {
  private static Principal person(String id, Role role) {
    return new Principal(id, id, role.wireName(), role.permissions(), null, false, "127.0.0.1");
  }

  private JobCommands commands() {
    return server(Backend.SQLITE).server().commands();
  }

  private ServerContext ctx() {
    return server(Backend.SQLITE).server().context();
  }

  private static <T> T await(Future<T> f) {
    return f.toCompletionStage().toCompletableFuture().join();
  }

  private static AppException failure(Future<?> f) {
    try {
      f.toCompletionStage().toCompletableFuture().join();
    } catch (java.util.concurrent.CompletionException e) {
      return (AppException) e.getCause();
    }
    throw new AssertionError("it succeeded");
  }

  private static JsonObject submission() {
    return new JsonObject().put("config", Configs.lora(100000));
  }

  @Test
  void theCallerOwnsWhatTheySubmitAndOthersCannotActOnIt() {
    Principal ada = person("u-ada", Role.RESEARCHER);
    Principal bob = person("u-bob", Role.RESEARCHER);
    Principal lead = person("u-lead", Role.LEAD);
    JobAnswer.Submitted submitted = await(commands().submit(ada, "local", submission()));
    // Answered once stored: the hand-over to the provider happens after.
    assertThat(submitted.status()).isIn(JobStatus.QUEUED, JobStatus.RUNNING);
    String jobId = submitted.jobId();
    assertThat(await(ctx().store().jobs().get(jobId)).orElseThrow().ownerId()).isEqualTo("u-ada");

    // Someone else's job looks missing; a viewer of their own job may not cancel it.
    assertThat(failure(commands().cancel(bob, jobId)).code()).isEqualTo(ErrorCode.JOB_NOT_FOUND);
    Principal viewer = new Principal("u-ada", "ada", Role.VIEWER.wireName(), Role.VIEWER.permissions(), null, false,
        null);
    assertThat(failure(commands().cancel(viewer, jobId)).code()).isEqualTo(ErrorCode.PERMISSION_DENIED);
    assertThat(failure(commands().delete(ada, jobId)).code()).isEqualTo(ErrorCode.INVALID_JOB_STATE);

    // A lead may cancel anyone's job; it is audited with who did it.
    JobAnswer.Changed cancelled = await(commands().cancel(lead, jobId));
    assertThat(cancelled.status()).isEqualTo(JobStatus.CANCELLED);
    var audit = await(ctx().store().audit().list(new AuditStore.Filter(null, "u-lead", null, null, null,
        null), 10, 0));
    assertThat(audit.entries().stream().map(e -> e.eventType() + " " + e.targetId()))
        .contains("job.cancelled " + jobId);
    assertThat(await(ctx().store().audit().list(new AuditStore.Filter(
        java.util.List.of("job.submitted"), "u-ada", null, null, null, null), 10, 0)).entries()
        .stream().map(e -> e.targetId())).contains(jobId);
    await(commands().delete(ada, jobId));
    assertThat(await(ctx().store().jobs().get(jobId))).isEmpty();
  }

  @Test
  void theCallersRoleDecidesApprovalAndIsNeverDefaulted() {
    long now = System.currentTimeMillis();
    await(ctx().store().approvals().addRule(new ApprovalStore.Rule("rule_commands", "all local jobs", "provider_is",
        "local", Role.LEAD.wireName(), true, "u-admin", now, 0)));
    try {
      JobAnswer.Submitted researcher = await(commands().submit(person("u-r", Role.RESEARCHER), "local", submission()));
      assertThat(researcher.status()).isEqualTo(JobStatus.PENDING_APPROVAL);
      JobAnswer.Submitted lead = await(commands().submit(person("u-l", Role.LEAD), "local", submission()));
      assertThat(lead.status()).isNotEqualTo(JobStatus.PENDING_APPROVAL);
      await(commands().cancel(person("u-l", Role.LEAD), lead.jobId()));
      await(commands().cancel(person("u-r", Role.RESEARCHER), researcher.jobId()));
    } finally {
      await(ctx().store().approvals().deleteRule("rule_commands"));
    }
    SubmitRequest request = SubmitRequest.parse("local", submission());
    assertThatThrownBy(() -> new JobCommand.Submit(null, "local", request)).isInstanceOf(NullPointerException.class)
        .hasMessageContaining("caller");
    assertThatThrownBy(() -> commands().submit(null, "local", submission())).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> new JobCommand.Decide(Principal.system(), "apr_x", "maybe", null))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void anUnknownProviderIsTheSameErrorForSubmitAndPreview() {
    Principal ada = person("u-ada", Role.RESEARCHER);
    for (Future<?> f : new Future<?>[] {commands().submit(ada, "nosuch", submission()),
        commands().preview(ada, "nosuch", submission())}) {
      AppException e = failure(f);
      assertThat(e.code()).isEqualTo(ErrorCode.UNKNOWN_PROVIDER);
      assertThat(e.code().httpStatus()).isEqualTo(400);
      assertThat(e.details().getJsonArray("available").getList()).contains("local");
    }
    // The same through HTTP.
    var api = api(Backend.SQLITE);
    for (String path : new String[] {"/api/cloud/jobs/submit?provider=nosuch", "/api/cloud/jobs/upload-summary"
        + "?provider=nosuch"}) {
      var r = api.post(path, submission());
      assertThat(r.status()).as(path).isEqualTo(400);
      assertThat(r.json().getString("code")).isEqualTo("unknown_provider");
    }
  }
}
