package dev.simpletuner.cloud.server.settings;

import dev.simpletuner.cloud.server.error.AppException;
import dev.simpletuner.cloud.spi.SettingSpec;
import java.util.List;
import java.util.Locale;

/** Checks and normalises setting values; every refusal names the field. */
final class SettingValues {
  private SettingValues() {
  }

  static String check(SettingSpec spec, Object value) {
    if (value == null || value instanceof String s && s.isBlank()) {
      return null;
    }
    String name = spec.name();
    return switch (spec.type()) {
      case STRING -> {
        if (!(value instanceof String s)) {
          throw AppException.invalid(name, name + " must be a string.");
        }
        if (s.length() > 4096) {
          throw AppException.invalid(name, name + " is too long.");
        }
        if (!spec.choices().isEmpty()) {
          yield oneOf(name, s, spec.choices());
        }
        yield s.strip();
      }
      case INTEGER -> {
        if (value instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) {
          yield String.valueOf(n.longValue());
        }
        if (value instanceof String s && s.strip().matches("-?\\d{1,15}")) {
          yield s.strip();
        }
        throw AppException.invalid(name, name + " must be a whole number.");
      }
      case NUMBER -> nonNegativeOrAny(name, value, false);
      case BOOLEAN -> bool(name, value);
      case URL -> url(name, value);
    };
  }

  static String url(String name, Object value) {
    String s = String.valueOf(value).strip();
    if (!s.matches("(?i)https?://[^\\s/?#]+([/?#]\\S*)?")) {
      throw AppException.invalid(name, "Invalid URL for " + name + ": use http(s)://host[:port][/path].");
    }
    return s;
  }

  static String bool(String name, Object value) {
    if (value instanceof Boolean b) {
      return String.valueOf(b);
    }
    if (value instanceof String s && List.of("true", "false").contains(s.strip().toLowerCase(Locale.ROOT))) {
      return s.strip().toLowerCase(Locale.ROOT);
    }
    throw AppException.invalid(name, name + " must be true or false.");
  }

  static String nonNegative(String name, Object value) {
    return nonNegativeOrAny(name, value, true);
  }

  private static String nonNegativeOrAny(String name, Object value, boolean nonNegative) {
    double d;
    try {
      d = value instanceof Number n ? n.doubleValue() : Double.parseDouble(String.valueOf(value).strip());
    } catch (NumberFormatException e) {
      throw AppException.invalid(name, name + " must be a number.");
    }
    if (!Double.isFinite(d) || nonNegative && d < 0) {
      throw AppException.invalid(name, name + " must be a number" + (nonNegative ? " of 0 or more." : "."));
    }
    return String.valueOf(d);
  }

  static String oneOf(String name, Object value, List<String> allowed) {
    String s = String.valueOf(value).strip().toLowerCase(Locale.ROOT);
    if (!allowed.contains(s)) {
      throw AppException.invalid(name, name + " must be one of: " + String.join(", ", allowed) + ".");
    }
    return s;
  }

  /** Shows that a secret is set, and which one, without revealing it. */
  static String mask(String secret) {
    if (secret == null || secret.isEmpty()) {
      return null;
    }
    return secret.length() <= 8 ? "****" : "****" + secret.substring(secret.length() - 4);
  }
}
