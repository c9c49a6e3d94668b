package dev.simpletuner.cloud.server.store;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The records of what trainers produced besides the model (validation images for now); the files
 * themselves are kept by {@code artifact.ArtifactFiles}.
 */
public final class ArtifactStore {
  /** The kind of a validation image a trainer sent with a {@code training.validation} event. */
  public static final String VALIDATION_IMAGE = "validation_image";

  private final Db db;

  ArtifactStore(Db db) {
    this.db = db;
  }

  /**
   * One artifact.
   *
   * @param step      the training step it was made at, or null
   * @param label     the trainer's name for it (e.g. the validation prompt's shortname), or null
   * @param createdAt epoch millis
   */
  public record Artifact(String artifactId, String jobId, String kind, Long step, String label, String prompt,
                         String contentType, long sizeBytes, String sha256, long createdAt) {
    /** As the API lists it (the route adds the download URL). */
    public JsonObject toJson() {
      return new JsonObject().put("artifact_id", artifactId).put("kind", kind).put("step", step)
          .put("label", label).put("prompt", prompt).put("content_type", contentType).put("size_bytes", sizeBytes)
          .put("sha256", sha256).put("created_at", Instant.ofEpochMilli(createdAt).toString());
    }
  }

  public Future<Void> add(Artifact a) {
    return db.query("INSERT INTO job_artifacts (artifact_id, job_id, kind, step, label, prompt, content_type, "
            + "size_bytes, sha256, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", a.artifactId(), a.jobId(),
        a.kind(), a.step(), a.label(), a.prompt(), a.contentType(), a.sizeBytes(), a.sha256(), a.createdAt())
        .mapEmpty();
  }

  /** The job's artifacts, oldest first (ties by id, so the order is stable). */
  public Future<List<Artifact>> list(String jobId) {
    return db.query("SELECT * FROM job_artifacts WHERE job_id = ? ORDER BY created_at, artifact_id", jobId)
        .map(rows -> {
          List<Artifact> out = new ArrayList<>(rows.size());
          rows.forEach(r -> out.add(artifact(r)));
          return out;
        });
  }

  /** Empty also when the id belongs to another job. */
  public Future<Optional<Artifact>> get(String jobId, String artifactId) {
    return db.query("SELECT * FROM job_artifacts WHERE job_id = ? AND artifact_id = ?", jobId, artifactId)
        .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(artifact(rows.iterator().next())));
  }

  /** What the job's artifacts take on disk, for the per-job cap. */
  public Future<Long> totalBytes(String jobId) {
    return db.query("SELECT COALESCE(SUM(size_bytes), 0) FROM job_artifacts WHERE job_id = ?", jobId)
        .map(rows -> rows.iterator().next().getLong(0));
  }

  public Future<Void> deleteJob(String jobId) {
    return db.query("DELETE FROM job_artifacts WHERE job_id = ?", jobId).mapEmpty();
  }

  private static Artifact artifact(Row r) {
    return new Artifact(r.getString("artifact_id"), r.getString("job_id"), r.getString("kind"), r.getLong("step"),
        r.getString("label"), r.getString("prompt"), r.getString("content_type"), r.getLong("size_bytes"),
        r.getString("sha256"), r.getLong("created_at"));
  }
}
