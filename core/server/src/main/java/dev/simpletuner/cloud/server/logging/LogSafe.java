package dev.simpletuner.cloud.server.logging;

/**
 * A user-controlled string made safe for one log line: CR, LF and every other control character
 * (and the Unicode line and paragraph separators) become visible escapes, so a key, path, header or
 * name sent by a client cannot start a forged line or hide text from a reader of the log. Long
 * values are cut, said so.
 */
public final class LogSafe {
  private static final int MAX = 512;

  private LogSafe() {
  }

  public static String of(Object value) {
    if (value == null) {
      return "null";
    }
    String s = value.toString();
    StringBuilder b = null;
    int end = Math.min(s.length(), MAX);
    for (int i = 0; i < end; i++) {
      char c = s.charAt(i);
      String escape = escape(c);
      if (escape != null && b == null) {
        b = new StringBuilder(s.length() + 16).append(s, 0, i);
      }
      if (b != null) {
        if (escape != null) {
          b.append(escape);
        } else {
          b.append(c);
        }
      }
    }
    String out = b == null ? s.substring(0, end) : b.toString();
    return s.length() > MAX ? out + "...(" + s.length() + " chars)" : out;
  }

  private static String escape(char c) {
    return switch (c) {
      case '\n' -> "\\n";
      case '\r' -> "\\r";
      case '\t' -> "\\t";
      case '\\' -> "\\\\";
      default -> c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == '\u2028' || c == '\u2029'
          ? String.format("\\u%04x", (int) c) : null;
    };
  }
}
