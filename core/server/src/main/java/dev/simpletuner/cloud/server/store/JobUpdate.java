package dev.simpletuner.cloud.server.store;

import dev.simpletuner.cloud.server.job.JobStatus;
import io.vertx.core.json.JsonObject;
import dev.simpletuner.cloud.server.job.Job;
import io.vertx.core.json.JsonArray;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** The columns one job update sets. Built by the job lifecycle; applied by {@link JobStore#update}. */
public final class JobUpdate {
  private final Map<String, Object> columns = new LinkedHashMap<>();
  /** The columns {@link #applyTo} knows how to apply. */
  private static final Set<String> APPLIED = Set.of("status", "started_at", "completed_at", "dispatched_at",
      "external_id", "host_id", "hardware_type", "cost_usd", "error_message", "output_url", "progress", "delivery",
      "metadata");
  /** The typed values of status and the JSON columns (see {@link #applyTo}). */
  private final Map<String, Object> typed = new HashMap<>();
  private Claim claim;

  /** The dispatch claim an update is fenced by: the host that claimed the job, and when. */
  record Claim(String hostId, long dispatchedAt) {
  }

  public static JobUpdate create() {
    return new JobUpdate();
  }

  public JobUpdate status(JobStatus status) {
    typed.put("status", status);
    return set("status", status.wireName());
  }

  public JobUpdate startedAt(Long millis) {
    return set("started_at", millis);
  }

  /** Sets started_at only if the job has none yet (a late report keeps the first start time). */
  public JobUpdate startedAtIfUnset(long millis) {
    return set("started_at", new IfUnset(millis));
  }

  /** A value applied with {@code COALESCE(column, value)}. */
  record IfUnset(Object value) {
  }

  public JobUpdate completedAt(Long millis) {
    return set("completed_at", millis);
  }

  public JobUpdate dispatchedAt(Long millis) {
    return set("dispatched_at", millis);
  }

  public JobUpdate externalId(String id) {
    return set("external_id", id);
  }

  public JobUpdate hostId(String id) {
    return set("host_id", id);
  }

  public JobUpdate hardwareType(String type) {
    return set("hardware_type", type);
  }

  public JobUpdate costUsd(Double usd) {
    return set("cost_usd", usd);
  }

  public JobUpdate errorMessage(String message) {
    return set("error_message", message);
  }

  public JobUpdate outputUrl(String url) {
    return set("output_url", url);
  }

  public JobUpdate progress(JsonObject progress) {
    typed.put("progress", progress);
    return set("progress", progress == null ? null : progress.encode());
  }

  public JobUpdate delivery(JsonArray delivery) {
    typed.put("delivery", delivery);
    return set("delivery", delivery.encode());
  }

  public JobUpdate metadata(JsonObject metadata) {
    typed.put("metadata", metadata);
    return set("metadata", metadata.encode());
  }

  /**
   * Applies only while the job is still claimed by {@code hostId} at {@code dispatchedAt}: an
   * instance that was presumed gone (and whose dispatch another instance settled) cannot overwrite
   * what happened since.
   */
  public JobUpdate onlyIfClaimedBy(String hostId, long dispatchedAt) {
    claim = new Claim(hostId, dispatchedAt);
    return this;
  }

  Claim claim() {
    return claim;
  }

  public boolean isEmpty() {
    return columns.isEmpty();
  }

  public boolean setsColumn(String column) {
    return columns.containsKey(column);
  }

  Map<String, Object> columns() {
    return columns;
  }

  private JobUpdate set(String column, Object value) {
    columns.put(column, value);
    return this;
  }

  /**
   * The job as this update leaves it, given the job as it was just before (the database applied
   * the update to exactly that row: its version is {@code before}'s plus one); null when this
   * update sets a column it does not know.
   */
  Job applyTo(Job before, long now) {
    if (!APPLIED.containsAll(columns.keySet())) {
      return null;
    }
    return new Job(before.jobId(), before.ownerId(), before.jobType(), before.provider(),
        (JobStatus) typed.getOrDefault("status", before.status()), before.configName(), before.trackerRunName(),
        before.hardwareProfile(), (String) value("hardware_type", before.hardwareType()), before.costPerSecond(),
        (Double) value("cost_usd", before.costUsd()), before.estimatedCostUsd(), before.createdAt(), now,
        (Long) value("started_at", before.startedAt()), (Long) value("completed_at", before.completedAt()),
        (Long) value("dispatched_at", before.dispatchedAt()), (String) value("external_id", before.externalId()),
        (String) value("host_id", before.hostId()), (String) value("error_message", before.errorMessage()),
        (String) value("output_url", before.outputUrl()), (JsonObject) typedOr("progress", before.progress()),
        before.config(), before.dataloaderConfig(), (JsonObject) typedOr("metadata", before.metadata()),
        (JsonArray) typedOr("delivery", before.delivery()), before.version() + 1);
  }

  /** A plain column's new value (COALESCE kept for "if unset"), or what it was. */
  private Object value(String column, Object was) {
    if (!columns.containsKey(column)) {
      return was;
    }
    Object v = columns.get(column);
    return v instanceof IfUnset keep ? (was != null ? was : keep.value()) : v;
  }

  private Object typedOr(String column, Object was) {
    return columns.containsKey(column) ? typed.get(column) : was;
  }
}
