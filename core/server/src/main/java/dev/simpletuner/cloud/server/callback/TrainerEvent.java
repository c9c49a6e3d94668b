package dev.simpletuner.cloud.server.callback;

import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A trainer callback (SPEC.md 4.1) read into what the server acts on. The shapes are those
 * SimpleTuner sends (helpers/webhooks/events.py, helpers/logging.py, train.py, trainer.py):
 *
 * <ul>
 *   <li>{@code training.status}: per step, {@code progress.current/total/percent/eta_seconds} and
 *       {@code progress.metrics}, usually without a label (which means training); a top-level
 *       {@code status} of {@code failed}, {@code training_failed} or {@code interrupted} when it stops;
 *   <li>{@code lifecycle.stage}: {@code stage.key/label/status}, repeated while a stage progresses;
 *   <li>{@code error} ({@code title}, {@code message}, {@code traceback}) and {@code notification}
 *       with {@code severity: error}: why it failed, in its own words;
 *   <li>{@code log.message}: every log record the trainer writes, for the job log;
 *   <li>{@code training.checkpoint}, {@code training.validation} (images), {@code validation.image}
 *       (sampling previews, not kept).
 * </ul>
 * Unknown types become timeline notes rather than being refused: trainers add events over time.
 *
 * @param type       the event type
 * @param running    the trainer says it is working (moves a queued job to running)
 * @param failure    the trainer's own words on why it stopped; null when it says nothing of the kind
 * @param progress   progress observed; null when none
 * @param stageKey   for stages: their key, and {@code stageStatus} their status (timeline entries are
 *                   kept per key and status, so repeated progress of one stage is one entry)
 * @param message    human text; null when none
 * @param timeline   worth an entry on the job's timeline
 * @param logLines   lines for the job log ({@code log.message}); empty otherwise
 */
public record TrainerEvent(String type, boolean running, String failure, ProgressReading progress, String stageKey,
                           String stageStatus, String message, boolean timeline, List<String> logLines) {
  /** The stage of a job whose trainer said its run is complete (final model saved and published). */
  public static final String COMPLETE_STAGE = "Training complete";


  public static final String TRAINING = "Training";
  private static final Set<String> RUNNING = Set.of("running", "training", "started", "start", "in_progress",
      "processing", "resumed");
  private static final Set<String> FAILED = Set.of("failed", "failure", "error", "errored", "training_failed");
  private static final Set<String> ERROR_SEVERITY = Set.of("error", "critical", "fatal");
  private static final int MAX_TEXT = 2000;

  public static TrainerEvent parse(JsonObject event) {
    String type = str(field(event, "type"));
    type = type == null ? "notification" : type;
    String message = firstText(field(event, "message"), field(event, "title"));
    return switch (type) {
      case "training.status" -> status(event, message);
      case "lifecycle.stage" -> stage(event, message);
      case "error" -> note(type, message, failureOf(event, "The trainer reported an error."));
      case "notification", "gpu.fault" -> note(type, message, severity(event) != null
          && ERROR_SEVERITY.contains(severity(event))
          ? failureOf(event, "The trainer reported an error.") : null);
      case "log.message" -> new TrainerEvent(type, false, null, null, null, null, null, false,
          message == null ? List.of() : List.of(str(field(event, "message")).split("\r?\n")));
      case "validation.image" -> new TrainerEvent(type, true, null, null, null, null, message, false, List.of());
      default -> note(type, message, null);
    };
  }

  /** A label for the validation images of a {@code training.validation} event: "Validation: X" says X. */
  String validationLabel() {
    if (message == null) {
      return null;
    }
    return message.startsWith("Validation: ") ? message.substring("Validation: ".length()) : message;
  }

  private static TrainerEvent note(String type, String message, String failure) {
    boolean worth = message != null || failure != null;
    return new TrainerEvent(type, false, failure, null, null, null, message != null ? message : failure, worth,
        List.of());
  }

  private static TrainerEvent status(JsonObject event, String message) {
    JsonObject data = obj(field(event, "data"));
    String status = lower(str(field(event, "status")));
    if (status == null) {
      status = lower(str(field(data, "status")));
    }
    JsonObject progress = obj(field(event, "progress"));
    JsonObject metrics = obj(field(progress, "metrics"));
    Long current = whole(field(progress, "current"));
    String label = str(field(progress, "label"));
    // Per-step status events carry no label (trainer.py:7401): they are training.
    ProgressReading reading = new ProgressReading(label != null ? label : current != null ? TRAINING : null, current,
        whole(field(progress, "total")), num(field(progress, "percent")), num(field(progress, "eta_seconds")),
        num(field(metrics, "loss")), firstNum(field(metrics, "learning_rate"), field(metrics, "lr")),
        num(field(metrics, "epoch")));
    String failure = null;
    String own = str(field(event, "message"));
    if (status != null && FAILED.contains(status)) {
      // trainer.py:8572 sends {"status": "training_failed", "error": ...}; train.py:337 a bare "failed".
      String error = str(field(event, "error"));
      failure = error != null ? "The trainer failed to start: " + truncate(error)
          : own != null ? truncate(own) : "The trainer reported that training failed.";
    } else if ("interrupted".equals(status)) {
      failure = "The trainer was interrupted before training finished.";
    }
    boolean running = status != null && RUNNING.contains(status) || current != null;
    return new TrainerEvent("training.status", running, failure, reading.isEmpty() ? null : reading, null, null,
        failure != null ? failure : message, failure != null, List.of());
  }

  private static TrainerEvent stage(JsonObject event, String message) {
    JsonObject stage = obj(field(event, "stage"));
    String key = str(field(stage, "key"));
    String label = firstText(field(stage, "label"), field(stage, "key"));
    String status = lower(str(field(stage, "status")));
    boolean failed = status != null && FAILED.contains(status);
    boolean done = "training_complete".equals(key) && "completed".equals(status);
    ProgressReading reading = label == null ? null : new ProgressReading(done ? COMPLETE_STAGE : label, null,
        null, done ? 100.0 : null, done ? 0.0 : null, null, null, null);
    return new TrainerEvent("lifecycle.stage", status != null && !failed, failed ? firstText(message, label + " failed")
        : null, reading, key != null ? key : label, status, message != null ? message : label, true, List.of());
  }

  /** "title: message" (train.py:327-329 sends "Training failed: RuntimeError" and the exception text). */
  private static String failureOf(JsonObject event, String fallback) {
    String title = str(field(event, "title"));
    String message = str(field(event, "message"));
    if (message == null) {
      return title != null ? truncate(title) : fallback;
    }
    if (title == null || message.startsWith(title) || title.equals(message.lines().findFirst().orElse(""))) {
      return truncate(message);
    }
    return truncate(title + ": " + message);
  }

  private static String severity(JsonObject event) {
    return lower(str(field(event, "severity")));
  }

  /** A member as stored: {@code getValue} would wrap it again, for every field of every step. */
  private static Object field(JsonObject object, String name) {
    return object.getMap().get(name);
  }

  @SuppressWarnings("unchecked")
  private static JsonObject obj(Object value) {
    return value instanceof JsonObject o ? o : value instanceof Map<?, ?> m ? new JsonObject((Map<String, Object>) m)
        : new JsonObject();
  }

  private static String str(Object value) {
    return value instanceof String s && !s.isBlank() ? s.strip() : null;
  }

  private static String lower(String s) {
    return s == null ? null : s.toLowerCase(Locale.ROOT);
  }

  private static String firstText(Object a, Object b) {
    String s = str(a);
    return s != null ? truncate(s) : str(b) == null ? null : truncate(str(b));
  }

  private static String truncate(String s) {
    return s.length() <= MAX_TEXT ? s : s.substring(0, MAX_TEXT);
  }

  private static Double num(Object value) {
    if (value instanceof Number n) {
      return n.doubleValue();
    }
    if (value instanceof String s) {
      try {
        return Double.parseDouble(s.strip());
      } catch (NumberFormatException e) {
        return null;
      }
    }
    return null;
  }

  private static Double firstNum(Object a, Object b) {
    Double n = num(a);
    return n != null ? n : num(b);
  }

  private static Long whole(Object value) {
    Double d = num(value);
    return d == null || d < 0 || d > 1e15 ? null : (long) Math.floor(d);
  }
}
