package dev.simpletuner.cloud.server.job;

import io.vertx.core.json.JsonObject;
import java.util.Locale;
import java.util.Set;

/**
 * A trainer callback (SPEC.md 4.1) read into what the server acts on. Unknown shapes are kept as
 * plain timeline notes rather than refused: trainers add fields over time.
 *
 * @param type        {@code training.status}, {@code lifecycle.stage}, ...
 * @param running     the trainer says it is working (moves a queued job to running)
 * @param failureHint the trainer reports a failure (recorded; the provider's outcome decides the status)
 * @param progress    progress observed, or null
 * @param message     human text, or null
 * @param timeline    worth an entry on the job's timeline (stages, checkpoints, notes, errors)
 */
public record TrainerEvent(String type, boolean running, String failureHint, ProgressReading progress, String message,
                           boolean timeline) {

  private static final Set<String> RUNNING = Set.of("running", "training", "started", "start", "in_progress",
      "processing", "resumed");
  private static final Set<String> FAILED = Set.of("failed", "failure", "error", "errored");

  public static TrainerEvent parse(JsonObject event) {
    String type = str(event.getValue("type"));
    type = type == null ? "notification" : type;
    String message = firstText(event.getValue("message"), event.getValue("title"));
    return switch (type) {
      case "training.status" -> status(event, message);
      case "lifecycle.stage" -> stage(event, message);
      case "error" -> new TrainerEvent(type, false, message == null ? "The trainer reported an error." : message, null,
          message, true);
      default -> new TrainerEvent(type, false, null, null, message, true);
    };
  }

  private static TrainerEvent status(JsonObject event, String message) {
    JsonObject data = obj(event.getValue("data"));
    String status = lower(str(data.getValue("status")));
    JsonObject progress = obj(event.getValue("progress"));
    JsonObject metrics = obj(progress.getValue("metrics"));
    ProgressReading reading = new ProgressReading(str(progress.getValue("label")), whole(progress.getValue("current")),
        whole(progress.getValue("total")), num(progress.getValue("percent")), num(progress.getValue("eta_seconds")),
        num(metrics.getValue("loss")), firstNum(metrics.getValue("learning_rate"), metrics.getValue("lr")),
        num(metrics.getValue("epoch")));
    boolean failed = status != null && FAILED.contains(status);
    return new TrainerEvent("training.status", status != null && RUNNING.contains(status) || reading.current() != null,
        failed ? (message == null ? "The trainer reported status " + status + "." : message) : null,
        reading.isEmpty() ? null : reading, message, failed);
  }

  private static TrainerEvent stage(JsonObject event, String message) {
    JsonObject stage = obj(event.getValue("stage"));
    String label = firstText(stage.getValue("label"), stage.getValue("key"));
    String status = lower(str(stage.getValue("status")));
    JsonObject p = obj(stage.getValue("progress"));
    ProgressReading reading = new ProgressReading(label, null, null, num(p.getValue("percent")), null, null, null,
        null);
    boolean failed = status != null && FAILED.contains(status);
    return new TrainerEvent("lifecycle.stage", status != null && !failed, failed ? firstText(message, label) : null,
        reading.isEmpty() ? null : reading, message != null ? message : label, true);
  }

  private static JsonObject obj(Object value) {
    return value instanceof JsonObject o ? o : new JsonObject();
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
    return s.length() <= 2000 ? s : s.substring(0, 2000);
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
