package dev.simpletuner.cloud.delivery.s3;

import dev.simpletuner.cloud.spi.s3.SigV4;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.CopyOptions;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * What is needed to resume one multipart upload after a crash, a network failure or a restart:
 * saved before any part is sent, deleted once the upload completed or was abandoned.
 */
record UploadState(String bucket, String key, String uploadId, long size, String sha256, long partSize) {

  JsonObject toJson() {
    return new JsonObject().put("bucket", bucket).put("key", key).put("uploadId", uploadId).put("size", size)
        .put("sha256", sha256).put("partSize", partSize);
  }

  static UploadState fromJson(JsonObject j) {
    return new UploadState(j.getString("bucket"), j.getString("key"), j.getString("uploadId"), j.getLong("size"),
        j.getString("sha256"), j.getLong("partSize"));
  }

  /** Whether this upload is of exactly these bytes. */
  boolean sameContent(long size, String sha256) {
    return this.size == size && this.sha256.equals(sha256);
  }

  /** One small JSON file per upload in the target's data directory, named after bucket and key. */
  static final class Store {
    private final Vertx vertx;
    private final Path dir;

    Store(Vertx vertx, Path dir) {
      this.vertx = vertx;
      this.dir = dir;
    }

    Path file(String bucket, String key) {
      String name = SigV4.sha256Hex((bucket + "/" + key).getBytes(StandardCharsets.UTF_8)).substring(0, 40);
      return dir.resolve(name + ".json");
    }

    /** The saved state, or null when there is none (or it is unreadable, which means starting over). */
    Future<UploadState> load(String bucket, String key) {
      String path = file(bucket, key).toString();
      return vertx.fileSystem().exists(path).compose(exists -> !exists ? Future.succeededFuture()
          : vertx.fileSystem().readFile(path).map(b -> {
            UploadState s = fromJson(new JsonObject(b));
            return s.bucket().equals(bucket) && s.key().equals(key) ? s : null;
          }).otherwise((UploadState) null));
    }

    /** Written to a temporary file and moved into place, so a crash never leaves half a state. */
    Future<Void> save(UploadState state) {
      Path target = file(state.bucket(), state.key());
      String tmp = target + ".tmp";
      return vertx.fileSystem().mkdirs(dir.toString())
          .compose(v -> vertx.fileSystem().writeFile(tmp, Buffer.buffer(state.toJson().encode())))
          .compose(v -> vertx.fileSystem().move(tmp, target.toString(),
              new CopyOptions().setReplaceExisting(true).setAtomicMove(true)));
    }

    Future<Void> delete(String bucket, String key) {
      String path = file(bucket, key).toString();
      return vertx.fileSystem().exists(path)
          .compose(exists -> exists ? vertx.fileSystem().delete(path) : Future.succeededFuture());
    }
  }
}
