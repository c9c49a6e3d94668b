package dev.simpletuner.cloud.server.job;

import dev.simpletuner.cloud.server.callback.ProgressReading;
import dev.simpletuner.cloud.server.callback.TrainerEvent;
import dev.simpletuner.cloud.server.joblog.ConsoleReader;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The state machine, progress parsing and trainer event reading. */
class JobRulesTest {

  @Test
  void terminalStatusesAreFinal() {
    for (JobStatus terminal : JobStatus.TERMINAL) {
      for (JobStatus next : JobStatus.values()) {
        assertThat(terminal.canMoveTo(next)).isFalse();
      }
    }
    assertThat(JobStatus.RUNNING.canMoveTo(JobStatus.QUEUED)).isFalse();
    assertThat(JobStatus.QUEUED.canMoveTo(JobStatus.RUNNING)).isTrue();
    assertThat(JobStatus.sourcesOf(JobStatus.CANCELLED)).containsExactlyInAnyOrderElementsOf(JobStatus.ACTIVE);
    assertThat(JobStatus.parse("queued")).isEqualTo(JobStatus.QUEUED);
    assertThat(JobStatus.parse("QUEUED")).isNull();
  }

  @Test
  void progressIsReadFromTrainerOutput() {
    ConsoleReader.Reading r = ConsoleReader.read(List.of("loading model", "step 12/1000 loss=0.1234 lr=2e-4",
        "epoch 2 step 13/1000 loss: 0.12"));
    assertThat(r.progress().current()).isEqualTo(13);
    assertThat(r.progress().total()).isEqualTo(1000);
    assertThat(r.progress().loss()).isEqualTo(0.12);
    assertThat(r.progress().learningRate()).isEqualTo(2e-4);
    assertThat(r.progress().epoch()).isEqualTo(2.0);
    // SimpleTuner's training bar, redrawn with \r (trainer.py: desc "Epoch e/E Steps", postfix lr and step_loss).
    ProgressReading bar = ConsoleReader.read(List.of("Epoch 1/1 Steps:  17%|\u2588\u258b        | 1/6 [00:00<00:05, "
        + "16.57it/s, lr=4e-7, step_loss=0.31]\rEpoch 1/1 Steps:  33%|\u2588\u2588\u2588\u258e      | 2/6 "
        + "[00:01<00:02, 18.07it/s, lr=1e-4, step_loss=0.183]")).progress();
    assertThat(bar.current()).isEqualTo(2);
    assertThat(bar.total()).isEqualTo(6);
    assertThat(bar.loss()).isEqualTo(0.183);
    assertThat(bar.learningRate()).isEqualTo(1e-4);
    assertThat(bar.etaSeconds()).isEqualTo(2.0);
    assertThat(bar.stage()).isEqualTo("Training");
    // Other bars (caching, bucketing) are stages, not training steps.
    ProgressReading cache = ConsoleReader.read(List.of("Processing bucket 1.0: 45%|####5     | 45/100 [00:03<00:04]"))
        .progress();
    assertThat(cache.current()).isNull();
    assertThat(cache.stage()).isEqualTo("Processing bucket 1.0");
    assertThat(ConsoleReader.read(List.of("nothing here", "step 99999999999999999999/2")).progress()).isNull();
  }

  @Test
  void theReplicateModelsReceiverLinesAreTheEventsTheyCameFrom() {
    // simpletuner/cog.py CogWebhookReceiver prints these for the events it receives.
    List<JsonObject> events = ConsoleReader.read(List.of(
        "[COG] Webhook receiver started on http://127.0.0.1:4711/webhook",
        "[STAGE] \u23f3 Running Validation: Validation is starting.",
        "[STAGE] \u2713 Configuring data backends (100.0%): Completed configuring data backends.",
        "[CHECKPOINT] Checkpoint saved to output/cog/x/checkpoint-4",
        "[ERROR] Fatal Error: Failed to run training: CUDA out of memory",
        "[TRAINING] Status: failed")).events();
    assertThat(events).hasSize(5);
    assertThat(events.get(0).getJsonObject("stage").getString("status")).isEqualTo("running");
    assertThat(events.get(1).getJsonObject("stage").getString("label")).isEqualTo("Configuring data backends");
    assertThat(events.get(1).getString("message")).isEqualTo("Completed configuring data backends.");
    assertThat(TrainerEvent.parse(events.get(2)).timeline()).isTrue();
    assertThat(TrainerEvent.parse(events.get(3)).failure()).isEqualTo("Fatal Error: Failed to run training: CUDA out "
        + "of memory");
    assertThat(TrainerEvent.parse(events.get(4)).failure()).isNotNull();
  }

  @Test
  void progressNeverGoesBackwards() {
    JsonObject p = new ProgressReading(null, 50L, 100L, null, null, 0.2, null, null).mergeInto(null, "log", 10_000,
        0L);
    assertThat(p.getDouble("percent")).isEqualTo(50.0);
    assertThat(p.getLong("eta_seconds")).isEqualTo(10);
    JsonObject late = new ProgressReading(null, 40L, 100L, null, null, 0.9, null, null).mergeInto(p, "callback",
        11_000, 0L);
    assertThat(late.getLong("current")).isEqualTo(50);
    assertThat(late.getDouble("loss")).isEqualTo(0.2);
  }

  @Test
  void trainerEventsAreRead() {
    // A per-step event as trainer.py sends it: no label, which means training.
    TrainerEvent status = TrainerEvent.parse(new JsonObject("""
        {"type":"training.status","job_id":null,"title":"Running","data":{"status":"running","global_step":3},
         "progress":{"current":3,"total":10,"percent":30,"eta_seconds":7,
                     "metrics":{"loss":0.5,"learning_rate":0.0001,"epoch":1}}}"""));
    assertThat(status.running()).isTrue();
    assertThat(status.progress().current()).isEqualTo(3);
    assertThat(status.progress().stage()).isEqualTo("Training");
    assertThat(status.progress().loss()).isEqualTo(0.5);
    assertThat(status.timeline()).isFalse();
    TrainerEvent stage = TrainerEvent.parse(new JsonObject(
        "{\"type\":\"lifecycle.stage\",\"stage\":{\"key\":\"cache\",\"label\":\"Caching latents\",\"status\":\"running\"}}"));
    assertThat(stage.progress().stage()).isEqualTo("Caching latents");
    assertThat(stage.stageKey()).isEqualTo("cache");
    assertThat(stage.timeline()).isTrue();
    // train.py's own failure report, then its status event.
    TrainerEvent error = TrainerEvent.parse(new JsonObject("""
        {"type":"error","title":"Training failed: RuntimeError","message":"CUDA out of memory","traceback":"..."}"""));
    assertThat(error.failure()).isEqualTo("Training failed: RuntimeError: CUDA out of memory");
    assertThat(TrainerEvent.parse(new JsonObject("{\"type\":\"training.status\",\"status\":\"failed\"}")).failure())
        .isNotNull();
    assertThat(TrainerEvent.parse(new JsonObject(
        "{\"type\":\"training.status\",\"status\":\"training_failed\",\"error\":\"no GPU\"}")).failure())
        .isEqualTo("The trainer failed to start: no GPU");
    TrainerEvent notification = TrainerEvent.parse(new JsonObject(
        "{\"type\":\"notification\",\"severity\":\"error\",\"title\":\"Fatal Error\",\"message\":\"boom\"}"));
    assertThat(notification.failure()).isEqualTo("Fatal Error: boom");
    TrainerEvent log = TrainerEvent.parse(new JsonObject(
        "{\"type\":\"log.message\",\"logger\":\"SimpleTuner\",\"message\":\"a\\nb\",\"severity\":\"info\"}"));
    assertThat(log.timeline()).isFalse();
    assertThat(log.logLines()).containsExactly("a", "b");
    TrainerEvent junk = TrainerEvent.parse(new JsonObject("{\"progress\":\"nope\",\"data\":7}"));
    assertThat(junk.type()).isEqualTo("notification");
  }
}
