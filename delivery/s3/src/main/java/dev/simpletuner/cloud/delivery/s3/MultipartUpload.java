package dev.simpletuner.cloud.delivery.s3;

import dev.simpletuner.cloud.spi.delivery.OutputFile;
import dev.simpletuner.cloud.spi.s3.S3Client;
import dev.simpletuner.cloud.spi.s3.S3Exception;
import dev.simpletuner.cloud.spi.s3.S3Request;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.LongConsumer;

/**
 * Uploads one large file in parts, resumably: the upload id is saved before the first part, so a
 * later attempt (even by a fresh target after a restart) asks the store which parts it already has
 * and sends only the others. Up to {@code parallel_parts} parts are in flight; each is streamed
 * from its byte range of the file.
 */
final class MultipartUpload {
  /** Errors after which the saved upload is useless and the next attempt must start over. */
  private static final Set<String> UNUSABLE = Set.of("NoSuchUpload", "InvalidPart", "InvalidPartOrder",
      "EntityTooSmall");

  /** How an upload went: parts in the file, parts sent now, bytes sent now, whether it resumed one. */
  record Outcome(int parts, int partsSent, long bytesSent, boolean resumed) {
  }

  private final S3Client client;
  private final S3Settings s;
  private final UploadState.Store states;
  private final String key;
  private final OutputFile file;
  private final LongConsumer progress;
  /** Bytes reported to {@code progress} so far, taken back if the upload has to start over. */
  private long reported;
  /** The upload being worked on, once known. */
  private UploadState current;

  /** {@code progress} receives byte counts as parts are confirmed (already-present parts included). */
  MultipartUpload(S3Client client, S3Settings s, UploadState.Store states, String key, OutputFile file,
                  LongConsumer progress) {
    this.client = client;
    this.s = s;
    this.states = states;
    this.key = key;
    this.file = file;
    this.progress = progress;
  }

  Future<Outcome> run() {
    return resumeOrStart().recover(e -> {
      if (!refusedForGood(e)) {
        return Future.failedFuture(e);
      }
      // The store will not finish this upload (it forgot it, or will not assemble its parts): drop it
      // and begin once more from scratch.
      UploadState stale = current;
      report(-reported);
      return (stale == null ? Future.<Void>succeededFuture() : client.abort(s, key, stale.uploadId()).<Void>mapEmpty()
          .otherwiseEmpty())
          .compose(v -> states.delete(s.bucket(), key))
          .compose(v -> start());
    });
  }

  private Future<Outcome> resumeOrStart() {
    return states.load(s.bucket(), key).compose(saved -> {
      if (saved == null) {
        return start();
      }
      if (!saved.sameContent(file.size(), file.sha256())) {
        // The file changed since that upload began: its parts are of no use.
        return client.abort(s, key, saved.uploadId()).otherwiseEmpty()
            .compose(v -> states.delete(s.bucket(), key)).compose(v -> start());
      }
      current = saved;
      return client.listParts(s, key, saved.uploadId())
          .compose(parts -> {
            SortedMap<Integer, String> kept = new TreeMap<>();
            int count = partCount(saved.partSize());
            for (S3Client.Part p : parts) {
              if (p.number() >= 1 && p.number() <= count && p.size() == partLength(p.number(), saved.partSize())) {
                kept.put(p.number(), p.etag());
              }
            }
            return upload(saved, kept, true);
          });
    });
  }

  /**
   * A definite refusal rather than a passing fault: NoSuchUpload and friends, or a 200 that is not
   * a CompleteMultipartUploadResult.
   */
  private static boolean refusedForGood(Throwable e) {
    return e instanceof S3Exception x && (x.code() != null && UNUSABLE.contains(x.code()) || x.status() == 200);
  }

  private Future<Outcome> start() {
    long partSize = partSize();
    return client.createMultipart(s, key, file.sha256()).compose(uploadId -> {
      UploadState state = new UploadState(s.bucket(), key, uploadId, file.size(), file.sha256(), partSize);
      current = state;
      return states.save(state).compose(v -> upload(state, new TreeMap<>(), false));
    });
  }

  private Future<Outcome> upload(UploadState state, SortedMap<Integer, String> etags, boolean resumed) {
    int count = partCount(state.partSize());
    Deque<Integer> missing = new ArrayDeque<>();
    long present = 0;
    for (int n = 1; n <= count; n++) {
      if (etags.containsKey(n)) {
        present += partLength(n, state.partSize());
      } else {
        missing.add(n);
      }
    }
    report(present);
    int toSend = missing.size();
    long bytesToSend = file.size() - present;
    return new Lanes(state, missing, etags).run()
        .compose(v -> client.complete(s, key, state.uploadId(), etags))
        .recover(e -> completedAnyway(e).compose(done -> done ? Future.succeededFuture() : Future.failedFuture(e)))
        .compose(v -> states.delete(s.bucket(), key))
        .map(v -> new Outcome(count, toSend, bytesToSend, resumed));
  }

  /**
   * A complete whose answer was lost is retried and then meets NoSuchUpload: the object is there.
   * Checks that by size and the SHA-256 metadata.
   */
  private Future<Boolean> completedAnyway(Throwable e) {
    if (!(e instanceof S3Exception x && "NoSuchUpload".equals(x.code()))) {
      return Future.succeededFuture(false);
    }
    return client.head(s, key).map(r -> r != null && String.valueOf(file.size()).equals(r.header("Content-Length"))
        && file.sha256().equals(r.header("x-amz-meta-sha256"))).otherwise(false);
  }

  private void report(long bytes) {
    if (bytes != 0) {
      reported += bytes;
      progress.accept(bytes);
    }
  }

  /** Parts are at least the configured size, and large enough that a file needs at most 10,000. */
  private long partSize() {
    long min = (file.size() + 9_999) / 10_000;
    long size = Math.max(s.partSizeBytes(), min);
    return (size + S3Settings.MIB - 1) / S3Settings.MIB * S3Settings.MIB;
  }

  private int partCount(long partSize) {
    return (int) Math.max(1, (file.size() + partSize - 1) / partSize);
  }

  private long partLength(int n, long partSize) {
    return Math.min(partSize, file.size() - (n - 1) * partSize);
  }

  /** Up to parallel_parts uploads at a time; after the first failure no new part starts. */
  private final class Lanes {
    private final UploadState state;
    private final Deque<Integer> queue;
    private final SortedMap<Integer, String> etags;
    private final Promise<Void> done = Promise.promise();
    private int active;
    private Throwable failure;

    Lanes(UploadState state, Deque<Integer> queue, SortedMap<Integer, String> etags) {
      this.state = state;
      this.queue = queue;
      this.etags = etags;
    }

    Future<Void> run() {
      int lanes = Math.min(s.parallelParts(), queue.size());
      if (lanes == 0) {
        done.tryComplete();
      }
      for (int i = 0; i < lanes; i++) {
        next();
      }
      return done.future();
    }

    // Callbacks run on the context the delivery runs on, so these fields need no locking.
    private void next() {
      if (failure != null || queue.isEmpty()) {
        if (active == 0) {
          if (failure == null) {
            done.tryComplete();
          } else {
            done.tryFail(failure);
          }
        }
        return;
      }
      int n = queue.poll();
      long length = partLength(n, state.partSize());
      active++;
      client.uploadPart(s, key, state.uploadId(), n,
          new S3Request.FileSlice(file.file(), (n - 1) * state.partSize(), length)).onComplete(ar -> {
            active--;
            if (ar.succeeded()) {
              etags.put(n, ar.result());
              report(length);
            } else if (failure == null) {
              failure = ar.cause();
            }
            next();
          });
    }
  }
}
