package dev.simpletuner.cloud.server.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.LoggingEvent;
import org.junit.jupiter.api.Test;

/** One log line per message: LogSafe at the call sites, and the log pattern as the net behind it. */
class LogSafeTest {
  @Test
  void controlCharactersAndLineBreaksBecomeVisibleEscapes() {
    assertThat(LogSafe.of("a\nb\r\nc\u0000d\u2028e\\f")).isEqualTo("a\\nb\\r\\nc\\u0000d\\u2028e\\\\f");
    assertThat(LogSafe.of("plain/key.bin")).isEqualTo("plain/key.bin");
    assertThat(LogSafe.of(null)).isEqualTo("null");
    assertThat(LogSafe.of("x".repeat(600))).hasSize(512 + "...(600 chars)".length());
  }

  @Test
  void thePatternKeepsAnUnescapedMessageOnOneLine() {
    LoggerContext context = new LoggerContext();
    PatternLayout layout = new PatternLayout();
    layout.setContext(context);
    layout.setPattern(LogbackSetup.PATTERN);
    layout.start();
    LoggingEvent event = new LoggingEvent("test", context.getLogger("test"), Level.INFO,
        "refused {}", null, new Object[] {"/outputs/x\n12:00:00.000 INFO forged\r\nline"});
    String line = layout.doLayout(event);
    assertThat(line).endsWith(System.lineSeparator());
    assertThat(line.substring(0, line.length() - System.lineSeparator().length())).doesNotContain("\n", "\r")
        .contains("x\\n12:00:00.000 INFO forged\\n\\nline");
  }
}
