package dev.simpletuner.cloud.server.s3;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.internal.buffer.BufferInternal;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Consumer;

/**
 * Streams a request body to a file, decoding {@code aws-chunked} bodies, computing digests on the
 * way, and checking everything the client declared: length, {@code x-amz-content-sha256},
 * {@code Content-MD5} and flexible checksums (header or trailer). The event loop only gathers the
 * body into batches; decoding, hashing and writing run on worker threads, one batch after the other
 * per request, so a large upload neither hogs an event loop nor costs a worker hand-off per network read.
 * A complete object is forced to disk before it is acknowledged. The file is the caller's to move or
 * delete; memory is bounded by the batches in flight.
 */
final class BodyReceiver {
  private static final int BATCH_BYTES = 1024 * 1024;
  private static final int MAX_BATCHES_IN_FLIGHT = 4;

  private BodyReceiver() {
  }

  /** What arrived, with its digests; already checked against every declaration. */
  record Received(Checksums.Result digests) {
  }

  /**
   * @param offset      where in {@code file} the body goes, or -1 for a file of its own (made anew)
   * @param wholeObject true for a complete object (its SHA-256 is recorded), false for a multipart part
   * @param algorithm   the checksum to compute when the request declares none (a part of an upload
   *                    created with one); null for none
   */
  static Future<Received> receive(Vertx vertx, HttpServerRequest request, StorageAuth.Grant grant, Path file,
                                  long offset, long maxBytes, boolean wholeObject, String algorithm) {
    boolean inPlace = offset >= 0;
    return expect(request, grant, maxBytes, wholeObject, algorithm).compose(expected -> vertx.executeBlocking(() ->
            inPlace ? FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)
            : FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING), false)
        .compose(channel -> run(vertx, request, grant, expected, new FileOut(channel, Math.max(offset, 0), wholeObject,
            inPlace), maxBytes)));
  }

  /** The same into {@code out} (a blob of the shared bucket): checked as a file would be, nothing written here. */
  static Future<Received> receive(Vertx vertx, HttpServerRequest request, StorageAuth.Grant grant, Out out,
                                  long maxBytes, boolean wholeObject, String algorithm) {
    return expect(request, grant, maxBytes, wholeObject, algorithm)
        .compose(expected -> run(vertx, request, grant, expected, out, maxBytes))
        .onFailure(e -> out.abandon());
  }

  /** Where a body's bytes go; called on worker threads, one call after the other. */
  interface Out {
    void write(Buffer data, ByteBuffer bytes) throws IOException;

    /** All of the body arrived and passed its checks. */
    void finish() throws IOException;

    /** The body failed (a check, the connection); nothing of it may stay. */
    void abandon();
  }

  /** What the request declares, to check the body against; refused at once when it declares too much. */
  private static Future<Declared> expect(HttpServerRequest request, StorageAuth.Grant grant, long maxBytes,
                                         boolean wholeObject, String algorithm) {
    String payloadHash = grant.payloadHash();
    boolean chunked = AwsChunkedDecoder.isChunked(payloadHash);
    long declared = declaredLength(request, chunked);
    if (declared > maxBytes) {
      return Future.failedFuture(new S3Exception(400, "EntityTooLarge", "Your proposed upload exceeds the maximum "
          + "allowed object size."));
    }
    String named = checksumAlgorithm(request);
    Checksums sums = new Checksums(named != null ? named : algorithm, wholeObject
        || payloadHash.matches("[0-9a-fA-F]{64}"));
    return Future.succeededFuture(new Declared(payloadHash, declared, request.getHeader("Content-MD5"), named,
        named == null ? null : request.getHeader("x-amz-checksum-" + named), sums));
  }

  private static Future<Received> run(Vertx vertx, HttpServerRequest request, StorageAuth.Grant grant,
                                      Declared expected, Out out, long maxBytes) {
    Sink sink = new Sink(out, expected.sums(), maxBytes);
    AwsChunkedDecoder decoder = AwsChunkedDecoder.isChunked(expected.payloadHash()) ? new AwsChunkedDecoder(grant,
        AwsChunkedDecoder.isSigned(expected.payloadHash()), sink::write) : null;
    return new Pipeline(vertx, request, decoder == null ? sink::write : decoder::feed).run(() -> {
      if (decoder != null) {
        decoder.end();
      }
      Checksums.Result result = expected.sums().finish();
      expected.check(result, decoder == null ? null : decoder.trailers().get("x-amz-checksum-" + expected.algorithm()));
      out.finish();
      return new Received(result);
    }).onFailure(e -> out.abandon());
  }

  /** A file: the body at {@code position}, forced to disk once complete. */
  private static final class FileOut implements Out {
    private final FileChannel channel;
    private final boolean wholeObject;
    private final boolean inPlace;
    private long position;

    FileOut(FileChannel channel, long position, boolean wholeObject, boolean inPlace) {
      this.channel = channel;
      this.position = position;
      this.wholeObject = wholeObject;
      this.inPlace = inPlace;
    }

    @Override
    public void write(Buffer data, ByteBuffer bytes) throws IOException {
      while (bytes.hasRemaining()) {
        position += channel.write(bytes, position);
      }
    }

    @Override
    public void finish() throws IOException {
      if (wholeObject) {
        channel.force(true);
      } else if (inPlace) {
        // Its completion moves the file as it is: the disk writes it now, while other parts still arrive.
        channel.force(false);
      }
      channel.close();
    }

    @Override
    public void abandon() {
      closeQuietly(channel);
    }
  }

  /**
   * Moves the body from the event loop to worker threads in batches, in order, pausing the request
   * while too many batches wait.
   */
  private static final class Pipeline {
    private final Vertx vertx;
    private final HttpServerRequest request;
    private final Consumer<Buffer> worker;
    private final Promise<Void> failed = Promise.promise();
    private List<Buffer> batch = new ArrayList<>();
    private int batchBytes;
    private Future<Void> tail = Future.succeededFuture();
    private int inFlight;

    Pipeline(Vertx vertx, HttpServerRequest request, Consumer<Buffer> worker) {
      this.vertx = vertx;
      this.request = request;
      this.worker = worker;
    }

    /** Feeds the whole body through the worker, then runs {@code finish} on a worker thread. */
    <T> Future<T> run(Callable<T> finish) {
      Promise<T> done = Promise.promise();
      failed.future().onFailure(done::tryFail);
      request.handler(data -> {
        if (failed.future().isComplete()) {
          return;
        }
        batch.add(data);
        batchBytes += data.length();
        if (batchBytes >= BATCH_BYTES) {
          submit();
        }
      });
      request.exceptionHandler(failed::tryFail);
      request.endHandler(v -> {
        if (!batch.isEmpty()) {
          submit();
        }
        tail.compose(x -> vertx.executeBlocking(finish, false)).onComplete(done);
      });
      // Clients that asked to be told before sending the body (the AWS SDKs do for every upload) would
      // otherwise wait out their timeout: the request was authorized, so tell them to go ahead.
      if ("100-continue".equalsIgnoreCase(request.getHeader("Expect"))) {
        request.response().writeContinue();
      }
      request.resume();
      return done.future();
    }

    private void submit() {
      List<Buffer> full = batch;
      batch = new ArrayList<>();
      batchBytes = 0;
      if (++inFlight >= MAX_BATCHES_IN_FLIGHT) {
        request.pause();
      }
      tail = tail.compose(v -> vertx.<Void>executeBlocking(() -> {
        full.forEach(worker);
        return null;
      }, false));
      tail.onComplete(ar -> {
        if (ar.failed()) {
          failed.tryFail(ar.cause());
        } else if (--inFlight == MAX_BATCHES_IN_FLIGHT / 2) {
          request.resume();
        }
      });
    }
  }

  /** Hashes and writes payload bytes; runs on a worker thread. */
  private static final class Sink {
    private final Out out;
    private final Checksums sums;
    private final long maxBytes;

    Sink(Out out, Checksums sums, long maxBytes) {
      this.out = out;
      this.sums = sums;
      this.maxBytes = maxBytes;
    }

    void write(Buffer data) {
      ByteBuffer bytes = ((BufferInternal) data).getByteBuf().nioBuffer();
      sums.update(bytes);
      if (sums.size() > maxBytes) {
        throw new S3Exception(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed object size.");
      }
      try {
        out.write(data, bytes);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** What the client declared about the body, checked once it has all arrived. */
  private record Declared(String payloadHash, long length, String contentMd5, String algorithm, String checksum,
                          Checksums sums) {
    void check(Checksums.Result result, String trailerChecksum) {
      if (length >= 0 && length != result.size()) {
        throw S3Exception.incompleteBody();
      }
      if (payloadHash.matches("[0-9a-fA-F]{64}") && !payloadHash.equalsIgnoreCase(result.sha256Hex())) {
        throw new S3Exception(400, "XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256' header does "
            + "not match what was computed.");
      }
      if (contentMd5 != null && !validMd5(contentMd5)) {
        throw new S3Exception(400, "InvalidDigest", "The Content-MD5 you specified was invalid.");
      }
      if (contentMd5 != null && !contentMd5.strip().equals(Base64.getEncoder().encodeToString(result.md5()))) {
        throw S3Exception.badDigest("Content-MD5");
      }
      if (result.algorithm() != null && result.checksum() != null) {
        String sent = trailerChecksum != null ? trailerChecksum : checksum;
        if (sent != null && !sent.strip().equals(result.checksum())) {
          throw S3Exception.badDigest(result.algorithm().toUpperCase(Locale.ROOT));
        }
      }
    }
  }

  /** A Content-MD5 that is the base64 of 16 bytes at all (else S3's InvalidDigest, not BadDigest). */
  private static boolean validMd5(String header) {
    try {
      return Base64.getDecoder().decode(header.strip()).length == 16;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static void closeQuietly(FileChannel channel) {
    try {
      channel.close();
    } catch (IOException e) {
      // the request already failed; the caller deletes the file
    }
  }

  /** The body length the client declared (for aws-chunked bodies, the decoded length), or -1. */
  static long declaredLength(HttpServerRequest request, StorageAuth.Grant grant) {
    return declaredLength(request, AwsChunkedDecoder.isChunked(grant.payloadHash()));
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
}
