package dev.simpletuner.cloud.server.job;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads progress from trainer output such as {@code step 120/1000 loss=0.0831 lr=1e-4}. */
public final class LogProgressParser {
  private static final String NUMBER = "([-+]?(?:\\d+\\.?\\d*|\\.\\d+)(?:[eE][-+]?\\d+)?)";
  private static final Pattern STEP = Pattern.compile("(?i)\\bsteps?\\s*[:=]?\\s*(\\d{1,12})\\s*(?:/|of)\\s*(\\d{1,12})");
  private static final Pattern BAR = Pattern.compile("\\|\\s*(\\d{1,12})/(\\d{1,12})\\s*\\[");
  private static final Pattern LOSS = Pattern.compile("(?i)\\b(?:train_)?loss\\s*[=:]\\s*" + NUMBER);
  private static final Pattern LR = Pattern.compile("(?i)\\b(?:lr|learning_rate)\\s*[=:]\\s*" + NUMBER);
  private static final Pattern EPOCH = Pattern.compile("(?i)\\bepoch\\s*[=:]?\\s*(\\d+(?:\\.\\d+)?)");

  private LogProgressParser() {
  }

  /** The latest progress the lines show, or null when they show none. */
  public static ProgressReading parse(List<String> lines) {
    Long current = null;
    Long total = null;
    Double loss = null;
    Double lr = null;
    Double epoch = null;
    for (String line : lines) {
      if (line.length() > 2000) {
        continue;
      }
      Matcher step = STEP.matcher(line);
      Matcher bar = step.find() ? step : BAR.matcher(line);
      if (bar == step || bar.find()) {
        long c = Long.parseLong(bar.group(1));
        long t = Long.parseLong(bar.group(2));
        if (t > 0 && c <= t) {
          current = c;
          total = t;
        }
      }
      loss = number(LOSS, line, loss);
      lr = number(LR, line, lr);
      epoch = number(EPOCH, line, epoch);
    }
    ProgressReading reading = new ProgressReading(current != null ? "Training" : null, current, total, null, null,
        loss, lr, epoch);
    return reading.isEmpty() ? null : reading;
  }

  private static Double number(Pattern pattern, String line, Double previous) {
    Matcher m = pattern.matcher(line);
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
