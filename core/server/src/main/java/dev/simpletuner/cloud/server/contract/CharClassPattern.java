package dev.simpletuner.cloud.server.contract;

import java.util.function.Predicate;

/**
 * The patterns most parameters have, {@code ^[A-Za-z0-9_.-]+$} and the like (one class of ASCII
 * characters and ranges, then {@code +}, {@code *} or {@code {m,n}}), tested with a table instead
 * of a regex on every request. {@code $} is the end of the value, as in the contract's ECMAScript
 * patterns (Java's would also let a final line break through).
 */
final class CharClassPattern {
  private CharClassPattern() {
  }

  /** The test, or null when the pattern is not of this form. */
  static Predicate<String> of(String pattern) {
    if (!pattern.startsWith("^[") || !pattern.endsWith("$")) {
      return null;
    }
    boolean[] allowed = new boolean[128];
    int i = 2;
    int end = pattern.indexOf(']', i);
    if (end <= i || pattern.charAt(i) == '^') {
      return null;
    }
    while (i < end) {
      char c = pattern.charAt(i);
      if (c == '\\') {
        if (i + 1 >= end || Character.isLetterOrDigit(pattern.charAt(i + 1))) {
          return null; // \d, \s, \w...: left to the regex
        }
        c = pattern.charAt(++i);
      } else if (c == '[' || c == '&' || c > 127) {
        return null;
      }
      if (i + 2 < end && pattern.charAt(i + 1) == '-') {
        char last = pattern.charAt(i + 2);
        if (last == '\\') {
          return null;
        }
        if (last < c || last > 127) {
          return null;
        }
        for (char x = c; x <= last; x++) {
          allowed[x] = true;
        }
        i += 3;
      } else {
        allowed[c] = true;
        i++;
      }
    }
    String quantifier = pattern.substring(end + 1, pattern.length() - 1);
    int min;
    int max;
    if (quantifier.equals("+")) {
      min = 1;
      max = Integer.MAX_VALUE;
    } else if (quantifier.equals("*")) {
      min = 0;
      max = Integer.MAX_VALUE;
    } else if (quantifier.matches("\\{\\d{1,4},\\d{1,4}}")) {
      int comma = quantifier.indexOf(',');
      min = Integer.parseInt(quantifier.substring(1, comma));
      max = Integer.parseInt(quantifier.substring(comma + 1, quantifier.length() - 1));
    } else {
      return null;
    }
    return s -> {
      if (s.length() < min || s.length() > max) {
        return false;
      }
      for (int k = 0; k < s.length(); k++) {
        char c = s.charAt(k);
        if (c > 127 || !allowed[c]) {
          return false;
        }
      }
      return true;
    };
  }
}
