package dev.simpletuner.cloud.server.s3;

import dev.simpletuner.cloud.server.config.ServerConfig;
import dev.simpletuner.cloud.server.job.Job;
import dev.simpletuner.cloud.server.upload.DatasetScanner;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The local datasets of a job, served read-only to its cloud trainer through the storage endpoint:
 * one bucket {@code ds-<job id>-<n>} per local dataset (SimpleTuner's S3 backend lists a whole
 * bucket), reached with the job's dataset credentials. What the trainer writes there (its caches)
 * lands in a scratch area of the job's, {@code <state>/cloud/dataset_scratch/<job id>/<n>/}, never
 * in the user's folders. The job keeps the plan in {@code metadata.served_datasets}.
 */
public final class DatasetBuckets {
  /** The job metadata key of the plan. */
  public static final String METADATA_KEY = "served_datasets";
  private static final String PREFIX = "ds-";

  private DatasetBuckets() {
  }

  /** One served dataset of a job, as the plan has it: bucket {@code ds-<job id>-<index>}, folder {@code dir}. */
  record Served(String jobId, int index, String bucket, String dir) {
  }

  /**
   * The buckets a job's local datasets are served in: {@code {"bucket", "id", "dir"}} for every
   * entry {@link DatasetScanner#isLocal} takes, in order; {@code dir} absolute and normalized.
   */
  public static JsonArray plan(String jobId, JsonArray dataloader) {
    JsonArray served = new JsonArray();
    for (Object item : dataloader) {
      if (item instanceof JsonObject entry && DatasetScanner.isLocal(entry)) {
        served.add(new JsonObject().put("bucket", bucket(jobId, served.size())).put("id", entry.getValue("id"))
            .put("dir", Path.of(entry.getString("instance_data_dir")).toAbsolutePath().normalize().toString()));
      }
    }
    return served;
  }

  /**
   * The dataloader as the cloud trainer gets it: each served entry (the local ones, matched to
   * {@code served} in order) becomes a SimpleTuner S3 backend on this endpoint, keeping its other
   * fields; paths of the user's machine become relative cache paths (absolute {@code cache_dir_vae}:
   * {@code cache/vae/<id>}; absolute {@code cache_dir}, e.g. of text embeds: {@code cache/<id>}).
   *
   * @param endpointUrl the storage endpoint as the trainer reaches it, e.g.
   *                    {@code https://abc.ngrok.io/api/cloud/storage}
   * @throws IllegalArgumentException when {@code served} was not planned from this dataloader
   */
  public static JsonArray rewrite(JsonArray dataloader, JsonArray served, String endpointUrl, String accessKey,
                                  String secretKey) {
    JsonArray out = new JsonArray();
    int n = 0;
    for (int i = 0; i < dataloader.size(); i++) {
      if (!(dataloader.getValue(i) instanceof JsonObject entry)) {
        out.add(dataloader.getValue(i));
        continue;
      }
      JsonObject copy = entry.copy();
      String name = safeName(entry.getValue("id"), i);
      if (DatasetScanner.isLocal(entry)) {
        JsonObject plan = n < served.size() ? served.getJsonObject(n) : null;
        if (plan == null || !Objects.equals(plan.getValue("id"), entry.getValue("id"))) {
          throw new IllegalArgumentException("The served datasets do not match the dataloader at local entry " + n);
        }
        copy.remove("instance_data_dir");
        copy.put("type", "aws").put("aws_bucket_name", plan.getString("bucket")).put("aws_endpoint_url", endpointUrl)
            .put("aws_access_key_id", accessKey).put("aws_secret_access_key", secretKey).put("aws_region_name", null)
            .put("aws_data_prefix", "");
        if (isMachinePath(copy.getValue("cache_dir_vae"))) {
          copy.put("cache_dir_vae", "cache/vae/" + name);
        }
        n++;
      }
      if (isMachinePath(copy.getValue("cache_dir"))) {
        copy.put("cache_dir", "cache/" + name);
      }
      out.add(copy);
    }
    if (n != served.size()) {
      throw new IllegalArgumentException("The served datasets do not match the dataloader: " + served.size()
          + " planned, " + n + " local entries");
    }
    return out;
  }

  /**
   * Removes what a job's trainer wrote beside its datasets (the user's own files are never touched).
   * Succeeds when there is nothing to remove.
   */
  public static Future<Void> deleteScratch(Vertx vertx, ServerConfig config, String jobId) {
    Path dir = jobScratch(config, jobId);
    ListingCache.of(vertx).forgetJob(jobId);
    return vertx.executeBlocking(() -> {
      ScratchSpace.of(vertx).deleteAll(dir);
      return null;
    }, false);
  }

  static String bucket(String jobId, int n) {
    return PREFIX + jobId + "-" + n;
  }

  /** Whether a bucket name claims to be a dataset bucket (of some job). */
  static boolean isDatasetBucket(String bucket) {
    return bucket.startsWith(PREFIX);
  }

  /** Whether a bucket name is one of this job's dataset buckets, planned or not. */
  static boolean isOfJob(String bucket, String jobId) {
    return bucket.startsWith(PREFIX + jobId + "-");
  }

  /** The dataset buckets of a job's plan (ListBuckets with its dataset credentials). */
  static java.util.List<String> all(Job job) {
    JsonArray plan = job.metadata() == null ? null : job.metadata().getJsonArray(METADATA_KEY);
    java.util.List<String> out = new java.util.ArrayList<>();
    for (int n = 0; plan != null && n < plan.size(); n++) {
      if (plan.getValue(n) instanceof JsonObject entry && entry.getString("bucket") != null) {
        out.add(entry.getString("bucket"));
      }
    }
    return out;
  }

  /** The served dataset a bucket name stands for in the job's plan, or null. */
  static Served find(Job job, String bucket) {
    JsonArray plan = job.metadata() == null ? null : job.metadata().getJsonArray(METADATA_KEY);
    if (plan == null) {
      return null;
    }
    for (int n = 0; n < plan.size(); n++) {
      if (plan.getValue(n) instanceof JsonObject entry && bucket.equals(entry.getString("bucket"))
          && bucket.equals(bucket(job.jobId(), n)) && entry.getValue("dir") instanceof String dir) {
        return new Served(job.jobId(), n, bucket, dir);
      }
    }
    return null;
  }

  static Path scratchRoot(ServerConfig config) {
    return config.cloudDir().resolve("dataset_scratch").toAbsolutePath().normalize();
  }

  static Path jobScratch(ServerConfig config, String jobId) {
    Path root = scratchRoot(config);
    Path dir = root.resolve(jobId).normalize();
    if (!root.equals(dir.getParent())) {
      throw new IllegalArgumentException("not a job id: " + jobId);
    }
    return dir;
  }

  static Path bucketScratch(ServerConfig config, Served served) {
    return jobScratch(config, served.jobId()).resolve(String.valueOf(served.index()));
  }

  /** An absolute path (or one from the user's home): meaningless in the trainer's container. */
  private static boolean isMachinePath(Object value) {
    if (!(value instanceof String s) || s.isBlank()) {
      return false;
    }
    try {
      return s.startsWith("/") || s.startsWith("~") || Path.of(s).isAbsolute();
    } catch (InvalidPathException e) {
      return false;
    }
  }

  /** A dataset id as one path segment ({@code cache/vae/<id>} must stay one folder). */
  private static String safeName(Object id, int position) {
    String name = id == null ? "" : String.valueOf(id).replaceAll("[^A-Za-z0-9._-]", "_");
    return name.isEmpty() || name.equals(".") || name.equals("..") ? "dataset-" + position : name;
  }
}
