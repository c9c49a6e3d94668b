package dev.simpletuner.cloud.server.contract;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import io.vertx.json.schema.Draft;
import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.JsonSchemaOptions;
import io.vertx.json.schema.OutputFormat;
import io.vertx.json.schema.Validator;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/** The fast parameter check never accepts what the JSON Schema validator refuses. */
class ScalarCheckTest {
  private static final List<String> SCHEMAS = List.of(
      "{\"type\": \"string\", \"minLength\": 1, \"maxLength\": 128, \"pattern\": \"^[A-Za-z0-9_.-]+$\"}",
      "{\"type\": \"string\", \"pattern\": \"^[a-z0-9_-]{1,40}$\"}",
      "{\"type\": \"string\", \"enum\": [\"pending\", \"running\"]}",
      "{\"type\": \"integer\", \"minimum\": 1, \"maximum\": 500, \"default\": 50}",
      "{\"type\": \"number\", \"minimum\": 0.5}",
      "{\"type\": \"boolean\", \"description\": \"a flag\"}",
      "{\"type\": \"string\", \"maxLength\": 3}");
  private static final List<Object> VALUES = List.of("", "a", "abc", "abcd", "job-1.x", "job 1", "ÄÖÜ", "😀😀😀",
      "pending", "Pending", "x".repeat(129), 0L, 1L, 50L, 500L, 501L, -3L, 0.25, 0.5, 7.0, true, false);

  @Test
  void acceptsOnlyWhatTheValidatorAccepts() {
    int accepted = 0;
    for (String text : SCHEMAS) {
      JsonSchema schema = JsonSchema.of(new JsonObject(text));
      Predicate<Object> fast = ScalarCheck.of(schema);
      assertThat(fast).as("a fast check for %s", text).isNotNull();
      Validator full = Validator.create(schema, new JsonSchemaOptions().setDraft(Draft.DRAFT202012)
          .setBaseUri("app:///").setOutputFormat(OutputFormat.Basic));
      for (Object value : VALUES) {
        boolean valid = full.validate(value).getValid();
        if (fast.test(value)) {
          accepted++;
          assertThat(valid).as("%s accepted by the fast check of %s", value, text).isTrue();
        }
      }
    }
    assertThat(accepted).isGreaterThan(20);
  }

  @Test
  void schemasWithOtherKeywordsAreLeftToTheValidator() {
    assertThat(ScalarCheck.of(JsonSchema.of(new JsonObject("{\"type\": \"string\", \"format\": \"uuid\"}")))).isNull();
    assertThat(ScalarCheck.of(JsonSchema.of(new JsonObject("{\"type\": [\"string\", \"null\"]}")))).isNull();
    assertThat(ScalarCheck.of(JsonSchema.of(new JsonObject("{\"type\": \"integer\", \"enum\": [1, 2]}")))).isNull();
    assertThat(ScalarCheck.of(JsonSchema.of(new JsonObject("{\"$ref\": \"#/components/schemas/X\"}")))).isNull();
  }
}
