package dev.simpletuner.cloud.server.job;

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
    ProgressReading r = LogProgressParser.parse(List.of("loading model", "step 12/1000 loss=0.1234 lr=2e-4",
        "epoch 2 step 13/1000 loss: 0.12"));
    assertThat(r.current()).isEqualTo(13);
    assertThat(r.total()).isEqualTo(1000);
    assertThat(r.loss()).isEqualTo(0.12);
    assertThat(r.learningRate()).isEqualTo(2e-4);
    assertThat(r.epoch()).isEqualTo(2.0);
    ProgressReading bar = LogProgressParser.parse(List.of("Training:  5%|▌     | 50/1000 [00:10<03:10, loss=0.3]"));
    assertThat(bar.current()).isEqualTo(50);
    assertThat(bar.loss()).isEqualTo(0.3);
    assertThat(LogProgressParser.parse(List.of("nothing here", "step 99999999999999999999/2"))).isNull();
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
    TrainerEvent status = TrainerEvent.parse(new JsonObject("""
        {"type":"training.status","job_id":"j","title":"t","data":{"status":"running"},
         "progress":{"label":"Training","current":3,"total":10,"percent":30,"eta_seconds":7,
                     "metrics":{"loss":0.5,"learning_rate":0.0001,"epoch":1}}}"""));
    assertThat(status.running()).isTrue();
    assertThat(status.progress().current()).isEqualTo(3);
    assertThat(status.progress().loss()).isEqualTo(0.5);
    assertThat(status.timeline()).isFalse();
    TrainerEvent stage = TrainerEvent.parse(new JsonObject(
        "{\"type\":\"lifecycle.stage\",\"stage\":{\"key\":\"cache\",\"label\":\"Caching latents\",\"status\":\"running\"}}"));
    assertThat(stage.progress().stage()).isEqualTo("Caching latents");
    assertThat(stage.timeline()).isTrue();
    TrainerEvent error = TrainerEvent.parse(new JsonObject("{\"type\":\"error\",\"message\":\"CUDA out of memory\"}"));
    assertThat(error.failureHint()).isEqualTo("CUDA out of memory");
    TrainerEvent junk = TrainerEvent.parse(new JsonObject("{\"progress\":\"nope\",\"data\":7}"));
    assertThat(junk.type()).isEqualTo("notification");
  }
}
