package dev.simpletuner.cloud.server.s3;

import dev.simpletuner.cloud.server.config.ServerConfig;
import dev.simpletuner.cloud.server.store.OutputStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.List;

/**
 * Where the bytes of objects received by the storage endpoint are kept: the local disk
 * ({@code storage.backend: local}, the default) or a bucket all instances share
 * ({@code storage.backend: s3}). Bodies are always received and verified into a local file first;
 * only a checked body becomes a blob. In a bucket, {@code job_outputs.file_path} records
 * {@code s3:<blob key>}; rows of local files stay as they were.
 */
public interface ObjectBlobs {
  /** The configured backend; a shared bucket that cannot be listed fails the start. */
  static Future<ObjectBlobs> open(Vertx vertx, ServerConfig config) {
    ObjectFiles files = new ObjectFiles(config.outputsDir());
    if (config.storage().bucket() == null) {
      return Future.succeededFuture(new LocalBlobs(vertx, files));
    }
    BucketBlobs bucket = new BucketBlobs(vertx, files, config.storage().bucket());
    return bucket.check().map(bucket);
  }

  /**
   * Makes a received, verified file the bytes of {@code bucket/key}; the file is gone afterwards.
   *
   * @param sha256 the file's SHA-256 (hex)
   * @return what {@code job_outputs.file_path} records (null: the key's natural file)
   */
  Future<String> keep(String bucket, String key, Path received, String sha256);

  /**
   * A blob that takes a body of {@code length} bytes as it arrives, or null when bodies are received
   * into a local file first (the local disk; a length not declared, -1).
   */
  Future<Incoming> incoming(long length);

  /** A body on its way into a blob; {@link BodyReceiver} checks it on the way. */
  interface Incoming {
    BodyReceiver.Out out();

    /** Once the body was received and checked: the recorded file path, when the blob has it all. */
    Future<String> stored(String md5Hex);

    /** The body failed: no blob of it stays. */
    Future<Void> discard();
  }

  /** Removes an object's bytes (the row is the caller's); bytes already gone are fine. */
  Future<Void> delete(OutputStore.Output o);

  /** Removes the blobs of the shared bucket among these recorded file paths; local files are the caller's. */
  Future<Void> deleteBlobs(List<String> filePaths);

  /**
   * Sends {@code length} bytes from {@code offset} of the object as the response body; status and
   * headers are set already. Large objects stream at the client's pace; never compressed.
   *
   * @param zeroCopy the connection cannot compress (the root listener): a file may go by sendfile
   */
  Future<Void> send(HttpServerResponse response, OutputStore.Output o, long offset, long length, boolean zeroCopy);

  /** The object's bytes as a local file: its own file, or a copy made in {@code dir}. */
  Future<LocalFile> local(OutputStore.Output o, Path dir);

  /** @param copy true when {@code path} is a copy the caller deletes once done */
  record LocalFile(Path path, boolean copy) {
  }

  /**
   * Multipart uploads of a shared bucket: each part goes to a backing upload in the bucket, so parts
   * may arrive at any instance and completing one joins nothing here. Null for the local disk (parts
   * are files of the upload's directory).
   */
  Backing backing();

  /** Drops the backing uploads of these unfinished uploads (a purged job's); their rows are the caller's. */
  Future<Void> abandon(List<OutputStore.Upload> uploads);

  /** A multipart upload passed through to the bucket; {@code upload} is what {@link #create} gave. */
  interface Backing {
    /** The upload row's attr that keeps what {@link #create} gave. */
    String ATTR = "backing";

    /** Starts a backing upload; what the upload row keeps of it. */
    Future<JsonObject> create();

    /** Sends a received, verified part file as part {@code number}; the file stays the caller's. */
    Future<Void> part(JsonObject upload, int number, Path file, long size);

    /** Part {@code number} of {@code length} bytes, sent to the bucket as it arrives ({@link Incoming}). */
    Future<Incoming> incomingPart(JsonObject upload, int number, long length);

    /** Completes it with these parts (their ETags are the MD5s of their bytes); the recorded file path. */
    Future<String> complete(JsonObject upload, List<OutputStore.Part> parts);

    Future<Void> abort(JsonObject upload);
  }
}
