package dev.simpletuner.cloud.server.callback;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/** Which trainer events are answered at once, without a trip to the job's lifecycle. */
class StepProgressTest {
  private static TrainerEvent stage(String key, String status, int current) {
    return TrainerEvent.parse(new JsonObject().put("type", "lifecycle.stage").put("stage", new JsonObject()
        .put("key", key).put("label", "Processing training-images").put("status", status)
        .put("progress", new JsonObject().put("current", current).put("total", 4))));
  }

  private static TrainerEvent log() {
    return TrainerEvent.parse(new JsonObject().put("type", "log.message").put("message", "a record"));
  }

  private static TrainerEvent step(int current) {
    return TrainerEvent.parse(new JsonObject().put("type", "training.status").put("progress", new JsonObject()
        .put("current", current).put("total", 10).put("metrics", new JsonObject().put("loss", 0.5))));
  }

  @Test
  void aStageRepeatingTheStatusOnItsTimelineEntryIsHeldAsProgress() {
    StepProgress steps = new StepProgress();
    steps.running("job", false);
    assertThat(steps.offer("job", stage("aspect_bucket", "running", 1))).as("no entry yet").isFalse();
    assertThat(steps.stageChanged("job", "aspect_bucket", "running")).isTrue();
    assertThat(steps.offer("job", stage("aspect_bucket", "running", 2))).isTrue();
    assertThat(steps.take("job").reading().stage()).isEqualTo("Processing training-images");
    assertThat(steps.offer("job", stage("aspect_bucket", "completed", 4))).as("a new status").isFalse();
    assertThat(steps.offer("job", stage("vae_cache", "running", 1))).as("another stage").isFalse();
  }

  @Test
  void logRecordsAreTakenOnlyWhereTheConsoleIsLogged() {
    StepProgress remote = new StepProgress();
    remote.running("job", false);
    assertThat(remote.offer("job", log())).isFalse();
    StepProgress local = new StepProgress();
    assertThat(local.offer("job", log())).as("not known to be running").isFalse();
    local.running("job", true);
    assertThat(local.offer("job", log())).isTrue();
    assertThat(local.take("job")).as("nothing to write").isNull();
    local.forget("job");
    assertThat(local.offer("job", log())).isFalse();
  }

  @Test
  void stepsAreMergedWithTheirChartPoints() {
    StepProgress steps = new StepProgress();
    steps.running("job", false);
    assertThat(steps.offer("job", step(1))).isTrue();
    assertThat(steps.offer("job", step(2))).isTrue();
    StepProgress.Held held = steps.take("job");
    assertThat(held.reading().current()).isEqualTo(2);
    assertThat(held.points()).hasSize(2);
  }
}
