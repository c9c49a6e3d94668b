package dev.simpletuner.cloud.server.store;

import dev.simpletuner.cloud.server.job.JobStatus;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;

/** The columns one job update sets. Built by the job lifecycle; applied by {@link JobStore#update}. */
public final class JobUpdate {
  private final Map<String, Object> columns = new LinkedHashMap<>();
  private Claim claim;

  /** The dispatch claim an update is fenced by: the host that claimed the job, and when. */
  record Claim(String hostId, long dispatchedAt) {
  }

  public static JobUpdate create() {
    return new JobUpdate();
  }

  public JobUpdate status(JobStatus status) {
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
    return set("progress", progress == null ? null : progress.encode());
  }

  public JobUpdate delivery(io.vertx.core.json.JsonArray delivery) {
    return set("delivery", delivery.encode());
  }

  public JobUpdate metadata(JsonObject metadata) {
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
}
