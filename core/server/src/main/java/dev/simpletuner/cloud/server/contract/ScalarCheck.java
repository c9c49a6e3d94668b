package dev.simpletuner.cloud.server.contract;

import io.vertx.core.json.JsonArray;
import io.vertx.json.schema.JsonSchema;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * A fast acceptance test for the simple schemas parameters have ({@code type}, lengths, a
 * {@code pattern}, bounds, a string {@code enum}). The general JSON Schema validator costs more
 * than the rest of a small GET; it still decides, and words the error, whenever this test does not
 * accept a value, and for every schema with other keywords.
 */
final class ScalarCheck {
  private static final Set<String> UNDERSTOOD = Set.of("type", "minLength", "maxLength", "pattern", "enum",
      "minimum", "maximum", "title", "description", "default", "example", "examples");

  private ScalarCheck() {
  }

  /** A test that accepts only values the schema accepts; null when the schema is not this simple. */
  static Predicate<Object> of(JsonSchema schema) {
    List<Predicate<Object>> rules = new ArrayList<>();
    for (String key : schema.fieldNames()) {
      if (!JsonSchema.EXCLUDE_ANNOTATIONS.test(key)) {
        continue;
      }
      if (!UNDERSTOOD.contains(key)) {
        return null;
      }
    }
    Object type = schema.get("type");
    if (!(type instanceof String name)) {
      return null;
    }
    switch (name) {
      case "string" -> rules.add(v -> v instanceof String);
      case "integer" -> rules.add(v -> v instanceof Long || v instanceof Integer);
      case "number" -> rules.add(v -> v instanceof Number);
      case "boolean" -> rules.add(v -> v instanceof Boolean);
      default -> {
        return null;
      }
    }
    Number minLength = schema.get("minLength");
    if (minLength != null) {
      rules.add(v -> !(v instanceof String s) || s.codePointCount(0, s.length()) >= minLength.longValue());
    }
    Number maxLength = schema.get("maxLength");
    if (maxLength != null) {
      rules.add(v -> !(v instanceof String s) || s.codePointCount(0, s.length()) <= maxLength.longValue());
    }
    String pattern = schema.get("pattern");
    if (pattern != null) {
      Predicate<String> table = CharClassPattern.of(pattern);
      if (table != null) {
        rules.add(v -> !(v instanceof String s) || table.test(s));
      } else {
        Pattern compiled = Pattern.compile(pattern);
        rules.add(v -> !(v instanceof String s) || compiled.matcher(s).find());
      }
    }
    Number minimum = schema.get("minimum");
    if (minimum != null) {
      rules.add(v -> !(v instanceof Number n) || n.doubleValue() >= minimum.doubleValue());
    }
    Number maximum = schema.get("maximum");
    if (maximum != null) {
      rules.add(v -> !(v instanceof Number n) || n.doubleValue() <= maximum.doubleValue());
    }
    Object values = schema.get("enum");
    if (values != null) {
      if (!"string".equals(name) || !(values instanceof JsonArray list)) {
        return null; // numeric enums compare across number types: leave them to the validator
      }
      rules.add(list::contains);
    }
    return v -> {
      for (Predicate<Object> rule : rules) {
        if (!rule.test(v)) {
          return false;
        }
      }
      return true;
    };
  }
}
