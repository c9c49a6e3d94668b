package dev.simpletuner.cloud.server.notify;

import dev.simpletuner.cloud.server.store.EventStore;
import io.vertx.core.json.JsonObject;
import java.util.Optional;

/**
 * The events a user can be told about, named as the reference names them (its
 * {@code notification/protocols.py}), and which timeline entry each one comes from. The
 * {@code system.*} ones come from the server's own events instead (see {@link SystemEvents}).
 */
public enum EventType {
  JOB_SUBMITTED("job.submitted", "Job submitted", "A job was accepted.", "Jobs", Severity.INFO),
  JOB_QUEUED("job.queued", "Job queued", "A job waits for its turn at the provider or worker.", "Jobs", Severity.INFO),
  JOB_STARTED("job.started", "Job started", "A job began training.", "Jobs", Severity.INFO),
  JOB_COMPLETED("job.completed", "Job completed", "A job finished training.", "Jobs", Severity.INFO),
  JOB_FAILED("job.failed", "Job failed", "A job stopped with an error.", "Jobs", Severity.ERROR),
  JOB_CANCELLED("job.cancelled", "Job cancelled", "A job was cancelled.", "Jobs", Severity.WARNING),
  DELIVERY_FAILED("delivery.failed", "Delivery failed", "A finished job's model could not be delivered.", "Jobs",
      Severity.ERROR),
  COST_WARNING("cost.warning", "Cost limit warning", "Spending reached 80% of a provider's cost limit.", "Cost",
      Severity.WARNING),
  COST_EXCEEDED("cost.exceeded", "Cost limit exceeded", "Spending reached a provider's cost limit.", "Cost",
      Severity.ERROR),
  APPROVAL_REQUIRED("approval.required", "Approval required", "A job waits for a reviewer's approval.", "Approvals",
      Severity.WARNING),
  APPROVAL_GRANTED("approval.granted", "Approval granted", "A reviewer approved a job.", "Approvals", Severity.INFO),
  APPROVAL_REJECTED("approval.rejected", "Approval rejected", "A reviewer rejected a job.", "Approvals",
      Severity.WARNING),
  APPROVAL_EXPIRED("approval.expired", "Approval expired", "Nobody decided on a job in time.", "Approvals",
      Severity.WARNING),
  /** Not from a job's timeline: from the server's own events ({@code store.ServerEventStore}). */
  WORKER_OFFLINE("system.worker_offline", "Worker offline", "A self-hosted worker stopped sending heartbeats.",
      "System", Severity.WARNING),
  AUDIT_CHAIN_BROKEN("system.audit_chain_broken", "Audit chain verification failed",
      "Verifying the audit trail found an entry changed or removed.", "System", Severity.CRITICAL);

  private final String id;
  private final String title;
  private final String description;
  private final String category;
  private final Severity severity;

  EventType(String id, String title, String description, String category, Severity severity) {
    this.id = id;
    this.title = title;
    this.description = description;
    this.category = category;
    this.severity = severity;
  }

  public String id() {
    return id;
  }

  public String title() {
    return title;
  }

  public Severity severity() {
    return severity;
  }

  public JsonObject toJson() {
    return new JsonObject().put("id", id).put("name", title).put("description", description).put("category", category)
        .put("severity", severity.wireName());
  }

  public static Optional<EventType> parse(String id) {
    for (EventType t : values()) {
      if (t.id.equals(id)) {
        return Optional.of(t);
      }
    }
    return Optional.empty();
  }

  /** The event a timeline entry is, if any (cost events come with a job's end; see the router). */
  public static Optional<EventType> of(EventStore.Event entry) {
    JsonObject data = entry.data();
    return Optional.ofNullable(switch (entry.type()) {
      case "submitted" -> JOB_SUBMITTED;
      case "status" -> switch (String.valueOf(data.getValue("status"))) {
        case "queued" -> JOB_QUEUED;
        case "running" -> JOB_STARTED;
        case "completed" -> JOB_COMPLETED;
        case "failed" -> JOB_FAILED;
        case "cancelled" -> JOB_CANCELLED;
        default -> null;
      };
      case "approval" -> switch (String.valueOf(data.getValue("decision"))) {
        case "requested" -> APPROVAL_REQUIRED;
        case "approved" -> APPROVAL_GRANTED;
        case "rejected" -> APPROVAL_REJECTED;
        case "expired" -> APPROVAL_EXPIRED;
        default -> null;
      };
      case "delivery" -> "failed".equals(data.getString("status")) ? DELIVERY_FAILED : null;
      default -> null;
    });
  }

  /** How much an event matters; a preference's {@code min_severity} drops the ones below it. */
  public enum Severity {
    INFO, WARNING, ERROR, CRITICAL;

    public String wireName() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }

    public static Severity parse(String value) {
      for (Severity s : values()) {
        if (s.wireName().equals(value)) {
          return s;
        }
      }
      return null;
    }
  }
}
