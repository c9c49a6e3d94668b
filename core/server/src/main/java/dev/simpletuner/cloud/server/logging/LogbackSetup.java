package dev.simpletuner.cloud.server.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * The server's logging: one console line per event, at {@code SIMPLETUNER_LOG_LEVEL} (default INFO),
 * Netty and Vert.x at WARN. Set in code because logback's XML configuration costs a third of a
 * second of every start-up; {@code -Dlogback.configurationFile=...} (see {@code conf/logback.xml})
 * still replaces it. Registered through {@code META-INF/services/ch.qos.logback.classic.spi.Configurator}.
 */
public final class LogbackSetup extends ContextAwareBase implements Configurator {
  /** A message is one line whatever it carries (LogSafe escapes at the call sites; this is the net). */
  static final String PATTERN = "%d{HH:mm:ss.SSS} %-5level %logger{24} - %replace(%msg){'[\\r\\n]', '\\\\n'}%n";

  @Override
  public ExecutionStatus configure(LoggerContext context) {
    if (System.getProperty("logback.configurationFile") != null) {
      return ExecutionStatus.INVOKE_NEXT_IF_ANY;
    }
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern(PATTERN);
    encoder.start();
    ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
    console.setContext(context);
    console.setName("CONSOLE");
    console.setEncoder(encoder);
    console.start();
    Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    root.setLevel(Level.toLevel(System.getenv("SIMPLETUNER_LOG_LEVEL"), Level.INFO));
    root.addAppender(console);
    context.getLogger("io.netty").setLevel(Level.WARN);
    context.getLogger("io.vertx").setLevel(Level.WARN);
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }
}
