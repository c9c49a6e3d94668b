package dev.simpletuner.cloud.server.s3;

import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.bus.Addresses;
import dev.simpletuner.cloud.server.delivery.DeliveryPlanner;
import dev.simpletuner.cloud.server.job.Job;
import dev.simpletuner.cloud.server.job.JobTokens;
import dev.simpletuner.cloud.server.store.OutputStore;
import dev.simpletuner.cloud.spi.s3.SigV4;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The S3-compatible storage endpoint {@code /api/cloud/storage/{bucket}/{key}} (SPEC.md section 6):
 * cloud trainers send checkpoints and the final model home through it with boto3 or any AWS SDK,
 * signed with their job's own output credentials, which only reach keys below {@code <job id>/}
 * of bucket {@code outputs}; and they read the job's local datasets from it with the job's dataset
 * credentials ({@link DatasetBuckets}, served by {@link DatasetHandler}). Both work while the job is
 * active plus a grace period. Bodies stream to disk; nothing is buffered whole.
 */
public final class StorageHandler implements Handler<RoutingContext> {
  public static final String PATH = "/api/cloud/storage";
  private static final Logger LOG = LoggerFactory.getLogger(StorageHandler.class);
  static final long MAX_OBJECT_BYTES = 5L * 1024 * 1024 * 1024;
  private static final long MIN_PART_BYTES = 5L * 1024 * 1024;
  private static final int MAX_COMPLETE_BODY = 1024 * 1024;
  static final DateTimeFormatter HTTP_DATE = DateTimeFormatter.RFC_1123_DATE_TIME.withZone(ZoneOffset.UTC);

  private final Vertx vertx;
  private final ServerContext ctx;
  private final StorageAuth auth;
  private final ObjectFiles files;
  private final OutputStore outputs;
  private final MultipartCompletion completion;
  private final DatasetHandler datasets;
  private final UploadGuard guard;

  public StorageHandler(Vertx vertx, ServerContext ctx) {
    this.vertx = vertx;
    this.ctx = ctx;
    this.auth = new StorageAuth(ctx.tokens());
    this.files = new ObjectFiles(ctx.config().outputsDir());
    this.outputs = ctx.store().outputs();
    this.completion = new MultipartCompletion(vertx, files);
    this.datasets = new DatasetHandler(vertx, ctx);
    this.guard = new UploadGuard(vertx, ctx);
  }

  /** A request as S3 sees it: bucket, decoded key (null for bucket requests) and decoded query. */
  record S3Call(HttpServerRequest request, String bucket, String key, Map<String, String> query,
                        String requestId) {
    boolean has(String param) {
      return query.containsKey(param);
    }

    String resource() {
      return "/" + bucket + (key == null ? "" : "/" + key);
    }
  }

  /**
   * A verified caller: the job whose credentials signed the request, and for dataset credentials
   * the served dataset the bucket stands for (null for outputs).
   */
  record Access(StorageAuth.Grant grant, Job job, DatasetBuckets.Served dataset) {
    String prefix() {
      return job.jobId() + "/";
    }
  }

  /** The methods S3 clients use here; the contract documents the same ones. */
  private static final Set<HttpMethod> METHODS = Set.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.PUT,
      HttpMethod.POST, HttpMethod.DELETE);
  private static final String ALLOW = "GET, HEAD, PUT, POST, DELETE";

  @Override
  public void handle(RoutingContext rc) {
    HttpServerRequest request = rc.request();
    request.pause();
    String requestId = Long.toHexString(ThreadLocalRandom.current().nextLong()).toUpperCase(Locale.ROOT);
    if (!METHODS.contains(request.method())) {
      // Before authentication: the method is wrong whoever asks.
      fail(request, new S3Exception(405, "MethodNotAllowed", "The specified method is not allowed against this "
          + "resource."), request.path(), requestId);
      return;
    }
    S3Call call;
    try {
      call = parse(request, requestId);
    } catch (S3Exception e) {
      fail(request, e, request.path(), requestId);
      return;
    }
    authorize(call)
        .compose(access -> route(call, access))
        .onFailure(e -> fail(request, e, call.resource(), requestId));
  }

  private static S3Call parse(HttpServerRequest request, String requestId) {
    String rest = request.path().substring(PATH.length());
    if (!rest.startsWith("/") || rest.length() < 2) {
      throw new S3Exception(400, "InvalidBucketName", "Name a bucket: " + PATH + "/<bucket>/<key>.");
    }
    rest = rest.substring(1);
    int slash = rest.indexOf('/');
    String bucket = SigV4.percentDecode(slash < 0 ? rest : rest.substring(0, slash));
    String rawKey = slash < 0 ? "" : rest.substring(slash + 1);
    String key = rawKey.isEmpty() ? null : SigV4.percentDecode(rawKey);
    Map<String, String> query = new HashMap<>();
    SigV4.decodeQuery(request.query()).forEach(p -> query.putIfAbsent(p.getKey(), p.getValue()));
    return new S3Call(request, bucket, key, query, requestId);
  }

  private Future<Access> authorize(S3Call call) {
    StorageAuth.Grant grant;
    try {
      grant = auth.verify(call.request(), Instant.ofEpochMilli(ctx.now()));
    } catch (S3Exception e) {
      LOG.info("Storage request refused ({} {}): {}", call.request().method(), call.resource(), e.code());
      return Future.failedFuture(e);
    }
    return ctx.store().jobs().get(grant.jobId()).map(found -> {
      Job job = found.orElseThrow(() -> new S3Exception(403, "InvalidAccessKeyId", "The AWS Access Key Id you "
          + "provided does not exist in our records."));
      long graceEnd = job.completedAt() == null ? Long.MAX_VALUE
          : job.completedAt() + ctx.config().storage().graceSeconds() * 1000;
      if (job.status().isTerminal() && ctx.now() > graceEnd) {
        throw S3Exception.accessDenied("These credentials expired: job " + job.jobId() + " ended more than "
            + ctx.config().storage().graceSeconds() + " seconds ago.");
      }
      return grant.kind() == JobTokens.StorageKind.DATASETS ? datasetAccess(call, grant, job)
          : outputAccess(call, grant, job);
    });
  }

  private static Access outputAccess(S3Call call, StorageAuth.Grant grant, Job job) {
    if (DatasetBuckets.isDatasetBucket(call.bucket())) {
      throw S3Exception.accessDenied("Access Denied: output credentials do not reach dataset buckets; trainers "
          + "read their datasets with the job's dataset credentials.");
    }
    if (!DeliveryPlanner.HOME_BUCKET.equals(call.bucket())) {
      throw new S3Exception(404, "NoSuchBucket", "The specified bucket does not exist.");
    }
    Access access = new Access(grant, job, null);
    if (call.key() != null) {
      ObjectFiles.checkKey(call.key());
      if (!call.key().startsWith(access.prefix())) {
        throw S3Exception.accessDenied("Access Denied: this job's credentials reach only keys below "
            + access.prefix());
      }
    }
    return access;
  }

  private static Access datasetAccess(S3Call call, StorageAuth.Grant grant, Job job) {
    DatasetBuckets.Served served = DatasetBuckets.find(job, call.bucket());
    if (served == null) {
      if (DatasetBuckets.isOfJob(call.bucket(), job.jobId())) {
        throw new S3Exception(404, "NoSuchBucket", "The specified bucket does not exist.");
      }
      throw S3Exception.accessDenied("Access Denied: these dataset credentials reach only the dataset buckets of job "
          + job.jobId() + ".");
    }
    if (call.key() != null) {
      ObjectFiles.checkKey(call.key());
    }
    return new Access(grant, job, served);
  }

  private Future<Void> route(S3Call call, Access access) {
    if (access.dataset() != null) {
      return datasets.route(call, access);
    }
    HttpMethod method = call.request().method();
    if (call.key() == null) {
      if (method == HttpMethod.HEAD || method == HttpMethod.PUT) {
        return respond(call, 200, null, null);
      }
      if (method == HttpMethod.GET) {
        if (call.has("location")) {
          return respond(call, 200, null, S3Xml.location());
        }
        if (call.has("uploads")) {
          return outputs.uploads(access.job().jobId())
              .compose(list -> respond(call, 200, null, S3Xml.uploads(call.bucket(), list)));
        }
        return list(call, access);
      }
    } else if (method == HttpMethod.PUT) {
      if (call.request().getHeader("x-amz-copy-source") != null) {
        throw S3Exception.notImplemented("CopyObject");
      }
      return call.has("uploadId") ? uploadPart(call, access) : putObject(call, access);
    } else if (method == HttpMethod.POST) {
      if (call.has("uploads")) {
        return createUpload(call, access);
      }
      if (call.has("uploadId")) {
        return completeUpload(call, access);
      }
    } else if (method == HttpMethod.GET || method == HttpMethod.HEAD) {
      return call.has("uploadId") && method == HttpMethod.GET ? listParts(call, access) : getObject(call);
    } else if (method == HttpMethod.DELETE) {
      return call.has("uploadId") ? abortUpload(call, access) : deleteObject(call);
    }
    throw new S3Exception(405, "MethodNotAllowed", "The specified method is not allowed against this resource.");
  }

  private Future<Void> putObject(S3Call call, Access access) {
    java.nio.file.Path temp = files.incoming();
    return mkdirs(temp.getParent())
        .compose(v -> guard.allowance(access.job(), call.request(), MAX_OBJECT_BYTES))
        .compose(allowed -> BodyReceiver.receive(vertx, call.request(), access.grant(), temp, allowed, true))
        .compose(received -> store(call, access, temp, received.digests().size(), received.digests().md5Hex(),
            received.digests().sha256Hex(), call.request().getHeader("Content-Type"), userMetadata(call.request()))
            .compose(v -> {
              MultiMap headers = MultiMap.caseInsensitiveMultiMap().add("ETag", quote(received.digests().md5Hex()));
              echoChecksum(headers, received.digests());
              return respond(call, 200, headers, null);
            }))
        .onFailure(e -> {
          guard.refused(access.job(), e);
          vertx.fileSystem().delete(temp.toString());
        });
  }

  /** Moves a received file into place and records it; the job's delivery is told. */
  Future<Void> store(S3Call call, Access access, java.nio.file.Path temp, long size, String etag, String sha256,
                     String contentType, JsonObject metadata) {
    java.nio.file.Path target = files.object(call.bucket(), call.key());
    return mkdirs(target.getParent())
        .compose(v -> vertx.fileSystem().move(temp.toString(), target.toString(),
            new io.vertx.core.file.CopyOptions().setReplaceExisting(true).setAtomicMove(true)))
        .recover(e -> Future.failedFuture(new S3Exception(409, "InvalidArgument", "The key conflicts with an existing "
            + "object or folder of the same name.")))
        .compose(v -> outputs.put(new OutputStore.Output(call.bucket(), call.key(), access.job().jobId(), size, etag,
            sha256, contentType, metadata, ctx.now())))
        .onSuccess(v -> vertx.eventBus().publish(Addresses.JOB_OUTPUT, new JsonObject()
            .put("job_id", access.job().jobId()).put("key", call.key()).put("size", size)));
  }

  private Future<Void> createUpload(S3Call call, Access access) {
    String uploadId = UUID.randomUUID().toString().replace("-", "");
    return mkdirs(files.uploadDir(uploadId))
        .compose(v -> outputs.createUpload(new OutputStore.Upload(uploadId, access.job().jobId(), call.bucket(),
            call.key(), call.request().getHeader("Content-Type"), userMetadata(call.request()), ctx.now())))
        .compose(v -> respond(call, 200, null, S3Xml.initiated(call.bucket(), call.key(), uploadId)));
  }

  private Future<OutputStore.Upload> upload(S3Call call, Access access) {
    return outputs.upload(call.query().get("uploadId")).map(found -> {
      OutputStore.Upload u = found.orElseThrow(S3Exception::noSuchUpload);
      if (!u.jobId().equals(access.job().jobId()) || !u.key().equals(call.key()) || !u.bucket().equals(call.bucket())) {
        throw S3Exception.noSuchUpload();
      }
      return u;
    });
  }

  private Future<Void> uploadPart(S3Call call, Access access) {
    int number = partNumber(call.query().get("partNumber"));
    java.nio.file.Path temp = files.incoming();
    return upload(call, access)
        .compose(u -> mkdirs(temp.getParent()))
        .compose(v -> guard.allowance(access.job(), call.request(), MAX_OBJECT_BYTES))
        .compose(allowed -> BodyReceiver.receive(vertx, call.request(), access.grant(), temp, allowed, false))
        .compose(received -> vertx.fileSystem().move(temp.toString(),
                files.part(call.query().get("uploadId"), number).toString(),
                new io.vertx.core.file.CopyOptions().setReplaceExisting(true).setAtomicMove(true))
            .compose(v -> outputs.putPart(call.query().get("uploadId"), new OutputStore.Part(number,
                received.digests().size(), received.digests().md5Hex(), ctx.now())))
            .compose(v -> {
              MultiMap headers = MultiMap.caseInsensitiveMultiMap().add("ETag", quote(received.digests().md5Hex()));
              echoChecksum(headers, received.digests());
              return respond(call, 200, headers, null);
            }))
        .onFailure(e -> {
          guard.refused(access.job(), e);
          vertx.fileSystem().delete(temp.toString());
        });
  }

  private Future<Void> completeUpload(S3Call call, Access access) {
    return upload(call, access)
        .compose(u -> readSmallBody(call.request()).map(body -> S3Xml.completeRequest(body.getBytes()))
            .compose(requested -> outputs.parts(u.uploadId()).map(stored -> MultipartCompletion.check(requested,
                stored, MIN_PART_BYTES)))
            .compose(plan -> {
              // Joining large parts takes a while: answer 200 now and keep the connection alive with
              // whitespace, then send the result or an <Error> (as S3 does; SDKs read the body).
              HttpServerResponse response = call.request().response();
              response.setStatusCode(200).setChunked(true).putHeader("Content-Type", "application/xml")
                  .putHeader("x-amz-request-id", call.requestId());
              response.write(S3Xml.head());
              long keepAlive = vertx.setPeriodic(5_000, id -> response.write(" "));
              java.nio.file.Path temp = files.incoming();
              return mkdirs(temp.getParent())
                  .compose(v -> completion.join(u.uploadId(), plan, temp))
                  .compose(joined -> store(call, access, temp, joined.size(), plan.etag(), joined.sha256(),
                      u.contentType(), u.metadata()))
                  .compose(v -> outputs.deleteUpload(u.uploadId()))
                  .transform(ar -> {
                    vertx.cancelTimer(keepAlive);
                    if (ar.succeeded()) {
                      // The parts are no longer needed; removing a large upload's files need not delay the answer.
                      vertx.fileSystem().deleteRecursive(files.uploadDir(u.uploadId()).toString());
                      return response.end(S3Xml.completed(call.request().absoluteURI(), call.bucket(), call.key(),
                          plan.etag()));
                    }
                    vertx.fileSystem().delete(temp.toString());
                    S3Exception e = ar.cause() instanceof S3Exception s ? s : S3Exception.internal("Completing the "
                        + "upload failed; try again.");
                    LOG.warn("Completing upload {} of job {} failed: {}", u.uploadId(), access.job().jobId(),
                        ar.cause().toString());
                    return response.end(S3Xml.error(e, call.resource(), call.requestId()).replace(S3Xml.head(), ""));
                  });
            }));
  }

  private Future<Void> listParts(S3Call call, Access access) {
    return upload(call, access).compose(u -> outputs.parts(u.uploadId()))
        .compose(parts -> respond(call, 200, null, S3Xml.parts(call.bucket(), call.key(),
            call.query().get("uploadId"), parts)));
  }

  private Future<Void> abortUpload(S3Call call, Access access) {
    return upload(call, access)
        .compose(u -> outputs.deleteUpload(u.uploadId())
            .compose(v -> vertx.fileSystem().deleteRecursive(files.uploadDir(u.uploadId()).toString())
                .recover(e -> Future.succeededFuture())))
        .compose(v -> respond(call, 204, null, null));
  }

  private Future<Void> getObject(S3Call call) {
    return outputs.get(call.bucket(), call.key()).compose(found -> {
      OutputStore.Output o = found.orElseThrow(S3Exception::noSuchKey);
      return sendObject(call, files.object(call.bucket(), call.key()), o.size(), o.etag(), o.updatedAt(),
          o.contentType(), o.metadata());
    });
  }

  /** Answers GetObject (whole or a Range) or HeadObject with a file's bytes and what is known about it. */
  static Future<Void> sendObject(S3Call call, java.nio.file.Path file, long size, String etag, long modifiedAt,
                                 String contentType, JsonObject metadata) {
    HttpServerResponse response = call.request().response();
    response.putHeader("ETag", quote(etag))
        .putHeader("Last-Modified", HTTP_DATE.format(Instant.ofEpochMilli(modifiedAt)))
        .putHeader("Accept-Ranges", "bytes")
        .putHeader("Content-Type", contentType != null ? contentType : "application/octet-stream")
        .putHeader("x-amz-request-id", call.requestId());
    if (metadata != null) {
      metadata.forEach(e -> response.putHeader("x-amz-meta-" + e.getKey(), String.valueOf(e.getValue())));
    }
    ByteRange range;
    try {
      range = ByteRange.parse(call.request().getHeader("Range"), size);
    } catch (ByteRange.Unsatisfiable e) {
      throw new S3Exception(416, "InvalidRange", e.getMessage());
    }
    if (range != null) {
      response.setStatusCode(206).putHeader("Content-Range", "bytes " + range.first() + "-" + range.last() + "/"
          + size);
    }
    long offset = range == null ? 0 : range.first();
    long length = range == null ? size : range.length();
    call.request().resume();
    if (call.request().method() == HttpMethod.HEAD) {
      response.putHeader("Content-Length", String.valueOf(length));
      return response.end();
    }
    return response.sendFile(file.toString(), offset, length);
  }

  private Future<Void> deleteObject(S3Call call) {
    java.nio.file.Path file = files.object(call.bucket(), call.key());
    return outputs.delete(call.bucket(), call.key())
        .compose(v -> vertx.fileSystem().delete(file.toString()).recover(e -> Future.succeededFuture()))
        .compose(v -> respond(call, 204, null, null));
  }

  private Future<Void> list(S3Call call, Access access) {
    String prefix = call.query().getOrDefault("prefix", "");
    if (!prefix.startsWith(access.prefix()) && !access.prefix().startsWith(prefix)) {
      throw S3Exception.accessDenied("Access Denied: this job's credentials list only keys below " + access.prefix());
    }
    return outputs.list(access.job().jobId())
        .compose(all -> respond(call, 200, null, ObjectListing.render(call.bucket(), all, call.query())));
  }

  static Future<Void> respond(S3Call call, int status, MultiMap headers, String xml) {
    HttpServerResponse response = call.request().response().setStatusCode(status)
        .putHeader("x-amz-request-id", call.requestId());
    if (headers != null) {
      response.headers().addAll(headers);
    }
    call.request().resume();
    if (xml == null) {
      return response.end();
    }
    return response.putHeader("Content-Type", "application/xml").end(xml);
  }

  private void fail(HttpServerRequest request, Throwable e, String resource, String requestId) {
    S3Exception s3 = e instanceof S3Exception s ? s : null;
    if (s3 == null) {
      LOG.error("Storage request {} {} failed", request.method(), resource, e);
      s3 = S3Exception.internal("We encountered an internal error. Please try again.");
    }
    HttpServerResponse response = request.response();
    if (response.ended()) {
      return;
    }
    if (response.headWritten()) {
      response.reset();
      return;
    }
    // The client may still be sending a body nobody will read: end this connection after the answer.
    if (s3.status() == 405) {
      response.putHeader(HttpHeaders.ALLOW, ALLOW); // RFC 9110 15.5.6: a 405 names the methods there are
    }
    response.setStatusCode(s3.status()).putHeader("Content-Type", "application/xml")
        .putHeader("x-amz-request-id", requestId).putHeader("Connection", "close");
    response.end(request.method() == HttpMethod.HEAD ? "" : S3Xml.error(s3, resource, requestId));
  }

  private Future<Buffer> readSmallBody(HttpServerRequest request) {
    io.vertx.core.Promise<Buffer> body = io.vertx.core.Promise.promise();
    Buffer collected = Buffer.buffer();
    request.handler(b -> {
      if (collected.length() + b.length() > MAX_COMPLETE_BODY) {
        body.tryFail(S3Exception.malformedXml());
      } else {
        collected.appendBuffer(b);
      }
    });
    request.exceptionHandler(body::tryFail);
    request.endHandler(v -> body.tryComplete(collected));
    request.resume();
    return body.future();
  }

  private Future<Void> mkdirs(java.nio.file.Path dir) {
    return vertx.fileSystem().mkdirs(dir.toString());
  }

  private static int partNumber(String value) {
    try {
      int n = Integer.parseInt(value);
      if (n >= 1 && n <= 10_000) {
        return n;
      }
    } catch (NumberFormatException | NullPointerException e) {
      // refused below
    }
    throw S3Exception.invalidArgument("Part number must be an integer between 1 and 10000, inclusive.");
  }

  private static JsonObject userMetadata(HttpServerRequest request) {
    JsonObject meta = new JsonObject();
    request.headers().forEach(h -> {
      String name = h.getKey().toLowerCase(Locale.ROOT);
      if (name.startsWith("x-amz-meta-") && meta.size() < 64) {
        meta.put(name.substring("x-amz-meta-".length()), h.getValue());
      }
    });
    return meta.isEmpty() ? null : meta;
  }

  static void echoChecksum(MultiMap headers, Checksums.Result digests) {
    if (digests.algorithm() != null && digests.checksum() != null) {
      headers.add("x-amz-checksum-" + digests.algorithm(), digests.checksum());
    }
  }

  static String quote(String etag) {
    return "\"" + etag + "\"";
  }
}
