package dev.simpletuner.cloud.server.joblog;

import dev.simpletuner.cloud.server.callback.ProgressReading;
import dev.simpletuner.cloud.server.callback.TrainerEvent;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a trainer's console output for what a callback would have said, for trainers whose
 * callbacks never reach us (SimpleTuner on Replicate) or arrive late:
 *
 * <ul>
 *   <li>tqdm bars, redrawn with {@code \r}: {@code Epoch 1/1 Steps:  33%|███▎ | 4/12 [00:01<00:02, 3.20it/s,
 *       lr=0.0001, step_loss=0.181]} (trainer.py:6865, postfix at 7511-7543). The training bar's
 *       description ends in "Steps"; other bars (caching, bucketing) name a stage;
 *   <li>plain {@code step N/M loss=... lr=...} lines of other trainers;
 *   <li>the lines SimpleTuner's Replicate model prints for each event its in-container receiver gets
 *       (simpletuner/cog.py {@code CogWebhookReceiver}): {@code [STAGE] ⏳ label (12.5%): message},
 *       {@code [TRAINING] message}, {@code [CHECKPOINT] label}, {@code [ERROR] title: message} and
 *       {@code [WARN]/[INFO] title: message}. They are turned back into the events they came from.
 * </ul>
 */
public final class ConsoleReader {
  private static final String NUMBER = "([-+]?(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][-+]?\\d+)?)";
  /** {@code desc: pct%|bar| n/total [elapsed<remaining, rate, postfix]} */
  private static final Pattern TQDM = Pattern.compile("^(.*?):?\\s*(\\d{1,3})%\\|[^|]*\\|\\s*(\\d{1,12})/(\\d{1,12})"
      + "\\s*\\[([\\d:]+|\\?)<([\\d:]+|\\?)(?:,\\s*([^\\]]*))?\\]");
  private static final Pattern STEP = Pattern.compile(
      "(?i)\\bsteps?\\s*[:=]?\\s*(\\d{1,12})\\s*(?:/|of)\\s*(\\d{1,12})");
  private static final Pattern LOSS = Pattern.compile("(?i)\\b(?:train_|step_)?loss\\s*[=:]\\s*" + NUMBER);
  private static final Pattern LR = Pattern.compile("(?i)\\b(?:lr|learning_rate)\\s*[=:]\\s*" + NUMBER);
  private static final Pattern EPOCH = Pattern.compile("(?i)\\bepoch\\s*[=:]?\\s*(\\d+(?:\\.\\d+)?)");
  private static final Pattern RECEIVER = Pattern.compile(
      "^\\[(STAGE|TRAINING|CHECKPOINT|ERROR|WARN|INFO)\\]\\s?(.*)$");
  private static final Pattern STAGE = Pattern.compile(
      "^(\\S)\\s+(.+?)(?:\\s+\\((?:[\\d.]+%|\\d+/\\d+)\\))?(?::\\s+(.*))?$");

  private static final int MAX_LINE = 8192;

  private ConsoleReader() {
  }

  /**
   * What some console lines said.
   *
   * @param progress the latest progress they show, or null
   * @param events   events in SimpleTuner's shapes, for the lines the Replicate model's receiver printed
   */
  public record Reading(ProgressReading progress, List<JsonObject> events) {
    static final Reading NONE = new Reading(null, List.of());
  }

  public static Reading read(List<String> lines) {
    Long current = null;
    Long total = null;
    Double loss = null;
    Double lr = null;
    Double epoch = null;
    Double eta = null;
    String stage = null;
    List<JsonObject> events = new ArrayList<>();
    for (String raw : lines) {
      if (raw.length() > 4000) {
        continue;
      }
      String line = lastRedraw(raw).strip();
      Matcher receiver = RECEIVER.matcher(line);
      if (receiver.matches()) {
        JsonObject event = event(receiver.group(1), receiver.group(2).strip());
        if (event != null) {
          events.add(event);
        }
        continue;
      }
      Matcher bar = TQDM.matcher(line);
      if (bar.find()) {
        String desc = bar.group(1).strip();
        long n = Long.parseLong(bar.group(3));
        long t = Long.parseLong(bar.group(4));
        if (!desc.endsWith("Steps")) {
          stage = desc.isEmpty() ? stage : desc;
          continue;
        }
        if (t > 0 && n <= t) {
          current = n;
          total = t;
          stage = TrainerEvent.TRAINING;
          eta = seconds(bar.group(6));
        }
        String postfix = bar.group(7) == null ? "" : bar.group(7);
        loss = number(LOSS, postfix, loss);
        lr = number(LR, postfix, lr);
        continue;
      }
      Matcher step = STEP.matcher(line);
      if (step.find()) {
        long c = Long.parseLong(step.group(1));
        long t = Long.parseLong(step.group(2));
        if (t > 0 && c <= t) {
          current = c;
          total = t;
          stage = TrainerEvent.TRAINING;
        }
        loss = number(LOSS, line, loss);
        lr = number(LR, line, lr);
        epoch = number(EPOCH, line, epoch);
      }
    }
    ProgressReading reading = new ProgressReading(stage, current, total, null, eta, loss, lr, epoch);
    return reading.isEmpty() && events.isEmpty() ? Reading.NONE
        : new Reading(reading.isEmpty() ? null : reading, events);
  }

  /**
   * A line as it reads in the log: a progress bar's last state (it drew over itself with
   * {@code \r}), at most 8192 characters.
   */
  public static String clean(String line) {
    String last = lastRedraw(line);
    return last.length() <= MAX_LINE ? last : last.substring(0, MAX_LINE);
  }

  private static String lastRedraw(String line) {
    int end = line.length();
    while (end > 0 && line.charAt(end - 1) == '\r') {
      end--;
    }
    int cr = line.lastIndexOf('\r', end - 1);
    return cr >= 0 ? line.substring(cr + 1, end) : line.substring(0, end);
  }

  /** The event a line of the Cog receiver stands for (cog.py _handle_* methods print them). */
  private static JsonObject event(String kind, String text) {
    switch (kind) {
      case "STAGE" -> {
        Matcher m = STAGE.matcher(text);
        if (!m.matches()) {
          return null;
        }
        String status = switch (m.group(1)) {
          case "⏳" -> "running";
          case "✓" -> "completed";
          case "✗" -> "failed";
          default -> "unknown";
        };
        String label = m.group(2).strip();
        JsonObject event = new JsonObject().put("type", "lifecycle.stage").put("stage", new JsonObject()
            .put("key", "Training Complete".equals(label) ? "training_complete" : label).put("label", label)
            .put("status", status));
        return m.group(3) == null ? event : event.put("message", m.group(3).strip());
      }
      case "TRAINING" -> {
        if (text.startsWith("Status: ")) {
          return new JsonObject().put("type", "training.status").put("status", text.substring(8).strip());
        }
        if (text.startsWith("Training failed")) {
          return new JsonObject().put("type", "training.status").put("status", "failed").put("message", text);
        }
        return null; // the start-of-training summary and step notes: nothing to act on
      }
      case "CHECKPOINT" -> {
        return new JsonObject().put("type", "training.checkpoint").put("title", text).put("message", text);
      }
      default -> {
        int colon = text.indexOf(": ");
        JsonObject event = new JsonObject().put("type", "notification")
            .put("severity", switch (kind) {
              case "ERROR" -> "error";
              case "WARN" -> "warning";
              default -> "info";
            });
        return colon > 0 ? event.put("title", text.substring(0, colon)).put("message", text.substring(colon + 2))
            : event.put("message", text);
      }
    }
  }

  /** tqdm's {@code mm:ss} or {@code h:mm:ss}; null for {@code ?}. */
  private static Double seconds(String clock) {
    if (clock == null || !clock.contains(":")) {
      return null;
    }
    double total = 0;
    for (String part : clock.split(":")) {
      total = total * 60 + Integer.parseInt(part);
    }
    return total;
  }

  private static Double number(Pattern pattern, String text, Double previous) {
    Matcher m = pattern.matcher(text);
    Double found = previous;
    while (m.find()) {
      try {
        found = Double.parseDouble(m.group(1));
      } catch (NumberFormatException ignored) {
        // keep the previous value
      }
    }
    return found;
  }
}
