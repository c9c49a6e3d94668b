package dev.simpletuner.cloud.server.store;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Files trainers sent home through the storage endpoint, and multipart uploads in progress. */
public final class OutputStore {
  private final Db db;

  OutputStore(Db db) {
    this.db = db;
  }

  /**
   * One stored object.
   *
   * @param etag     S3 ETag without quotes (MD5 hex, or {@code <md5>-<parts>} for multipart uploads)
   * @param metadata {@code x-amz-meta-*} headers, names without the prefix; may be null
   * @param filePath the object's file relative to the outputs folder, or null for {@code <bucket>/<key>}
   * @param attrs    what S3 keeps besides the body (stored headers, checksum, part sizes); may be null
   */
  public record Output(String bucket, String key, String jobId, long size, String etag, String sha256,
                       String contentType, JsonObject metadata, long updatedAt, String filePath, JsonObject attrs) {
    public Output(String bucket, String key, String jobId, long size, String etag, String sha256, String contentType,
                  JsonObject metadata, long updatedAt) {
      this(bucket, key, jobId, size, etag, sha256, contentType, metadata, updatedAt, null, null);
    }

    /**
     * The object's file below the outputs folder. A row whose {@code filePath} is {@code s3:<key>} is a
     * blob of the shared bucket instead, read through {@code ObjectBlobs}.
     */
    public java.nio.file.Path file(java.nio.file.Path outputsDir) {
      return filePath != null ? outputsDir.resolve(filePath) : outputsDir.resolve(bucket).resolve(key);
    }
  }

  /**
   * A multipart upload in progress, or completed (then {@code completedEtag} is the object's ETag).
   *
   * @param attrs stored headers and the checksum algorithm declared when it was created; may be null
   */
  public record Upload(String uploadId, String jobId, String bucket, String key, String contentType,
                       JsonObject metadata, long createdAt, JsonObject attrs, String completedEtag) {
  }

  /**
   * One received part; its bytes live under the upload's directory.
   *
   * @param checksum the part's checksum (base64) in its upload's checksum algorithm; null when it has none
   * @param offset   where the part starts in the upload's data file, or null when it is a file of its own
   */
  public record Part(int number, long size, String etag, long updatedAt, String checksum, Long offset) {
    public Part(int number, long size, String etag, long updatedAt, String checksum) {
      this(number, size, etag, updatedAt, checksum, null);
    }

    public Part(int number, long size, String etag, long updatedAt) {
      this(number, size, etag, updatedAt, null, null);
    }
  }

  public Future<Void> put(Output o) {
    return db.query("INSERT INTO job_outputs (bucket, object_key, job_id, size, etag, sha256, content_type, metadata, "
            + "updated_at, file_path, attrs) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (bucket, object_key) "
            + "DO UPDATE SET job_id = excluded.job_id, size = excluded.size, etag = excluded.etag, "
            + "sha256 = excluded.sha256, content_type = excluded.content_type, metadata = excluded.metadata, "
            + "updated_at = excluded.updated_at, file_path = excluded.file_path, attrs = excluded.attrs",
        o.bucket(), o.key(), o.jobId(), o.size(), o.etag(), o.sha256(), o.contentType(), encode(o.metadata()),
        o.updatedAt(), o.filePath(), encode(o.attrs())).mapEmpty();
  }

  public Future<Optional<Output>> get(String bucket, String key) {
    return db.query("SELECT * FROM job_outputs WHERE bucket = ? AND object_key = ?", bucket, key)
        .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(output(rows.iterator().next())));
  }

  /** Every object of a job, by key. */
  public Future<List<Output>> list(String jobId) {
    return db.query("SELECT * FROM job_outputs WHERE job_id = ? ORDER BY object_key", jobId).map(OutputStore::outputs);
  }

  public Future<Boolean> delete(String bucket, String key) {
    return db.query("DELETE FROM job_outputs WHERE bucket = ? AND object_key = ?", bucket, key)
        .map(rows -> rows.rowCount() > 0);
  }

  public Future<Void> createUpload(Upload u) {
    return db.query("INSERT INTO storage_uploads (upload_id, job_id, bucket, object_key, content_type, metadata, "
            + "created_at, attrs) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", u.uploadId(), u.jobId(), u.bucket(), u.key(),
        u.contentType(), encode(u.metadata()), u.createdAt(), encode(u.attrs())).mapEmpty();
  }

  public Future<Optional<Upload>> upload(String uploadId) {
    return db.query("SELECT * FROM storage_uploads WHERE upload_id = ?", uploadId)
        .map(rows -> rows.size() == 0 ? Optional.empty() : Optional.of(upload(rows.iterator().next())));
  }

  /** The job's multipart uploads in progress. */
  public Future<List<Upload>> uploads(String jobId) {
    return db.query("SELECT * FROM storage_uploads WHERE job_id = ? AND completed_etag IS NULL "
            + "ORDER BY object_key, created_at", jobId)
        .map(rows -> {
          List<Upload> out = new ArrayList<>();
          rows.forEach(r -> out.add(upload(r)));
          return out;
        });
  }

  public Future<Void> deleteUpload(String uploadId) {
    return db.query("DELETE FROM storage_upload_parts WHERE upload_id = ?", uploadId)
        .compose(v -> db.query("DELETE FROM storage_uploads WHERE upload_id = ?", uploadId)).mapEmpty();
  }

  /**
   * Marks an upload completed at {@code now} with the object's ETag: its parts are gone, its row
   * stays so that a retried CompleteMultipartUpload is answered with the same ETag, until the
   * retention purge removes it ({@link RetentionStore#purgeCompletedUploads}).
   */
  public Future<Void> completeUpload(String uploadId, String etag, long now) {
    return db.query("UPDATE storage_uploads SET completed_etag = ?, completed_at = ? WHERE upload_id = ?", etag, now,
            uploadId)
        .compose(v -> db.query("DELETE FROM storage_upload_parts WHERE upload_id = ?", uploadId))
        .mapEmpty();
  }

  public Future<Void> putPart(String uploadId, Part part) {
    return db.query("INSERT INTO storage_upload_parts (upload_id, part_number, size, etag, updated_at, checksum, "
            + "data_offset) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (upload_id, part_number) DO UPDATE SET "
            + "size = excluded.size, etag = excluded.etag, updated_at = excluded.updated_at, "
            + "checksum = excluded.checksum, data_offset = excluded.data_offset", uploadId, part.number(), part.size(),
        part.etag(), part.updatedAt(), part.checksum(), part.offset()).mapEmpty();
  }

  public Future<List<Part>> parts(String uploadId) {
    return db.query("SELECT part_number, size, etag, updated_at, checksum, data_offset FROM storage_upload_parts "
        + "WHERE upload_id = ? ORDER BY part_number", uploadId).map(rows -> {
          List<Part> out = new ArrayList<>();
          rows.forEach(r -> out.add(new Part(r.getInteger(0), r.getLong(1), r.getString(2), r.getLong(3),
              r.getString(4), r.getLong(5))));
          return out;
        });
  }

  private static List<Output> outputs(RowSet<Row> rows) {
    List<Output> out = new ArrayList<>(rows.size());
    rows.forEach(r -> out.add(output(r)));
    return out;
  }

  private static Output output(Row r) {
    return new Output(r.getString("bucket"), r.getString("object_key"), r.getString("job_id"), r.getLong("size"),
        r.getString("etag"), r.getString("sha256"), r.getString("content_type"), json(r.getString("metadata")),
        r.getLong("updated_at"), r.getString("file_path"), json(r.getString("attrs")));
  }

  private static Upload upload(Row r) {
    return new Upload(r.getString("upload_id"), r.getString("job_id"), r.getString("bucket"), r.getString("object_key"),
        r.getString("content_type"), json(r.getString("metadata")), r.getLong("created_at"), json(r.getString("attrs")),
        r.getString("completed_etag"));
  }

  private static String encode(JsonObject json) {
    return json == null ? null : json.encode();
  }

  private static JsonObject json(String text) {
    return text == null ? null : new JsonObject(text);
  }

  /** How many bytes a job holds on the storage endpoint: its objects and the parts of its unfinished uploads. */
  public Future<Long> receivedBytes(String jobId) {
    return db.query("SELECT (SELECT COALESCE(SUM(size), 0) FROM job_outputs WHERE job_id = ?) + (SELECT "
        + "COALESCE(SUM(p.size), 0) FROM storage_upload_parts p JOIN storage_uploads u ON u.upload_id = p.upload_id "
        + "WHERE u.job_id = ?)", jobId, jobId).map(rows -> rows.iterator().next().getLong(0));
  }
}
