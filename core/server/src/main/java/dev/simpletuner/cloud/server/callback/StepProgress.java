package dev.simpletuner.cloud.server.callback;

import dev.simpletuner.cloud.server.store.MetricStore.Point;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The step progress trainers report, held for a moment between the HTTP verticles that receive it
 * and the lifecycle verticle that writes it ({@link ProgressBuffer}). SimpleTuner sends a status
 * event per optimisation step (trainer.py), which on a fast GPU is dozens a second: each is merged
 * here by the receiving event loop and answered at once, with no hop to the lifecycle verticle. A
 * trainer sends one event at a time, so whatever it sends next, and anything the lifecycle
 * verticle applies for the job, comes after what is held here, which is written first.
 * One per process; safe to use from any thread.
 */
public final class StepProgress {
  private final Set<String> running = ConcurrentHashMap.newKeySet();
  /** Running jobs whose provider keeps the trainer's console, where every log record is too. */
  private final Set<String> consoleKept = ConcurrentHashMap.newKeySet();
  private final Map<String, Held> held = new ConcurrentHashMap<>();
  /** Per job, the status last put on the timeline for each stage key (see {@link #stageChanged}). */
  private final Map<String, Map<String, String>> stages = new ConcurrentHashMap<>();

  /** What is held for one job: the merged reading and the chart points since the last write. */
  record Held(ProgressReading reading, List<Point> points) {
  }

  /**
   * The job is running on this server: its plain progress may be held from now on.
   *
   * @param consoleLogged its provider logs the trainer's console (a local process), so the log
   *                      records the trainer also sends as events need nothing done
   */
  void running(String jobId, boolean consoleLogged) {
    running.add(jobId);
    if (consoleLogged) {
      consoleKept.add(jobId);
    }
  }

  /**
   * Holds an event that only reports progress of a running job, or takes one that needs nothing
   * done (a log record its console already has); false for anything else.
   */
  public boolean offer(String jobId, TrainerEvent event) {
    if (!running.contains(jobId)) {
      return false;
    }
    if ("log.message".equals(event.type())) {
      // SimpleTuner mirrors each log record as an event (helpers/logging.py): most of what it sends.
      return consoleKept.contains(jobId);
    }
    ProgressReading r = event.progress();
    // A stage repeating its status (SimpleTuner reports each cached batch, each bucketed image) is
    // progress too: its timeline entry exists.
    boolean repeatedStage = "lifecycle.stage".equals(event.type()) && "running".equals(event.stageStatus())
        && event.stageKey() != null && event.stageStatus().equals(stages.getOrDefault(jobId, Map.of())
        .get(event.stageKey()));
    boolean step = "training.status".equals(event.type()) && !event.timeline();
    if (!step && !repeatedStage || r == null || event.failure() != null) {
      return false;
    }
    held.compute(jobId, (id, before) -> {
      List<Point> points = before == null ? new ArrayList<>() : before.points();
      if (r.current() != null && (r.loss() != null || r.learningRate() != null)) {
        points.add(new Point(r.current(), r.loss(), r.learningRate()));
      }
      return new Held(before == null ? r : before.reading().followedBy(r), points);
    });
    return true;
  }

  /** Takes what is held for the job, or null. */
  Held take(String jobId) {
    return held.remove(jobId);
  }

  /** The jobs with progress held. */
  Set<String> jobs() {
    return held.keySet();
  }

  /**
   * Records the status a stage reached on the timeline; false when it is the one recorded last
   * (a repeat folds into that entry).
   */
  boolean stageChanged(String jobId, String stageKey, String status) {
    return !status.equals(stages.computeIfAbsent(jobId, k -> new ConcurrentHashMap<>()).put(stageKey, status));
  }

  /** The job ended: nothing more is held for it. */
  void forget(String jobId) {
    stages.remove(jobId);
    running.remove(jobId);
    consoleKept.remove(jobId);
    held.remove(jobId);
  }
}
