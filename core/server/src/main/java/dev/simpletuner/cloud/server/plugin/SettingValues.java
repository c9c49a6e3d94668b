package dev.simpletuner.cloud.server.plugin;

import dev.simpletuner.cloud.spi.SettingSpec;
import java.util.List;
import java.util.Locale;

/**
 * Checks and normalises setting values, the same way for every layer (config file, environment,
 * saved through the API). A refusal says what was expected; the caller names where the value came
 * from (a config key, an environment variable, a request field).
 */
public final class SettingValues {
  private SettingValues() {
  }

  /** A value that does not fit its setting; the message reads {@code expected an integer, got "two"}. */
  public static final class Invalid extends IllegalArgumentException {
    Invalid(String expected, Object got, boolean secret) {
      // A secret's value is never repeated back: it may be a real token with a typo.
      super("expected " + expected + (secret ? "" : ", got " + shown(got)));
    }

    private static String shown(Object got) {
      String s = String.valueOf(got);
      s = s.length() > 60 ? s.substring(0, 57) + "..." : s;
      return got instanceof String ? "\"" + s + "\"" : s;
    }
  }

  /** The value to keep for {@code spec}, normalised; null when blank (unset). */
  public static String check(SettingSpec spec, Object value) {
    if (value == null || value instanceof String s && s.isBlank()) {
      return null;
    }
    boolean secret = spec.secret();
    return switch (spec.type()) {
      case STRING -> {
        if (!(value instanceof String s)) {
          throw new Invalid("a string", value, secret);
        }
        if (s.length() > 4096) {
          throw new Invalid("at most 4096 characters", s.length() + " characters", true);
        }
        yield spec.choices().isEmpty() ? s.strip() : oneOf(s, spec.choices());
      }
      case INTEGER -> {
        if (value instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) {
          yield String.valueOf(n.longValue());
        }
        if (value instanceof String s && s.strip().matches("-?\\d{1,15}")) {
          yield s.strip();
        }
        throw new Invalid("an integer", value, secret);
      }
      case NUMBER -> number(value, false);
      case BOOLEAN -> bool(value);
      case URL -> url(value);
    };
  }

  public static String url(Object value) {
    String s = String.valueOf(value).strip();
    if (!s.matches("(?i)https?://[^\\s/?#]+([/?#]\\S*)?")) {
      throw new Invalid("a URL (http(s)://host[:port][/path])", value, false);
    }
    return s;
  }

  public static String bool(Object value) {
    if (value instanceof Boolean b) {
      return String.valueOf(b);
    }
    if (value instanceof String s && List.of("true", "false").contains(s.strip().toLowerCase(Locale.ROOT))) {
      return s.strip().toLowerCase(Locale.ROOT);
    }
    throw new Invalid("true or false", value, false);
  }

  public static String number(Object value, boolean nonNegative) {
    String expected = nonNegative ? "a number of 0 or more" : "a number";
    double d;
    try {
      d = value instanceof Number n ? n.doubleValue() : Double.parseDouble(String.valueOf(value).strip());
    } catch (NumberFormatException e) {
      throw new Invalid(expected, value, false);
    }
    if (!Double.isFinite(d) || nonNegative && d < 0) {
      throw new Invalid(expected, value, false);
    }
    return String.valueOf(d);
  }

  public static String oneOf(Object value, List<String> allowed) {
    String s = String.valueOf(value).strip().toLowerCase(Locale.ROOT);
    if (!allowed.contains(s)) {
      throw new Invalid("one of " + String.join(", ", allowed), value, false);
    }
    return s;
  }

  /** Shows that a secret is set, and which one, without revealing it. */
  public static String mask(String secret) {
    if (secret == null || secret.isEmpty()) {
      return null;
    }
    return secret.length() <= 8 ? "****" : "****" + secret.substring(secret.length() - 4);
  }
}
