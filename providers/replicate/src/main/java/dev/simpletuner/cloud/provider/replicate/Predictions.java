package dev.simpletuner.cloud.provider.replicate;

import dev.simpletuner.cloud.spi.ProviderJobStatus;
import dev.simpletuner.cloud.spi.ProviderStatus;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;

/** Reads Replicate prediction objects into the host's terms. */
final class Predictions {
  private Predictions() {
  }

  static ProviderStatus status(String replicate) {
    return switch (replicate == null ? "" : replicate) {
      case "starting" -> ProviderStatus.QUEUED;
      case "processing" -> ProviderStatus.RUNNING;
      case "succeeded" -> ProviderStatus.SUCCEEDED;
      case "canceled", "cancelled" -> ProviderStatus.CANCELLED;
      case "failed", "aborted" -> ProviderStatus.FAILED;
      default -> ProviderStatus.QUEUED;
    };
  }

  static ProviderJobStatus toStatus(JsonObject p) {
    String replicate = p.getString("status");
    ProviderStatus status = status(replicate);
    String error = null;
    if (status == ProviderStatus.FAILED) {
      Object e = p.getValue("error");
      error = "aborted".equals(replicate) ? "Replicate aborted the job before it started (deadline exceeded)."
          : e == null ? "Replicate reports the job failed." : "Replicate: " + e;
    }
    JsonObject metrics = p.getValue("metrics") instanceof JsonObject m ? m : new JsonObject();
    Double predictTime = metrics.getValue("predict_time") instanceof Number n ? n.doubleValue() : null;
    return new ProviderJobStatus(p.getString("id"), status, error, time(p.getValue("started_at")),
        time(p.getValue("completed_at")), predictTime, output(p.getValue("output")),
        p.getValue("logs") instanceof String logs ? logs : null);
  }

  /**
   * Where the model is, when the output says so with a URL: SimpleTuner's model returns the URL it
   * published to (s3 or the Hub), or else a sentence naming a folder in a container that is gone
   * (predict.py), which is not kept.
   */
  static String output(Object output) {
    Object value = output instanceof JsonObject o ? o.getValue("weights", o.getValue("url")) : output;
    return value instanceof String s && s.strip().matches("(?i)(https?|s3)://\\S+") ? s.strip() : null;
  }

  static Instant time(Object value) {
    if (!(value instanceof String s) || s.isBlank()) {
      return null;
    }
    try {
      return OffsetDateTime.parse(s).toInstant();
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
