package dev.simpletuner.cloud.server.s3;

/** One HTTP byte range ({@code bytes=a-b}, {@code bytes=a-}, {@code bytes=-n}) within a file. */
public record ByteRange(long first, long last) {

  /** Thrown for a range that lies outside the file (HTTP 416). */
  public static final class Unsatisfiable extends RuntimeException {
    Unsatisfiable() {
      super("The requested range is not satisfiable", null, false, false);
    }
  }

  public long length() {
    return last - first + 1;
  }

  /** The range a Range header asks for, or null for the whole file; throws {@link Unsatisfiable}. */
  public static ByteRange parse(String header, long size) {
    if (header == null || !header.strip().startsWith("bytes=")) {
      return null;
    }
    String spec = header.strip().substring("bytes=".length()).strip();
    if (spec.contains(",")) {
      return null; // several ranges: S3 answers with the whole object
    }
    int dash = spec.indexOf('-');
    if (dash < 0) {
      return null;
    }
    try {
      String a = spec.substring(0, dash).strip();
      String b = spec.substring(dash + 1).strip();
      long first;
      long last;
      if (a.isEmpty()) {
        long suffix = Long.parseLong(b);
        if (suffix <= 0) {
          throw unsatisfiable();
        }
        first = Math.max(0, size - suffix);
        last = size - 1;
      } else {
        first = Long.parseLong(a);
        last = b.isEmpty() ? size - 1 : Math.min(Long.parseLong(b), size - 1);
        if (!b.isEmpty() && Long.parseLong(b) < first) {
          return null;
        }
      }
      if (first >= size || size == 0) {
        throw unsatisfiable();
      }
      return new ByteRange(first, last);
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static Unsatisfiable unsatisfiable() {
    return new Unsatisfiable();
  }
}
