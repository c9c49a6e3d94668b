package dev.simpletuner.cloud.server.plugin;

import java.text.MessageFormat;
import java.util.ResourceBundle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Lets plugins log through the JDK's {@link System.Logger} into the server's SLF4J logging. */
final class Slf4jSystemLogger implements System.Logger {
  private final Logger log;

  Slf4jSystemLogger(String name) {
    this.log = LoggerFactory.getLogger(name);
  }

  @Override
  public String getName() {
    return log.getName();
  }

  @Override
  public boolean isLoggable(Level level) {
    return switch (level) {
      case ALL, TRACE -> log.isTraceEnabled();
      case DEBUG -> log.isDebugEnabled();
      case INFO -> log.isInfoEnabled();
      case WARNING -> log.isWarnEnabled();
      case ERROR -> log.isErrorEnabled();
      case OFF -> false;
    };
  }

  @Override
  public void log(Level level, ResourceBundle bundle, String msg, Throwable thrown) {
    emit(level, msg, thrown);
  }

  @Override
  public void log(Level level, ResourceBundle bundle, String format, Object... params) {
    if (isLoggable(level)) {
      emit(level, params == null || params.length == 0 ? format : MessageFormat.format(format, params), null);
    }
  }

  private void emit(Level level, String msg, Throwable thrown) {
    switch (level) {
      case ALL, TRACE -> log.trace(msg, thrown);
      case DEBUG -> log.debug(msg, thrown);
      case INFO -> log.info(msg, thrown);
      case WARNING -> log.warn(msg, thrown);
      case ERROR -> log.error(msg, thrown);
      case OFF -> {
      }
    }
  }
}
