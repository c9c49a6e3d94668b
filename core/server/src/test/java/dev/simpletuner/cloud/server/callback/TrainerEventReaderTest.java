package dev.simpletuner.cloud.server.callback;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The trainer event reader gives the JSON that Vert.x's own decoding of the same bytes gives. */
class TrainerEventReaderTest {
  @TempDir
  Path tmp;

  private static final List<String> EVENTS = List.of(
      "{\"type\":\"training.status\",\"message\":\"Step 4\",\"job_id\":null,\"progress\":{\"current\":4,"
          + "\"total\":12,\"percent\":33.33,\"eta_seconds\":1.2e1,\"metrics\":{\"loss\":0.181,\"learning_rate\":1E-4,"
          + "\"epoch\":1}},\"data\":{\"state\":{\"global_step\":4,\"done\":false,\"flags\":[true,null,\"x\"]}}}",
      "{\"type\":\"lifecycle.stage\",\"stage\":{\"key\":\"caching\",\"label\":\"Caching \\u00e9 \\\"latents\\\"\","
          + "\"status\":\"running\",\"progress\":{\"current\":9007199254740993,\"total\":123456789012345678901234567890}}}",
      "{\"type\":\"log.message\",\"message\":\"line one\\nline two\",\"severity\":\"info\",\"nested\":[[1,[2,[3]]],{}]}",
      "{}",
      "{\"a\":1,\"a\":2}");

  @Test
  void smallEventsReadAsVertxReadsThem() {
    for (String event : EVENTS) {
      JsonObject read = TrainerEventReader.readPlain(event.getBytes(StandardCharsets.UTF_8));
      assertThat(read).as(event).isEqualTo(new JsonObject(event));
      assertThat(read.encode()).as(event).isEqualTo(new JsonObject(event).encode());
    }
  }

  @Test
  void streamedEventsReadTheSameWithoutTheirImages() throws Exception {
    for (String event : EVENTS) {
      TrainerEventReader.Read read = TrainerEventReader.read(
          new ByteArrayInputStream(event.getBytes(StandardCharsets.UTF_8)), tmp);
      assertThat(read.event()).as(event).isEqualTo(new JsonObject(event));
      assertThat(read.media()).isEmpty();
    }
  }

  @Test
  void anythingButOneJsonObjectIsRefusedWithItsReason() {
    for (String bad : List.of("[]", "\"x\"", "{\"a\":", "{\"a\":tru}", "")) {
      assertThatThrownBy(() -> TrainerEventReader.readPlain(bad.getBytes(StandardCharsets.UTF_8)))
          .as(bad).isInstanceOf(IllegalArgumentException.class);
    }
    String deep = "{\"a\":" + "[".repeat(5000) + "]".repeat(5000) + "}";
    assertThatThrownBy(() -> TrainerEventReader.readPlain(deep.getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nesting");
  }
}
