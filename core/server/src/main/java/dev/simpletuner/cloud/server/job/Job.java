package dev.simpletuner.cloud.server.job;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * One stored job. Times are epoch milliseconds. {@code config} and {@code dataloaderConfig} are
 * empty in list queries, which leave the snapshots out. {@code delivery} lists the job's delivery
 * targets with their status (written only by the delivery verticle after submission).
 */
public record Job(String jobId, String ownerId, JobType jobType, String provider, JobStatus status,
                  String configName, String trackerRunName, String hardwareProfile, String hardwareType,
                  double costPerSecond, Double costUsd, Double estimatedCostUsd,
                  long createdAt, long updatedAt, Long startedAt, Long completedAt, Long dispatchedAt,
                  String externalId, String hostId, String errorMessage, String outputUrl,
                  JsonObject progress, JsonObject config, JsonArray dataloaderConfig, JsonObject metadata,
                  JsonArray delivery, long version) {

  /** A freshly submitted job, on the instance that accepted it (it holds the datasets to upload). */
  public static Job submitted(String jobId, String ownerId, JobType type, String provider, JobStatus status,
                              String configName, String runName, String hardwareProfile, String hardwareType,
                              double costPerSecond, Double estimatedCost, long now, JsonObject config,
                              JsonArray dataloader, JsonObject metadata, JsonArray delivery, String hostId) {
    return new Job(jobId, ownerId, type, provider, status, configName, runName, hardwareProfile, hardwareType,
        costPerSecond, null, estimatedCost, now, now, null, null, null, null, hostId, null, null, null, config,
        dataloader, metadata, delivery == null ? new JsonArray() : delivery, 1);
  }
}
