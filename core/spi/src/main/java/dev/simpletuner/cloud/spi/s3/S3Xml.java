package dev.simpletuner.cloud.spi.s3;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the few flat elements S3 answers carry. The documents are small and machine-written, so
 * element matching is enough and avoids an XML parser (and its entity-expansion hazards).
 */
public final class S3Xml {
  private S3Xml() {
  }

  /** Text of the first {@code <tag>} (namespaces ignored), unescaped; null when absent. */
  public static String first(String xml, String tag) {
    List<String> all = all(xml, tag);
    return all.isEmpty() ? null : all.get(0);
  }

  /** Texts of every {@code <tag>...</tag>} in document order, unescaped (nested markup kept raw). */
  public static List<String> all(String xml, String tag) {
    List<String> out = new ArrayList<>();
    if (xml == null) {
      return out;
    }
    Matcher m = Pattern.compile("<(?:\\w+:)?" + Pattern.quote(tag) + "(?:\\s[^>]*)?>(.*?)</(?:\\w+:)?"
        + Pattern.quote(tag) + "\\s*>", Pattern.DOTALL).matcher(xml);
    while (m.find()) {
      out.add(unescape(m.group(1).strip()));
    }
    return out;
  }

  /** True when the body's root element is {@code <Error>} (after the declaration and whitespace). */
  public static boolean isError(String xml) {
    if (xml == null) {
      return false;
    }
    String s = xml.strip();
    if (s.startsWith("<?xml")) {
      int end = s.indexOf("?>");
      s = end < 0 ? s : s.substring(end + 2).strip();
    }
    return s.startsWith("<Error>") || s.startsWith("<Error ");
  }

  public static String escape(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }

  public static String unescape(String s) {
    if (s.indexOf('&') < 0) {
      return s;
    }
    return s.replace("&quot;", "\"").replace("&apos;", "'").replace("&lt;", "<").replace("&gt;", ">")
        .replace("&#34;", "\"").replace("&amp;", "&");
  }
}
