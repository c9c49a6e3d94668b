package dev.simpletuner.cloud.server.notify;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simpletuner.cloud.server.store.EventStore;
import io.vertx.core.json.JsonObject;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Which timeline entries are which events (the entries' shapes as JobEvents, SubmitHandler and DeliveryVerticle write them). */
class EventTypeTest {

  private static Optional<EventType> of(String type, JsonObject data) {
    return EventType.of(new EventStore.Event(1, "j", 0, type, data));
  }

  @Test
  void timelineEntriesAreTheEventsTheyRecord() {
    assertThat(of("submitted", new JsonObject().put("provider", "local"))).contains(EventType.JOB_SUBMITTED);
    assertThat(of("status", new JsonObject().put("status", "queued"))).contains(EventType.JOB_QUEUED);
    assertThat(of("status", new JsonObject().put("status", "running"))).contains(EventType.JOB_STARTED);
    assertThat(of("status", new JsonObject().put("status", "failed"))).contains(EventType.JOB_FAILED);
    assertThat(of("status", new JsonObject().put("status", "cancelled"))).contains(EventType.JOB_CANCELLED);
    assertThat(of("status", new JsonObject().put("status", "uploading"))).isEmpty();
    assertThat(of("approval", new JsonObject().put("decision", "requested"))).contains(EventType.APPROVAL_REQUIRED);
    assertThat(of("approval", new JsonObject().put("decision", "approved"))).contains(EventType.APPROVAL_GRANTED);
    assertThat(of("approval", new JsonObject().put("decision", "rejected"))).contains(EventType.APPROVAL_REJECTED);
    assertThat(of("approval", new JsonObject().put("decision", "expired"))).contains(EventType.APPROVAL_EXPIRED);
    assertThat(of("delivery", new JsonObject().put("status", "failed"))).contains(EventType.DELIVERY_FAILED);
    assertThat(of("delivery", new JsonObject().put("status", "delivered"))).isEmpty();
    assertThat(of("checkpoint", new JsonObject())).isEmpty();
    assertThat(EventType.Severity.WARNING.compareTo(EventType.Severity.INFO)).isPositive();
  }
}
