package dev.simpletuner.cloud.provider.local;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads complete lines appended to a file since the last call. Blocking: call it on a worker
 * thread. Not thread-safe; one caller at a time.
 */
final class LogTail {
  private static final int MAX_LINE_CHARS = 8192;

  private final Path file;
  private long offset;
  private final StringBuilder partial = new StringBuilder();
  private long linesToSkip;

  /** @param linesToSkip lines already recorded by the host (resuming after a restart) */
  LogTail(Path file, long linesToSkip) {
    this.file = file;
    this.linesToSkip = linesToSkip;
  }

  /** New complete lines; with {@code flush} also the unterminated last line. */
  List<String> read(boolean flush) throws IOException {
    List<String> lines = new ArrayList<>();
    if (Files.exists(file)) {
      try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
        long length = in.length();
        if (length > offset) {
          in.seek(offset);
          byte[] bytes = new byte[(int) Math.min(length - offset, 4 << 20)];
          in.readFully(bytes);
          offset += bytes.length;
          split(new String(bytes, StandardCharsets.UTF_8), lines);
        }
      }
    }
    if (flush && partial.length() > 0) {
      emit(partial.toString(), lines);
      partial.setLength(0);
    }
    return lines;
  }

  /**
   * What the unfinished last line shows now: its newest {@code \r}-separated part (a progress bar
   * redraws itself without a newline), or null when there is none.
   */
  String pending() {
    if (partial.length() == 0) {
      return null;
    }
    int end = partial.length();
    while (end > 0 && partial.charAt(end - 1) == '\r') {
      end--;
    }
    int start = partial.lastIndexOf("\r", end - 1) + 1;
    String segment = partial.substring(start, end).strip();
    return segment.isEmpty() ? null : segment.length() > MAX_LINE_CHARS ? segment.substring(0, MAX_LINE_CHARS)
        : segment;
  }

  private void split(String chunk, List<String> out) {
    int start = 0;
    for (int i = 0; i < chunk.length(); i++) {
      char c = chunk.charAt(i);
      if (c == '\n') {
        partial.append(chunk, start, i);
        emit(partial.toString(), out);
        partial.setLength(0);
        start = i + 1;
      }
    }
    partial.append(chunk, start, chunk.length());
    if (partial.length() > MAX_LINE_CHARS) {
      // A redrawn progress bar: only its newest state matters. A line that is long by itself is
      // logged in pieces.
      int cr = partial.lastIndexOf("\r", partial.length() - 2);
      if (cr > 0) {
        partial.delete(0, cr);
      }
      if (partial.length() > MAX_LINE_CHARS) {
        emit(partial.toString(), out);
        partial.setLength(0);
      }
    }
  }

  private void emit(String line, List<String> out) {
    // Progress bars rewrite one line with \r; the last state is what a reader wants.
    int cr = line.lastIndexOf('\r', line.length() - 2);
    String clean = stripTrailingCr(cr >= 0 ? line.substring(cr + 1) : line);
    if (clean.length() > MAX_LINE_CHARS) {
      clean = clean.substring(0, MAX_LINE_CHARS);
    }
    if (linesToSkip > 0) {
      linesToSkip--;
      return;
    }
    out.add(clean);
  }

  private static String stripTrailingCr(String line) {
    return line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
  }
}
