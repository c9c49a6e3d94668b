package dev.simpletuner.cloud.server.storage;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.http.HttpServerRequest;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Locale;

/**
 * Streams a request body to a file, decoding {@code aws-chunked} bodies, computing digests on the
 * way, and checking everything the client declared: length, {@code x-amz-content-sha256},
 * {@code Content-MD5} and flexible checksums (header or trailer). The file is the caller's to move
 * or delete; nothing is kept in memory beyond the chunk in flight.
 */
final class BodyReceiver {
  private BodyReceiver() {
  }

  /** What arrived, with its digests; already checked against every declaration. */
  record Received(Checksums.Result digests) {
  }

  /** @param wholeObject true for a complete object (its SHA-256 is recorded), false for a multipart part */
  static Future<Received> receive(Vertx vertx, HttpServerRequest request, StorageAuth.Grant grant, Path file,
                                  long maxBytes, boolean wholeObject) {
    String payloadHash = grant.payloadHash();
    boolean chunked = AwsChunkedDecoder.isChunked(payloadHash);
    long declared = declaredLength(request, chunked);
    if (declared > maxBytes) {
      return Future.failedFuture(new S3Exception(400, "EntityTooLarge", "Your proposed upload exceeds the maximum "
          + "allowed object size."));
    }
    String algorithm = checksumAlgorithm(request);
    Checksums sums = new Checksums(algorithm, wholeObject || payloadHash.matches("[0-9a-fA-F]{64}"));
    Promise<Received> done = Promise.promise();
    return vertx.fileSystem().open(file.toString(), new OpenOptions().setWrite(true).setCreate(true)
            .setTruncateExisting(true))
        .compose(out -> {
          Sink sink = new Sink(request, out, sums, maxBytes, done);
          AwsChunkedDecoder decoder = chunked ? new AwsChunkedDecoder(grant, AwsChunkedDecoder.isSigned(payloadHash),
              sink::write) : null;
          request.handler(buffer -> {
            try {
              if (decoder != null) {
                decoder.feed(buffer);
              } else {
                sink.write(buffer);
              }
            } catch (RuntimeException e) {
              sink.fail(e);
            }
          });
          request.exceptionHandler(sink::fail);
          request.endHandler(v -> {
            try {
              if (decoder != null) {
                decoder.end();
              }
              Checksums.Result result = sums.finish();
              check(request, payloadHash, declared, result, decoder == null ? null : decoder.trailers().get(
                  "x-amz-checksum-" + algorithm));
              out.close().onComplete(c -> {
                if (c.failed()) {
                  sink.fail(c.cause());
                } else {
                  done.tryComplete(new Received(result));
                }
              });
            } catch (RuntimeException e) {
              sink.fail(e);
            }
          });
          request.resume();
          return done.future();
        });
  }

  /** Writes payload bytes with back-pressure: the request pauses while the file's queue is full. */
  private static final class Sink {
    private final HttpServerRequest request;
    private final AsyncFile out;
    private final Checksums sums;
    private final long maxBytes;
    private final Promise<Received> done;

    Sink(HttpServerRequest request, AsyncFile out, Checksums sums, long maxBytes, Promise<Received> done) {
      this.request = request;
      this.out = out;
      this.sums = sums;
      this.maxBytes = maxBytes;
      this.done = done;
    }

    void write(Buffer data) {
      if (done.future().isComplete()) {
        return;
      }
      sums.update(data);
      if (sums.size() > maxBytes) {
        throw new S3Exception(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed object size.");
      }
      out.write(data);
      if (out.writeQueueFull()) {
        request.pause();
        out.drainHandler(v -> request.resume());
      }
    }

    void fail(Throwable e) {
      if (done.tryFail(e)) {
        out.close();
      }
    }
  }

  private static long declaredLength(HttpServerRequest request, boolean chunked) {
    String header = chunked ? request.getHeader("x-amz-decoded-content-length") : request.getHeader("Content-Length");
    if (header == null) {
      return -1;
    }
    try {
      return Long.parseLong(header.strip());
    } catch (NumberFormatException e) {
      throw S3Exception.invalidArgument("Invalid " + (chunked ? "x-amz-decoded-content-length" : "Content-Length")
          + " header.");
    }
  }

  /** The flexible checksum the client declared (header or trailer), lower case, or null. */
  private static String checksumAlgorithm(HttpServerRequest request) {
    String trailer = request.getHeader("x-amz-trailer");
    if (trailer != null && trailer.toLowerCase(Locale.ROOT).startsWith("x-amz-checksum-")) {
      return trailer.strip().substring("x-amz-checksum-".length()).toLowerCase(Locale.ROOT);
    }
    for (String alg : new String[] {"crc32", "crc32c", "sha1", "sha256", "crc64nvme"}) {
      if (request.getHeader("x-amz-checksum-" + alg) != null) {
        return alg;
      }
    }
    return null;
  }

  private static void check(HttpServerRequest request, String payloadHash, long declared, Checksums.Result result,
                            String trailerChecksum) {
    if (declared >= 0 && declared != result.size()) {
      throw S3Exception.incompleteBody();
    }
    if (payloadHash.matches("[0-9a-fA-F]{64}") && !payloadHash.equalsIgnoreCase(result.sha256Hex())) {
      throw new S3Exception(400, "XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does not "
          + "match what was computed.");
    }
    String contentMd5 = request.getHeader("Content-MD5");
    if (contentMd5 != null && !contentMd5.strip().equals(Base64.getEncoder().encodeToString(result.md5()))) {
      throw S3Exception.badDigest("Content-MD5");
    }
    if (result.algorithm() != null && result.checksum() != null) {
      String sent = trailerChecksum != null ? trailerChecksum : request.getHeader("x-amz-checksum-" + result.algorithm());
      if (sent != null && !sent.strip().equals(result.checksum())) {
        throw S3Exception.badDigest(result.algorithm().toUpperCase(Locale.ROOT));
      }
    }
  }
}
