package dev.simpletuner.cloud.server.support;

import io.netty.buffer.Unpooled;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpServerRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;

/**
 * Receives a multipart/form-data body in one pass: the {@code content} part goes straight to a
 * file (with back-pressure) while its SHA-256 is computed, other parts are ignored. Written for the
 * fakes, so that the fake is never what a benchmark measures.
 */
final class MultipartReceiver {
  /** What arrived. */
  record Received(String filename, long size, String sha256) {
  }

  private final HttpServerRequest request;
  private final byte[] delimiter;
  private final AsyncFile file;
  private final MessageDigest sha;
  private final Promise<Received> done = Promise.promise();
  private static final byte[] HEADER_END = "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
  private byte[] buf = new byte[1 << 20];
  private int len;
  private boolean inHeaders = true;
  private boolean inContent;
  private boolean finished;
  private String filename = "upload";
  private long size;

  private MultipartReceiver(HttpServerRequest request, String boundary, AsyncFile file) throws Exception {
    this.request = request;
    this.delimiter = ("\r\n--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
    this.file = file;
    this.sha = MessageDigest.getInstance("SHA-256");
    // The body starts with "--boundary"; pretend a CRLF came first so every delimiter looks alike.
    buf[0] = '\r';
    buf[1] = '\n';
    len = 2;
  }

  /** @param target where the content goes; null to only count it (benchmarks: the fake's disk is not the subject) */
  static Future<Received> receive(Vertx vertx, HttpServerRequest request, Path target) {
    String type = request.getHeader("Content-Type");
    int at = type == null ? -1 : type.indexOf("boundary=");
    if (at < 0) {
      return Future.failedFuture("not multipart");
    }
    String boundary = type.substring(at + 9).replace("\"", "").split(";")[0].strip();
    request.pause();
    Future<AsyncFile> opened = target == null ? Future.succeededFuture(null)
        : vertx.fileSystem().open(target.toString(), new OpenOptions().setWrite(true).setCreate(true)
            .setTruncateExisting(true));
    return opened
        .compose(file -> {
          try {
            MultipartReceiver r = new MultipartReceiver(request, boundary, file);
            request.handler(r::onChunk);
            request.endHandler(v -> r.finish());
            request.exceptionHandler(r.done::tryFail);
            request.resume();
            return r.done.future();
          } catch (Exception e) {
            return Future.failedFuture(e);
          }
        });
  }

  private void onChunk(Buffer chunk) {
    byte[] bytes = chunk.getBytes();
    ensure(bytes.length);
    System.arraycopy(bytes, 0, buf, len, bytes.length);
    len += bytes.length;
    int pos = 0;
    while (!finished) {
      if (inHeaders) {
        int end = indexOf(HEADER_END, pos);
        if (end < 0) {
          break;
        }
        String headers = new String(buf, pos, end - pos, StandardCharsets.ISO_8859_1);
        inContent = headers.contains("name=\"content\"");
        int fn = headers.indexOf("filename=\"");
        if (inContent && fn >= 0) {
          filename = headers.substring(fn + 10, headers.indexOf('"', fn + 10));
        }
        pos = end + HEADER_END.length;
        inHeaders = false;
      }
      int next = indexOf(delimiter, pos);
      if (next < 0) {
        int safe = Math.max(pos, len - (delimiter.length - 1));
        emit(pos, safe);
        pos = safe;
        break;
      }
      emit(pos, next);
      if (next + delimiter.length + 2 > len) {
        pos = next;
        break;
      }
      if (buf[next + delimiter.length] == '-' && buf[next + delimiter.length + 1] == '-') {
        finished = true;
        break;
      }
      pos = next + delimiter.length + 2;
      inHeaders = true;
      inContent = false;
    }
    System.arraycopy(buf, pos, buf, 0, len - pos);
    len -= pos;
  }

  private void ensure(int more) {
    if (len + more > buf.length) {
      buf = java.util.Arrays.copyOf(buf, Math.max(buf.length * 2, len + more));
    }
  }

  private void emit(int from, int to) {
    if (!inContent || to <= from) {
      return;
    }
    size += to - from;
    if (file == null) {
      return;
    }
    sha.update(buf, from, to - from);
    file.write(Buffer.buffer(java.util.Arrays.copyOfRange(buf, from, to)));
    if (file.writeQueueFull()) {
      request.pause();
      file.drainHandler(v -> request.resume());
    }
  }

  private int indexOf(byte[] needle, int from) {
    if (len - from < needle.length) {
      return -1;
    }
    // Candidates by their first byte with Netty's word-at-a-time scan, then a plain compare.
    io.netty.buffer.ByteBuf view = Unpooled.wrappedBuffer(buf, 0, len);
    int last = len - needle.length;
    int i = from;
    while (i <= last) {
      i = view.indexOf(i, last + 1, needle[0]);
      if (i < 0) {
        return -1;
      }
      int j = 1;
      while (j < needle.length && buf[i + j] == needle[j]) {
        j++;
      }
      if (j == needle.length) {
        return i;
      }
      i++;
    }
    return -1;
  }

  private void finish() {
    if (file == null) {
      done.tryComplete(new Received(filename, size, null));
      return;
    }
    file.close().onComplete(ar -> done.tryComplete(new Received(filename, size,
        HexFormat.of().formatHex(sha.digest()))));
  }


}
