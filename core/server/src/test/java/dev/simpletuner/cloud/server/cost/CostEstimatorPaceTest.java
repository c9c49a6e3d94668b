package dev.simpletuner.cloud.server.cost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.simpletuner.cloud.server.job.Job;
import dev.simpletuner.cloud.server.job.JobStatus;
import dev.simpletuner.cloud.server.job.JobType;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The pace the estimate learns from finished jobs: seconds per step and the start-up every job pays. */
class CostEstimatorPaceTest {

  @Test
  void jobsOfDifferentLengthsGiveThePacePerStepAndTheStartUp() {
    // 100 steps in 300 s, 300 steps in 700 s, 200 steps in 500 s: 2 s/step after 100 s of start-up.
    CostEstimator.Pace pace = CostEstimator.pace(List.of(finished(100, 300), finished(300, 700), finished(200, 500)));
    assertThat(pace.fitted()).isTrue();
    assertThat(pace.secondsPerStep()).isCloseTo(2.0, within(1e-9));
    assertThat(pace.startupSeconds()).isCloseTo(100.0, within(1e-6));
    assertThat(pace.jobs()).isEqualTo(3);
  }

  @Test
  void jobsOfOneLengthGiveTheirPaceWithStartUpIncluded() {
    CostEstimator.Pace pace = CostEstimator.pace(List.of(finished(100, 300), finished(100, 320)));
    assertThat(pace.fitted()).isFalse();
    assertThat(pace.secondsPerStep()).isCloseTo(3.1, within(1e-9));
    assertThat(pace.startupSeconds()).isZero();
  }

  @Test
  void aFitThatWouldNeedANegativeStartUpFallsBackToTheMeanPace() {
    // Longer runs took disproportionately longer: the line crosses below zero at 0 steps.
    CostEstimator.Pace pace = CostEstimator.pace(List.of(finished(100, 100), finished(200, 400)));
    assertThat(pace.fitted()).isFalse();
    assertThat(pace.startupSeconds()).isZero();
    assertThat(pace.secondsPerStep()).isCloseTo(1.5, within(1e-9));
  }

  @Test
  void noUsableHistoryIsNoPace() {
    Job noSteps = new Job("j", "o", JobType.CLOUD, "replicate", JobStatus.COMPLETED, null, null, "gpu", null, 0.001,
        null, null, 0, 0, 1000L, 61_000L, null, null, null, null, null, new JsonObject(), new JsonObject(),
        new JsonArray(), new JsonObject(), new JsonArray(), 1);
    assertThat(CostEstimator.pace(List.of(noSteps))).isNull();
    assertThat(CostEstimator.pace(List.of())).isNull();
  }

  private static Job finished(int steps, int seconds) {
    long start = 1_000_000L;
    return new Job("j" + steps + "-" + seconds, "o", JobType.CLOUD, "replicate", JobStatus.COMPLETED, null, null, "gpu",
        null, 0.001, null, null, start - 1000, start, start, start + seconds * 1000L, null, null, null, null, null,
        new JsonObject().put("current", steps).put("total", steps), new JsonObject(), new JsonArray(), new JsonObject(),
        new JsonArray(), 1);
  }
}
