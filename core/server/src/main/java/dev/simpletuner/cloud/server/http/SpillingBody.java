package dev.simpletuner.cloud.server.http;

import dev.simpletuner.cloud.server.error.AppException;
import dev.simpletuner.cloud.server.error.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpServerRequest;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * Receives a request body that is usually small and sometimes tens of MB: kept in memory up to
 * {@link #IN_MEMORY} bytes, written to a file beyond that (with backpressure), refused with 413
 * above {@code limit}. The caller deletes the file of a body it received.
 */
public final class SpillingBody {
  static final int IN_MEMORY = 256 * 1024;

  /** Exactly one of {@code memory} and {@code file} is set. */
  public record Received(Buffer memory, Path file, long size) {
  }

  private final Vertx vertx;
  private final HttpServerRequest request;
  private final long limit;
  private final Supplier<Path> spillTo;
  private Path spillFile;
  private final Promise<Received> done = Promise.promise();
  private Buffer memory = Buffer.buffer();
  private AsyncFile file;
  private boolean opening;
  private boolean ended;
  private long size;

  private SpillingBody(Vertx vertx, HttpServerRequest request, long limit, Supplier<Path> spillTo) {
    this.vertx = vertx;
    this.request = request;
    this.limit = limit;
    this.spillTo = spillTo;
  }

  /** @param spillTo names the file a large body goes to (asked only when one is that large) */
  public static Future<Received> receive(Vertx vertx, HttpServerRequest request, long limit, Supplier<Path> spillTo) {
    if (declaredLength(request) > limit) {
      return Future.failedFuture(tooLarge(limit));
    }
    SpillingBody body = new SpillingBody(vertx, request, limit, spillTo);
    request.handler(body::chunk);
    request.exceptionHandler(body::fail);
    request.endHandler(v -> body.end());
    request.resume();
    return body.done.future();
  }

  /** The Content-Length the client declared, or -1 (absent, or not a number: the body is counted as it comes). */
  private static long declaredLength(HttpServerRequest request) {
    String declared = request.getHeader("Content-Length");
    try {
      return declared == null ? -1 : Long.parseLong(declared);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private void chunk(Buffer chunk) {
    if (done.future().isComplete()) {
      return;
    }
    size += chunk.length();
    if (size > limit) {
      fail(tooLarge(limit));
      return;
    }
    if (file == null && !opening && size <= IN_MEMORY) {
      memory.appendBuffer(chunk);
      return;
    }
    if (file == null && !opening) {
      opening = true;
      spillFile = spillTo.get();
      request.pause();
      memory.appendBuffer(chunk);
      vertx.fileSystem().mkdirs(spillFile.getParent().toString())
          .compose(v -> vertx.fileSystem().open(spillFile.toString(), new OpenOptions().setWrite(true)
              .setCreate(true).setTruncateExisting(true)))
          .onSuccess(f -> {
            file = f;
            opening = false;
            if (done.future().isComplete()) {
              discardFile(); // failed while the file was being opened
              return;
            }
            file.write(memory);
            memory = null;
            if (ended) {
              finish();
            } else {
              request.resume();
            }
          })
          .onFailure(this::fail);
      return;
    }
    file.write(chunk);
    if (file.writeQueueFull()) {
      request.pause();
      file.drainHandler(v -> request.resume());
    }
  }

  private void end() {
    ended = true;
    if (done.future().isComplete()) {
      return; // refused already (and its file discarded); HTTP/2 still delivers the stream's end
    }
    if (opening) {
      return; // finished once the file is open
    }
    finish();
  }

  private void finish() {
    if (file == null) {
      done.tryComplete(new Received(memory, null, size));
      return;
    }
    file.close().onSuccess(v -> done.tryComplete(new Received(null, spillFile, size))).onFailure(this::fail);
  }

  /** A body that is not received leaves no file behind. */
  private void fail(Throwable e) {
    if (done.tryFail(e) && file != null) {
      discardFile();
    }
  }

  private void discardFile() {
    file.close().eventually(() -> vertx.fileSystem().delete(spillFile.toString()));
  }

  private static AppException tooLarge(long limit) {
    return new AppException(ErrorCode.PAYLOAD_TOO_LARGE, "The event is larger than " + limit / (1024 * 1024)
        + " MiB (callbacks.max_body_mb).");
  }
}
