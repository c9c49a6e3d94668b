package dev.simpletuner.cloud.provider.local;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Remembers the trainer's output line that best says why it stopped: the last error line (a
 * Python exception's {@code RuntimeError: ...}, an {@code ERROR} log record), else the last line
 * that is not a progress bar. A tqdm bar is never the answer.
 */
final class ConsoleExcerpt {
  private static final int MAX = 300;
  private static final Pattern BAR = Pattern.compile("\\d{1,3}%\\|.*\\|\\s*\\d+/\\d+");
  /** A Python exception line ({@code RuntimeError: ...}), or a log record at ERROR or CRITICAL. */
  private static final Pattern ERROR = Pattern.compile("^(?:[A-Za-z_][\\w.]*(?:Error|Exception|Interrupt)\\b.*"
      + "|.*\\[(?:ERROR|CRITICAL)\\].*|.*\\b(?:ERROR|CRITICAL)\\s*[:-].*)$");

  private String lastLine;
  private String lastError;

  void read(List<String> lines) {
    for (String line : lines) {
      String s = line.strip();
      if (s.isEmpty() || BAR.matcher(s).find()) {
        continue;
      }
      lastLine = s;
      if (ERROR.matcher(s).matches()) {
        lastError = s;
      }
    }
  }

  /** The line to quote, shortened; null when the trainer printed nothing useful. */
  String best() {
    String line = lastError != null ? lastError : lastLine;
    if (line == null) {
      return null;
    }
    return line.length() <= MAX ? line : line.substring(0, MAX - 3) + "...";
  }
}
