package dev.simpletuner.cloud.delivery.s3;

import dev.simpletuner.cloud.spi.CredentialStatus;
import dev.simpletuner.cloud.spi.delivery.DeliveryContext;
import dev.simpletuner.cloud.spi.delivery.DeliveryJob;
import dev.simpletuner.cloud.spi.delivery.DeliveryPlan;
import dev.simpletuner.cloud.spi.delivery.DeliveryProgress;
import dev.simpletuner.cloud.spi.delivery.DeliveryRequest;
import dev.simpletuner.cloud.spi.delivery.DeliveryResult;
import dev.simpletuner.cloud.spi.delivery.DeliveryTarget;
import dev.simpletuner.cloud.spi.delivery.OutputFile;
import dev.simpletuner.cloud.spi.s3.S3Client;
import dev.simpletuner.cloud.spi.s3.S3Exception;
import dev.simpletuner.cloud.spi.s3.S3Request;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.lang.System.Logger.Level;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Delivers a finished job's files to an S3-compatible store, either by pushing the files this server
 * holds (mode {@code server}, the default: credentials never leave this machine) or by handing the
 * store's settings to the trainer (mode {@code trainer}).
 */
final class S3Delivery implements DeliveryTarget {
  /** Above this a single PUT is not allowed by S3. */
  private static final long MAX_SINGLE_PUT = 5L * 1024 * 1024 * 1024;
  private static final String PROBE = ".simpletuner-write-check";

  private final DeliveryContext context;
  private final S3Client client;
  private final UploadState.Store states;

  S3Delivery(DeliveryContext context) {
    this(context, S3Client.Backoff.DEFAULT);
  }

  /** Tests shorten the backoff so failure paths run quickly. */
  S3Delivery(DeliveryContext context, S3Client.Backoff backoff) {
    this.context = context;
    this.client = new S3Client(context.vertx(), backoff);
    this.states = new UploadState.Store(context.vertx(), context.dataDir().resolve("multipart"));
  }

  @Override
  public Future<CredentialStatus> validate() {
    S3Settings s;
    try {
      s = S3Settings.from(context.settings());
    } catch (IllegalArgumentException e) {
      return Future.succeededFuture(CredentialStatus.invalid("The S3 endpoint_url is not a valid URL: "
          + e.getMessage()));
    }
    String missing = s.missing();
    if (missing != null) {
      return Future.succeededFuture(CredentialStatus.invalid(missing));
    }
    String probe = s.prefix() + PROBE;
    return onContext(() -> client.putBytes(s, probe, Buffer.buffer("simpletuner write check\n"), 2)
        .compose(v -> client.delete(s, probe, 2).transform(ar -> {
          if (ar.failed()) {
            // Writing is what delivery needs; a key that may not delete is still usable.
            context.logger().log(Level.WARNING, "Could not delete the write-check object " + s.s3Url(probe) + ": "
                + ar.cause().getMessage());
          }
          return Future.succeededFuture(CredentialStatus.ok(s.bucket()));
        }))
        .recover(e -> Future.succeededFuture(CredentialStatus.invalid(e instanceof S3Exception x ? x.summary()
            : "Could not reach the S3 endpoint " + s.endpoint() + ": " + e.getMessage()))));
  }

  /** Switched on with {@code enabled}: every job without a delivery list of its own comes here. */
  @Override
  public boolean servesByDefault(JsonObject config) {
    return "true".equals(context.settings().get(S3DeliveryFactory.ENABLED));
  }

  @Override
  public Future<DeliveryPlan> plan(DeliveryRequest request) {
    S3Settings s;
    try {
      s = settings(request.options());
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    String missing = s.missing();
    if (missing != null) {
      return Future.failedFuture(new IllegalArgumentException(missing));
    }
    String base = s.prefix() + request.jobId();
    JsonObject options = new JsonObject().put("prefix", s.prefix());
    if (s.trainerMode()) {
      JsonObject entry = new JsonObject().put("provider", "s3").put("bucket", s.bucket())
          .put("endpoint_url", s.endpoint().toString()).put("region", s.region())
          .put("access_key", s.credentials().accessKey()).put("secret_key", s.credentials().secretKey())
          .put("use_ssl", s.https()).put("base_path", base);
      String warning = "The S3 secret key for bucket " + s.bucket() + " is handed to the provider "
          + request.providerId() + " so the trainer can upload itself; use a key limited to this bucket.";
      return Future.succeededFuture(new DeliveryPlan(false, s.s3Url(base + "/"), options, null,
          new JsonArray().add(entry), null, List.of(warning)));
    }
    if (!request.outputsComeHome()) {
      return Future.failedFuture(new IllegalArgumentException("S3 delivery in server mode needs the trained model "
          + "to come back to this machine first: set the Webhook URL (a public tunnel URL such as ngrok's) in "
          + "Settings, or set the S3 target's mode to \"trainer\" so the trainer uploads to the bucket itself."));
    }
    return Future.succeededFuture(DeliveryPlan.byServer(s.s3Url(base + "/"), options));
  }

  @Override
  public Future<DeliveryResult> deliver(DeliveryJob job, DeliveryProgress progress) {
    S3Settings s;
    try {
      s = settings(job.options());
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    String missing = s.missing();
    if (missing != null) {
      return Future.failedFuture(new IllegalArgumentException(missing));
    }
    if (job.files().isEmpty()) {
      return Future.failedFuture(new IllegalStateException("No files were received from the trainer."));
    }
    Tally tally = new Tally(job.totalBytes(), progress);
    return onContext(() -> deliverFrom(0, job, s, tally)).map(v -> {
      String base = s.prefix() + job.jobId() + "/";
      String note = tally.files + (tally.files == 1 ? " file" : " files") + " (" + tally.multipart + " multipart, "
          + tally.alreadyThere + " already there)";
      context.logger().log(Level.INFO, "Delivered job " + job.jobId() + " to " + s.s3Url(base) + ": " + note);
      return new DeliveryResult(s.s3Url(base), tally.done, note);
    });
  }

  @Override
  public void close() {
    client.close();
  }

  /** Counters of one delivery; touched only on the delivery's context. */
  private static final class Tally {
    final long total;
    final DeliveryProgress progress;
    long done;
    int files;
    int multipart;
    int alreadyThere;

    Tally(long total, DeliveryProgress progress) {
      this.total = total;
      this.progress = progress;
    }

    void add(long bytes) {
      done += bytes;
      progress.bytesDone(done, total);
    }
  }

  /** Files one after the other (a large file's parts already go in parallel). */
  private Future<Void> deliverFrom(int i, DeliveryJob job, S3Settings s, Tally tally) {
    if (i >= job.files().size()) {
      return Future.succeededFuture();
    }
    OutputFile file = job.files().get(i);
    String key = s.prefix() + job.jobId() + "/" + file.path();
    return deliverFile(s, key, file, tally).compose(v -> {
      tally.files++;
      return deliverFrom(i + 1, job, s, tally);
    });
  }

  private Future<Void> deliverFile(S3Settings s, String key, OutputFile file, Tally tally) {
    return client.head(s, key).recover(e -> {
      // Write-only keys may not read: without an answer the file is simply uploaded.
      return e instanceof S3Exception x && x.status() == 403 ? Future.succeededFuture() : Future.failedFuture(e);
    }).compose(existing -> {
      if (existing != null && String.valueOf(file.size()).equals(existing.header("Content-Length"))
          && file.sha256().equalsIgnoreCase(String.valueOf(existing.header("x-amz-meta-sha256")))) {
        tally.alreadyThere++;
        tally.add(file.size());
        return Future.succeededFuture();
      }
      if (file.size() < s.thresholdBytes() && file.size() <= MAX_SINGLE_PUT) {
        return client.putFile(s, key, new S3Request.FileSlice(file.file(), 0, file.size()), file.sha256())
            .map(r -> {
              tally.add(file.size());
              return null;
            });
      }
      tally.multipart++;
      return new MultipartUpload(client, s, states, key, file, tally::add).run().map(o -> {
        if (o.resumed()) {
          context.logger().log(Level.INFO, "Resumed the upload of " + s.s3Url(key) + ": sent " + o.partsSent()
              + " of " + o.parts() + " parts (" + o.bytesSent() + " bytes)");
        }
        return null;
      });
    });
  }

  /** Current settings, with the per-job prefix a submission (or the plan) may set. */
  private S3Settings settings(JsonObject options) {
    Map<String, String> values = new HashMap<>(context.settings());
    Object prefix = options == null ? null : options.getValue("prefix");
    if (prefix != null) {
      if (!(prefix instanceof String p) || p.contains("..")) {
        throw new IllegalArgumentException("The S3 option \"prefix\" must be a key prefix such as \"models/\".");
      }
      values.put(S3DeliveryFactory.PREFIX, p);
    }
    return S3Settings.from(values);
  }

  /** Runs on a Vert.x context so every callback of one delivery lands on the same thread. */
  private <T> Future<T> onContext(Supplier<Future<T>> work) {
    Vertx vertx = context.vertx();
    if (Vertx.currentContext() != null) {
      return safely(work);
    }
    Context ctx = vertx.getOrCreateContext();
    Promise<T> promise = Promise.promise();
    ctx.runOnContext(v -> safely(work).onComplete(promise));
    return promise.future();
  }

  private static <T> Future<T> safely(Supplier<Future<T>> work) {
    try {
      return work.get();
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }
}
