package dev.simpletuner.cloud.server.s3;

import dev.simpletuner.cloud.server.config.ConfigException;
import dev.simpletuner.cloud.server.config.SharedBucket;
import dev.simpletuner.cloud.server.store.OutputStore;
import dev.simpletuner.cloud.spi.s3.S3Client;
import dev.simpletuner.cloud.spi.s3.S3Request;
import dev.simpletuner.cloud.spi.s3.SigV4;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Objects as blobs {@code <prefix>/<random id>} of a shared bucket ({@code storage.backend: s3}).
 * A blob is never renamed or rewritten: a new version of a key is a new blob, and the row says
 * which one is current, so a reader on another instance sees one version or the other, whole.
 */
final class BucketBlobs implements ObjectBlobs, ObjectBlobs.Backing {
  /** How {@code job_outputs.file_path} marks a blob of the bucket. */
  static final String SCHEME = "s3:";
  private static final Logger LOG = LoggerFactory.getLogger(BucketBlobs.class);
  private final Vertx vertx;
  private final ObjectFiles files;
  private final SharedBucket bucket;
  private final S3Client client;

  BucketBlobs(Vertx vertx, ObjectFiles files, SharedBucket bucket) {
    this.vertx = vertx;
    this.files = files;
    this.bucket = bucket;
    this.client = new S3Client(vertx, S3Client.Backoff.DEFAULT);
  }

  /** Lists one key below the prefix: the bucket exists and the credentials reach it, or why not. */
  Future<Void> check() {
    String below = bucket.prefix() + "/";
    return client.execute(bucket, new S3Request("ListObjectsV2 " + bucket.s3Url(below), HttpMethod.GET, "",
            "list-type=2&max-keys=1&prefix=" + SigV4.encode(below), null, SigV4.EMPTY_SHA256, null, null, false), 2)
        .<Void>mapEmpty()
        .onSuccess(v -> LOG.info("Objects the storage endpoint receives are kept in {} (at {})", bucket.s3Url(below),
            bucket.endpoint()))
        .recover(e -> Future.failedFuture(new ConfigException("storage.backend is s3, but " + bucket.s3Url(below)
            + " at " + bucket.endpoint() + " cannot be listed: " + e.getMessage())));
  }

  private String newBlob() {
    return bucket.prefix() + "/" + UUID.randomUUID();
  }

  /** The blob of a row, or null for a row of a local file (received before the backend was s3). */
  static String blobOf(OutputStore.Output o) {
    return o.filePath() != null && o.filePath().startsWith(SCHEME) ? o.filePath().substring(SCHEME.length()) : null;
  }

  @Override
  public Future<String> keep(String bucketName, String key, Path received, String sha256) {
    String blob = newBlob();
    return vertx.fileSystem().props(received.toString())
        .compose(props -> client.putFile(bucket, blob, new S3Request.FileSlice(received, 0, props.size()), sha256))
        .eventually(() -> vertx.fileSystem().delete(received.toString()).recover(e -> Future.succeededFuture()))
        .map(SCHEME + blob);
  }

  @Override
  public Future<Incoming> incoming(long length) {
    if (length < 0) {
      return Future.succeededFuture(); // the bucket wants the length first: received into a file, then sent
    }
    String blob = newBlob();
    return client.put(bucket, blob, null, length).map(upload -> new Streamed(blob, upload, length, true));
  }

  @Override
  public Future<Incoming> incomingPart(JsonObject upload, int number, long length) {
    String blob = upload.getString("blob");
    return client.put(bucket, blob, "partNumber=" + number + "&uploadId=" + SigV4.encode(upload.getString("id")),
        length).map(put -> new Streamed(blob, put, length, false));
  }

  /**
   * A body written to its blob (or as a part of its backing upload) as it arrives. The worker
   * threads of {@link BodyReceiver} wait for each batch to be sent, so the body moves at the
   * bucket's pace; a body that fails its checks is cut off, and a blob deleted in case the bucket
   * had it all already (a part sent again later replaces the one sent).
   */
  private final class Streamed implements Incoming, BodyReceiver.Out {
    private final String blob;
    private final S3Client.Upload upload;
    private final long length;
    private final boolean whole;
    private long sent;

    /** The request's own context: it is reset there, not on the worker thread that found the fault. */
    private final io.vertx.core.Context context = vertx.getOrCreateContext();

    Streamed(String blob, S3Client.Upload upload, long length, boolean whole) {
      this.blob = blob;
      this.upload = upload;
      this.length = length;
      this.whole = whole;
    }

    @Override
    public BodyReceiver.Out out() {
      return this;
    }

    @Override
    public void write(Buffer data, ByteBuffer bytes) throws IOException {
      sent += data.length();
      if (sent > length) {
        throw S3Exception.incompleteBody();
      }
      try {
        upload.request().write(data.copy()).toCompletionStage().toCompletableFuture().get(5, TimeUnit.MINUTES);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("Interrupted while sending to the shared bucket", e);
      } catch (ExecutionException | TimeoutException e) {
        throw new IOException("Sending to " + bucket.s3Url(blob) + " failed: " + e.getMessage(), e);
      }
    }

    @Override
    public void finish() {
      upload.request().end();
    }

    @Override
    public void abandon() {
      context.runOnContext(v -> upload.request().reset());
    }

    @Override
    public Future<String> stored(String md5Hex) {
      return upload.answer().map(r -> {
        String etag = r.header("ETag") == null ? "" : r.header("ETag").replace("\"", "").strip();
        if (etag.length() == 32 && !etag.equalsIgnoreCase(md5Hex)) {
          throw new IllegalStateException(bucket.s3Url(blob) + " has the ETag " + etag + ", not the MD5 " + md5Hex
              + " of the body sent");
        }
        return SCHEME + blob;
      }).onFailure(e -> discard());
    }

    @Override
    public Future<Void> discard() {
      abandon();
      if (!whole) {
        return Future.succeededFuture(); // a part sent again replaces it; an aborted upload takes it along
      }
      // The bucket may have had the whole body before it was cut off: deleted now, and again once it
      // answered (in the background: the client is not kept waiting for that).
      upload.answer().<Void>mapEmpty().otherwiseEmpty().timeout(5, TimeUnit.MINUTES).otherwiseEmpty()
          .onComplete(ar -> delete(blobRow(SCHEME + blob)));
      return delete(blobRow(SCHEME + blob));
    }
  }

  private static OutputStore.Output blobRow(String filePath) {
    return new OutputStore.Output(null, null, null, 0, null, null, null, null, 0, filePath, null);
  }

  @Override
  public Future<Void> delete(OutputStore.Output o) {
    String blob = blobOf(o);
    if (blob == null) {
      return vertx.fileSystem().delete(o.file(files.root()).toString()).recover(e -> Future.succeededFuture());
    }
    // The row is gone already: a blob left behind costs space, not correctness.
    return client.delete(bucket, blob, S3Client.Backoff.DEFAULT.attempts()).<Void>mapEmpty().recover(e -> {
      LOG.warn("Could not delete {} from the shared bucket: {}", bucket.s3Url(blob), e.getMessage());
      return Future.succeededFuture();
    });
  }

  @Override
  public Future<Void> deleteBlobs(List<String> filePaths) {
    return Future.all(filePaths.stream().filter(p -> p.startsWith(SCHEME)).map(p -> delete(blobRow(p))).toList())
        .mapEmpty();
  }

  @Override
  public Future<Void> send(HttpServerResponse response, OutputStore.Output o, long offset, long length,
                           boolean zeroCopy) {
    String blob = blobOf(o);
    if (blob == null) {
      return ObjectBody.send(response, o.file(files.root()), offset, length, zeroCopy);
    }
    if (!zeroCopy) {
      ObjectBody.uncompressed(response);
    }
    if (length == 0) {
      return response.putHeader("Content-Length", "0").end();
    }
    return client.get(bucket, blob, "bytes=" + offset + "-" + (offset + length - 1)).recover(BucketBlobs::gone)
        .compose(body -> {
          response.putHeader("Content-Length", String.valueOf(length));
          // A client that goes away leaves the bucket's answer unread: drop that connection too.
          return body.pipeTo(response).onFailure(e -> body.request().reset());
        });
  }

  /** A blob deleted since its row was read (by another instance): the key is gone, as S3 says it. */
  private static <T> Future<T> gone(Throwable e) {
    return Future.failedFuture(e instanceof dev.simpletuner.cloud.spi.s3.S3Exception x && x.status() == 404
        ? S3Exception.noSuchKey() : e);
  }

  @Override
  public Future<LocalFile> local(OutputStore.Output o, Path dir) {
    String blob = blobOf(o);
    if (blob == null) {
      return Future.succeededFuture(new LocalFile(o.file(files.root()), false));
    }
    Path copy = dir.resolve(UUID.randomUUID().toString());
    return vertx.fileSystem().mkdirs(dir.toString())
        .compose(v -> client.get(bucket, blob, null))
        .compose(body -> vertx.fileSystem().open(copy.toString(), new OpenOptions().setWrite(true).setCreateNew(true))
            .compose(file -> body.pipeTo(file)))
        .map(new LocalFile(copy, true))
        .onFailure(e -> vertx.fileSystem().delete(copy.toString()));
  }

  @Override
  public Future<Void> abandon(List<OutputStore.Upload> uploads) {
    return Future.all(uploads.stream().filter(u -> u.attrs() != null && u.attrs().getJsonObject(ATTR) != null)
        .map(u -> abort(u.attrs().getJsonObject(ATTR)).recover(e -> {
          LOG.warn("Could not abort the upload of {} in the shared bucket: {}",
              bucket.s3Url(u.attrs().getJsonObject(ATTR).getString("blob")), e.getMessage());
          return Future.succeededFuture();
        })).toList()).mapEmpty();
  }

  @Override
  public Backing backing() {
    return this;
  }

  @Override
  public Future<JsonObject> create() {
    String blob = newBlob();
    return client.createMultipart(bucket, blob, null).map(id -> new JsonObject().put("blob", blob).put("id", id));
  }

  @Override
  public Future<Void> part(JsonObject upload, int number, Path file, long size) {
    return client.uploadPart(bucket, upload.getString("blob"), upload.getString("id"), number,
        new S3Request.FileSlice(file, 0, size)).mapEmpty();
  }

  @Override
  public Future<String> complete(JsonObject upload, List<OutputStore.Part> parts) {
    SortedMap<Integer, String> etags = new TreeMap<>();
    parts.forEach(p -> etags.put(p.number(), "\"" + p.etag() + "\""));
    return client.complete(bucket, upload.getString("blob"), upload.getString("id"), etags)
        .map(SCHEME + upload.getString("blob"));
  }

  @Override
  public Future<Void> abort(JsonObject upload) {
    return client.abort(bucket, upload.getString("blob"), upload.getString("id")).mapEmpty();
  }
}
