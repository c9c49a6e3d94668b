package dev.simpletuner.cloud.server.s3;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpServerResponse;
import java.nio.file.Path;

/**
 * Sends a range of an object's file as the response body, never compressed: S3 clients check the
 * bytes and the length they were promised (the API's port compresses the UI's assets and JSON for
 * clients that accept it, as Python's requests does). On the root listener the file goes by the
 * kernel's sendfile; a connection that may compress cannot do that, and Vert.x would send the file
 * in 8 KiB reads, a third of the speed: there it is piped in reads of up to 256 KiB.
 */
public final class ObjectBody {
  private static final int MAX_READ = 256 * 1024;

  private ObjectBody() {
  }

  /** Marks a response on a connection that may compress so that it is not. */
  static void uncompressed(HttpServerResponse response) {
    if (!response.headers().contains("Content-Encoding")) {
      // Vert.x's compressor leaves a response marked identity alone and drops the mark.
      response.putHeader("Content-Encoding", "identity");
    }
  }

  /** @param zeroCopy the connection cannot compress: it may send files without reading them */
  public static Future<Void> send(HttpServerResponse response, Path file, long offset, long length, boolean zeroCopy) {
    if (zeroCopy) {
      return response.sendFile(file.toString(), offset, length);
    }
    uncompressed(response);
    response.putHeader("Content-Length", String.valueOf(length));
    if (length == 0) {
      return response.end();
    }
    return Vertx.currentContext().owner().fileSystem()
        .open(file.toString(), new OpenOptions().setRead(true).setWrite(false).setCreate(false))
        .compose(body -> body.setReadPos(offset).setReadLength(length)
            .setReadBufferSize((int) Math.min(length, MAX_READ)).pipeTo(response)
            .eventually(body::close));
  }
}
