package dev.simpletuner.cloud.server.s3;

import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.bus.Addresses;
import dev.simpletuner.cloud.server.delivery.DeliveryPlanner;
import dev.simpletuner.cloud.server.job.Job;
import dev.simpletuner.cloud.server.job.JobTokens;
import dev.simpletuner.cloud.server.logging.LogSafe;
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
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
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
 * active plus a grace period. Bodies stream to disk (and, once checked, to the shared bucket with
 * {@code storage.backend: s3}: {@link ObjectBlobs}); nothing is buffered whole. The same handler
 * serves S3 at the root of its own port ({@code storage.s3_port}), for clients that take no path
 * in their endpoint.
 */
public final class StorageHandler implements Handler<RoutingContext> {
  public static final String PATH = "/api/cloud/storage";
  private static final Logger LOG = LoggerFactory.getLogger(StorageHandler.class);
  static final long MAX_OBJECT_BYTES = 5L * 1024 * 1024 * 1024;
  private static final long MIN_PART_BYTES = 5L * 1024 * 1024;
  private static final int MAX_COMPLETE_BODY = 1024 * 1024;
  /** RFC 9110's IMF-fixdate (a two-digit day: RFC_1123_DATE_TIME writes "3 Dec", which MinIO's SDK refuses). */
  static final DateTimeFormatter HTTP_DATE = DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'",
      Locale.US).withZone(ZoneOffset.UTC);

  private final Vertx vertx;
  private final ServerContext ctx;
  private final StorageAuth auth;
  private final ObjectFiles files;
  private final ObjectBlobs blobs;
  private final OutputStore outputs;
  private final MultipartCompletion completion;
  private final DatasetHandler datasets;
  private final UploadGuard guard;
  private final PartSlots slots;
  private final String base;

  /** The endpoint below {@link #PATH} of the API's port. */
  public StorageHandler(Vertx vertx, ServerContext ctx) {
    this(vertx, ctx, PATH);
  }

  /** @param base the path S3 is served below: {@link #PATH}, or "" at the root of the S3 port */
  public StorageHandler(Vertx vertx, ServerContext ctx, String base) {
    this.base = base;
    this.vertx = vertx;
    this.ctx = ctx;
    this.auth = new StorageAuth(ctx.tokens(), base);
    this.files = new ObjectFiles(ctx.config().outputsDir());
    this.blobs = ctx.blobs();
    this.outputs = ctx.store().outputs();
    this.completion = new MultipartCompletion(vertx, files);
    this.datasets = new DatasetHandler(vertx, ctx);
    this.guard = new UploadGuard(vertx, ctx);
    this.slots = PartSlots.of(vertx);
  }

  /** A request as S3 sees it: bucket, decoded key (null for bucket requests) and decoded query. */
  record S3Call(HttpServerRequest request, String bucket, String key, Map<String, String> query,
                        String requestId, boolean rootListener) {
    boolean has(String param) {
      return query.containsKey(param);
    }

    String resource() {
      return "/" + (bucket == null ? "" : bucket) + (key == null ? "" : "/" + key);
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
    handle(rc.request());
  }

  /** Serves one S3 request (the root listener hands requests straight here). */
  public void handle(HttpServerRequest request) {
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
      call = parse(request, base, requestId);
    } catch (S3Exception e) {
      fail(request, e, request.path(), requestId);
      return;
    }
    authorize(call)
        .compose(access -> route(call, access))
        .onFailure(e -> fail(request, e, call.resource(), requestId));
  }

  private static S3Call parse(HttpServerRequest request, String base, String requestId) {
    String rest = request.path().substring(Math.min(base.length(), request.path().length()));
    Map<String, String> query = new HashMap<>();
    SigV4.decodeQuery(request.query()).forEach(p -> query.putIfAbsent(p.getKey(), p.getValue()));
    if (rest.isEmpty() || rest.equals("/")) {
      return new S3Call(request, null, null, query, requestId, base.isEmpty()); // the service
    }
    if (!rest.startsWith("/")) {
      throw new S3Exception(400, "InvalidBucketName", "Name a bucket: " + base + "/<bucket>/<key>.");
    }
    rest = rest.substring(1);
    int slash = rest.indexOf('/');
    String bucket = SigV4.percentDecode(slash < 0 ? rest : rest.substring(0, slash));
    String rawKey = slash < 0 ? "" : rest.substring(slash + 1);
    String key = rawKey.isEmpty() ? null : SigV4.percentDecode(rawKey);
    return new S3Call(request, bucket, key, query, requestId, base.isEmpty());
  }

  private Future<Access> authorize(S3Call call) {
    StorageAuth.Grant grant;
    try {
      grant = auth.verify(call.request(), Instant.ofEpochMilli(ctx.now()));
    } catch (S3Exception e) {
      LOG.info("Storage request refused ({} {}): {}", call.request().method(), LogSafe.of(call.resource()), e.code());
      return Future.failedFuture(e);
    }
    return ctx.store().jobs().get(grant.jobId()).map(found -> {
      Job job = found.orElseThrow(S3Exception::invalidAccessKeyId);
      long graceEnd = job.completedAt() == null ? Long.MAX_VALUE
          : job.completedAt() + ctx.config().storage().graceSeconds() * 1000;
      if (job.status().isTerminal() && ctx.now() > graceEnd) {
        throw S3Exception.accessDenied("These credentials expired: job " + job.jobId() + " ended more than "
            + ctx.config().storage().graceSeconds() + " seconds ago.");
      }
      if (call.bucket() == null) {
        return new Access(grant, job, null);
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

  /** Sub-resources S3 has and this endpoint does not: S3's own 501 answer, never a 500. */
  private static final Set<String> UNSUPPORTED = Set.of("tagging", "retention", "legal-hold", "torrent", "restore",
      "select", "cors", "policy", "lifecycle", "website", "logging", "notification", "replication", "encryption",
      "object-lock", "accelerate", "requestPayment", "ownershipControls", "publicAccessBlock", "analytics", "metrics",
      "inventory", "intelligent-tiering", "policyStatus", "versions");

  private Future<Void> route(S3Call call, Access access) {
    HttpMethod method = call.request().method();
    if (call.bucket() == null) {
      if (method != HttpMethod.GET) {
        throw new S3Exception(405, "MethodNotAllowed", "The specified method is not allowed against this resource.");
      }
      List<String> buckets = access.grant().kind() == JobTokens.StorageKind.DATASETS
          ? DatasetBuckets.all(access.job()) : List.of(DeliveryPlanner.HOME_BUCKET);
      return respond(call, 200, null, S3Xml.buckets(access.job().jobId(), buckets, access.job().createdAt()));
    }
    for (String param : UNSUPPORTED) {
      if (call.has(param)) {
        throw S3Exception.notImplemented("The " + param + " sub-resource");
      }
    }
    if (method == HttpMethod.PUT || method == HttpMethod.POST) {
      CannedAcl.check(call.request().headers());
    }
    if (call.has("acl")) {
      // Reading the one ACL there is, or setting it to what it is already (a canned owner-only one).
      boolean canned = call.request().headers().contains("x-amz-acl");
      if (method != HttpMethod.GET && !(method == HttpMethod.PUT && canned && access.dataset() == null)) {
        throw S3Exception.notImplemented("Setting an ACL other than a canned private one");
      }
      return (call.key() == null || access.dataset() != null ? Future.<Void>succeededFuture()
          : outputs.get(call.bucket(), call.key()).map(found -> {
            found.orElseThrow(S3Exception::noSuchKey);
            return null;
          })).compose(v -> method == HttpMethod.PUT ? respond(call, 200, null, null)
          : respond(call, 200, null, S3Xml.acl(access.job().jobId())));
    }
    if (access.dataset() != null) {
      return datasets.route(call, access);
    }
    if (call.key() == null) {
      if (method == HttpMethod.HEAD || method == HttpMethod.PUT) {
        return respond(call, 200, null, null);
      }
      if (method == HttpMethod.DELETE) {
        return respond(call, 204, null, null); // the bucket is the server's: it stays, as after a delete of it
      }
      if (method == HttpMethod.POST && call.has("delete")) {
        return deleteObjects(call, access);
      }
      if (method == HttpMethod.GET) {
        if (call.has("location")) {
          return respond(call, 200, null, S3Xml.location());
        }
        if (call.has("versioning")) {
          return respond(call, 200, null, S3Xml.head() + "<VersioningConfiguration xmlns=\"" + S3Xml.NS + "\"/>");
        }
        if (call.has("uploads")) {
          return outputs.uploads(access.job().jobId())
              .compose(list -> respond(call, 200, null, S3Xml.uploads(call.bucket(), list)));
        }
        return list(call, access);
      }
    } else if (method == HttpMethod.PUT) {
      if (call.request().getHeader("x-amz-copy-source") != null) {
        return call.has("uploadId") ? uploadPartCopy(call, access) : copyObject(call, access);
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
      if (call.has("attributes") && method == HttpMethod.GET) {
        return attributes(call);
      }
      return call.has("uploadId") && method == HttpMethod.GET ? listParts(call, access) : getObject(call);
    } else if (method == HttpMethod.DELETE) {
      return call.has("uploadId") ? abortUpload(call, access) : deleteObject(call).compose(v -> respond(call, 204,
          null, null));
    }
    throw new S3Exception(405, "MethodNotAllowed", "The specified method is not allowed against this resource.");
  }

  private Future<Void> putObject(S3Call call, Access access) {
    java.nio.file.Path temp = files.incoming();
    return outputs.get(call.bucket(), call.key())
        // Checked before the body is read (a refused write costs no upload) and again when it is stored.
        .map(existing -> {
          Preconditions.write(call.request().headers(), existing.map(OutputStore.Output::etag).orElse(null));
          return null;
        })
        .compose(v -> mkdirs(temp.getParent()))
        .compose(v -> guard.allowance(access.job(), call.request(), MAX_OBJECT_BYTES))
        .compose(allowed -> {
          long declared = BodyReceiver.declaredLength(call.request(), access.grant());
          // A body of a declared length goes straight to a shared bucket as it is checked; else to a file first.
          return blobs.incoming(declared <= allowed ? declared : -1).compose(incoming -> incoming == null
              ? BodyReceiver.receive(vertx, call.request(), access.grant(), temp, -1, allowed, true, null)
                  .compose(received -> stored(call, access, received, () -> blobs.keep(call.bucket(), call.key(), temp,
                      received.digests().sha256Hex())))
              : BodyReceiver.receive(vertx, call.request(), access.grant(), incoming.out(), allowed, true, null)
                  .compose(received -> stored(call, access, received, () -> incoming.stored(received.digests()
                      .md5Hex())))
                  // Answered once nothing of the body stays in the bucket.
                  .recover(e -> incoming.discard().transform(x -> Future.failedFuture(e))));
        })
        .onFailure(e -> {
          guard.refused(access.job(), e);
          vertx.fileSystem().delete(temp.toString());
        });
  }

  /** Records a received PutObject body whose bytes {@code place} keeps, and answers with its ETag. */
  private Future<Void> stored(S3Call call, Access access, BodyReceiver.Received received,
                              java.util.function.Supplier<Future<String>> place) {
    Checksums.Result digests = received.digests();
    MultiMap request = call.request().headers();
    return store(call, access, place, new Stored(digests.size(), digests.md5Hex(), digests.sha256Hex(),
        request.get("Content-Type"), StoredHeaders.userMetadata(request), attrs(StoredHeaders.kept(request), digests,
        null)))
        .compose(v -> {
          MultiMap headers = MultiMap.caseInsensitiveMultiMap().add("ETag", quote(digests.md5Hex()));
          echoChecksum(headers, digests);
          return respond(call, 200, headers, null);
        });
  }

  /** What an object is besides its file; {@code attrs} as {@link OutputStore.Output#attrs()}. */
  record Stored(long size, String etag, String sha256, String contentType, JsonObject metadata, JsonObject attrs) {
  }

  /** An object's attrs: kept headers, the flexible checksum of its body, the sizes of its parts. */
  private static JsonObject attrs(JsonObject headers, Checksums.Result digests, JsonArray partSizes) {
    JsonObject checksum = digests == null || digests.algorithm() == null || digests.checksum() == null ? null
        : new JsonObject().put("algorithm", digests.algorithm()).put("value", digests.checksum())
            .put("type", MultipartChecksum.FULL_OBJECT);
    return attrs(headers, checksum, partSizes, null);
  }

  /**
   * @param checksum      {algorithm, value, type} of the whole object, or null
   * @param partChecksums each part's checksum in the object's algorithm, or null
   */
  private static JsonObject attrs(JsonObject headers, JsonObject checksum, JsonArray partSizes,
                                  JsonArray partChecksums) {
    JsonObject attrs = new JsonObject();
    if (headers != null) {
      attrs.put("headers", headers);
    }
    if (checksum != null) {
      attrs.put("checksum", checksum);
    }
    if (partChecksums != null) {
      attrs.put("part_checksums", partChecksums);
    }
    if (partSizes != null) {
      attrs.put("parts", partSizes);
    }
    return attrs.isEmpty() ? null : attrs;
  }

  /**
   * Makes a received file the object's bytes ({@link ObjectBlobs#keep}) and records it; the job's
   * delivery is told. The bytes of the version it replaces are removed.
   */
  Future<Void> store(S3Call call, Access access, Path temp, Stored o) {
    return store(call, access, () -> blobs.keep(call.bucket(), call.key(), temp, o.sha256()), o);
  }

  /**
   * Records an object whose bytes {@code place} puts where they stay (giving the recorded file
   * path); the bytes of the version it replaces are removed, unless they are the same file.
   */
  private Future<Void> store(S3Call call, Access access, java.util.function.Supplier<Future<String>> place,
                             Stored o) {
    return outputs.get(call.bucket(), call.key()).compose(existing -> {
      Preconditions.write(call.request().headers(), existing.map(OutputStore.Output::etag).orElse(null));
      return place.get()
          .compose(recorded -> outputs.put(new OutputStore.Output(call.bucket(), call.key(), access.job().jobId(),
                  o.size(), o.etag(), o.sha256(), o.contentType(), o.metadata(), ctx.now(), recorded, o.attrs()))
              .compose(v -> existing.filter(old -> !java.util.Objects.equals(old.filePath(), recorded))
                  .map(blobs::delete).orElse(Future.succeededFuture())));
    }).onSuccess(v -> vertx.eventBus().publish(Addresses.JOB_OUTPUT, new JsonObject()
        .put("job_id", access.job().jobId()).put("key", call.key()).put("size", o.size())));
  }

  private Future<Void> createUpload(S3Call call, Access access) {
    String uploadId = UUID.randomUUID().toString().replace("-", "");
    JsonObject kept = StoredHeaders.kept(call.request().headers());
    MultipartChecksum checksum = MultipartChecksum.of(call.request().headers());
    JsonObject attrs = new JsonObject();
    if (kept != null) {
      attrs.put("headers", kept);
    }
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    if (checksum != null) {
      attrs.put("checksum", checksum.toJson());
      headers.add("x-amz-checksum-algorithm", checksum.wireName()).add("x-amz-checksum-type", checksum.type());
    }
    // In a shared bucket the upload is the bucket's own (kept with the row), so any instance takes its parts.
    Future<Void> prepared = blobs.backing() == null ? mkdirs(files.uploadDir(uploadId))
        : blobs.backing().create().map(backing -> {
          attrs.put(ObjectBlobs.Backing.ATTR, backing);
          return null;
        });
    return prepared
        .compose(v -> outputs.createUpload(new OutputStore.Upload(uploadId, access.job().jobId(), call.bucket(),
            call.key(), call.request().getHeader("Content-Type"), StoredHeaders.userMetadata(call.request().headers()),
            ctx.now(), attrs.isEmpty() ? null : attrs, null)))
        .onSuccess(v -> {
          if (blobs.backing() == null) {
            slots.open(uploadId);
          }
        })
        .compose(v -> respond(call, 200, headers, S3Xml.initiated(call.bucket(), call.key(), uploadId)));
  }

  /** The backing upload of an upload in the shared bucket, or null for parts kept on this disk. */
  private JsonObject backingOf(OutputStore.Upload u) {
    return blobs.backing() == null || u.attrs() == null ? null : u.attrs().getJsonObject(ObjectBlobs.Backing.ATTR);
  }

  /** The checksum the upload was created with, or null. */
  private static MultipartChecksum checksumOf(OutputStore.Upload u) {
    return u.attrs() == null ? null : MultipartChecksum.from(u.attrs().getJsonObject("checksum"));
  }

  /** The call's upload; a completed one only when {@code completedToo} (a retried complete). */
  private Future<OutputStore.Upload> upload(S3Call call, Access access, boolean completedToo) {
    return outputs.upload(call.query().get("uploadId")).map(found -> {
      OutputStore.Upload u = found.orElseThrow(S3Exception::noSuchUpload);
      if (!u.jobId().equals(access.job().jobId()) || !u.key().equals(call.key()) || !u.bucket().equals(call.bucket())
          || (u.completedEtag() != null && !completedToo)) {
        throw S3Exception.noSuchUpload();
      }
      return u;
    });
  }

  private Future<Void> uploadPart(S3Call call, Access access) {
    int number = partNumber(call.query().get("partNumber"));
    long ticket = UploadRaces.partStarted();
    String uploadId = call.query().get("uploadId");
    Path temp = files.incoming();
    return upload(call, access, false).compose(u -> mkdirs(temp.getParent())
        .compose(v -> guard.allowance(access.job(), call.request(), MAX_OBJECT_BYTES))
        .compose(allowed -> {
          String algorithm = algorithmOf(u);
          long declared = BodyReceiver.declaredLength(call.request(), access.grant());
          PartSlots.Place place = slots.place(files, uploadId, number, declared <= allowed ? declared : -1,
              MIN_PART_BYTES, temp);
          JsonObject backing = backingOf(u);
          // A part of a declared length goes straight to the backing upload as it is checked; else to a file first.
          Future<ObjectBlobs.Incoming> streamed = backing != null && declared >= 0 && declared <= allowed
              ? blobs.backing().incomingPart(backing, number, declared) : Future.succeededFuture();
          return streamed.compose(incoming -> (incoming == null
                  ? BodyReceiver.receive(vertx, call.request(), access.grant(), place.file(), place.offset(),
                      place.inPlace() ? declared : allowed, false, algorithm)
                  : BodyReceiver.receive(vertx, call.request(), access.grant(), incoming.out(), allowed, false,
                      algorithm))
              .compose(received -> {
                String sent = received.digests().algorithm();
                if (algorithm != null && !algorithm.equals(sent)) {
                  throw S3Exception.invalidRequest("Checksum Type mismatch occurred, expected checksum Type: "
                      + algorithm + ", actual checksum Type: " + sent);
                }
                return commitPart(call, backing, incoming, number, ticket, place, received.digests(),
                    algorithm != null);
              })
              .onFailure(e -> {
                if (incoming != null) {
                  incoming.discard();
                }
              }))
              .onComplete(ar -> place.release())
              .compose(digests -> {
                MultiMap headers = MultiMap.caseInsensitiveMultiMap().add("ETag", quote(digests.md5Hex()));
                echoChecksum(headers, digests);
                return respond(call, 200, headers, null);
              });
        }))
        .onFailure(e -> {
          guard.refused(access.job(), e);
          vertx.fileSystem().delete(temp.toString());
        });
  }

  /** The checksum algorithm of an upload, in which each of its parts is summed; null for none. */
  private static String algorithmOf(OutputStore.Upload u) {
    MultipartChecksum checksum = checksumOf(u);
    return checksum == null ? null : checksum.algorithm();
  }

  /**
   * Makes a received body the part, unless a later send of the same part already is (then it is
   * dropped). A body written in place needs no move; with a backing upload in the shared bucket the
   * body is sent there as the same part and the file dropped.
   *
   * @param backing      the upload's backing upload ({@link #backingOf}), or null
   * @param streamed     the body as it went to the backing upload while it arrived, or null
   * @param keepChecksum the upload has a checksum algorithm: the part's checksum in it is recorded
   * @return the body's digests
   */
  private Future<Checksums.Result> commitPart(S3Call call, JsonObject backing, ObjectBlobs.Incoming streamed,
                                              int number, long ticket, PartSlots.Place place, Checksums.Result digests,
                                              boolean keepChecksum) {
    String uploadId = call.query().get("uploadId");
    OutputStore.Part part = new OutputStore.Part(number, digests.size(), digests.md5Hex(), ctx.now(),
        keepChecksum ? digests.checksum() : null, place.inPlace() ? place.offset() : null);
    return UploadRaces.commitPart(uploadId, number, ticket, () -> (place.inPlace() ? Future.<Void>succeededFuture()
            : streamed != null ? streamed.stored(digests.md5Hex()).<Void>mapEmpty()
            : backing != null ? blobs.backing().part(backing, number, place.file(), digests.size())
            : vertx.fileSystem().move(place.file().toString(), files.part(uploadId, number).toString(),
                new io.vertx.core.file.CopyOptions().setReplaceExisting(true).setAtomicMove(true)))
            .compose(v -> outputs.putPart(uploadId, part)))
        .compose(committed -> (committed && backing == null) || place.inPlace() || streamed != null
            ? Future.<Void>succeededFuture() : vertx.fileSystem().delete(place.file().toString()))
        .map(digests);
  }

  private Future<Void> uploadPartCopy(S3Call call, Access access) {
    int number = partNumber(call.query().get("partNumber"));
    long ticket = UploadRaces.partStarted();
    Path temp = files.incoming();
    return upload(call, access, false).compose(u -> copySource(call, access)
        .compose(source -> {
          ByteRange range = ObjectCopy.range(call.request().getHeader("x-amz-copy-source-range"), source.size());
          long offset = range == null ? 0 : range.first();
          long length = range == null ? source.size() : range.length();
          return mkdirs(temp.getParent()).compose(v -> copyOf(source, offset, length, temp, algorithmOf(u)));
        })
        .compose(digests -> commitPart(call, backingOf(u), null, number, ticket, PartSlots.Place.own(temp), digests,
            algorithmOf(u) != null)
            .compose(v -> respond(call, 200, null, S3Xml.copied("CopyPartResult", digests.md5Hex(), ctx.now())))))
        .onFailure(e -> vertx.fileSystem().delete(temp.toString()));
  }

  private Future<Void> completeUpload(S3Call call, Access access) {
    return upload(call, access, true)
        .compose(u -> readSmallBody(call.request()).map(body -> S3Xml.completeRequest(body.getBytes()))
            .compose(requested -> {
              if (u.completedEtag() != null) {
                return answerCompleted(call, u.completedEtag());
              }
              Future<String> running = UploadRaces.completing(u.uploadId());
              if (running != null) {
                return answerCompletion(call, access, u, running);
              }
              MultipartChecksum checksum = checksumOf(u);
              String declared = checksum == null ? null
                  : call.request().getHeader("x-amz-checksum-" + checksum.algorithm());
              return outputs.parts(u.uploadId())
                  .map(stored -> MultipartCompletion.check(requested, stored, MIN_PART_BYTES, checksum, declared))
                  .compose(plan -> answerCompletion(call, access, u, UploadRaces.completeOnce(u.uploadId(),
                      () -> join(call, access, u, plan))), e -> upload(call, access, true)
                      // The first complete may have finished (and taken the parts) since this one looked.
                      .compose(now -> now.completedEtag() != null ? answerCompleted(call, now.completedEtag())
                          : Future.failedFuture(e)));
            }));
  }

  /** A retry of a complete that succeeded (its answer was lost): S3 answers it the same. */
  private Future<Void> answerCompleted(S3Call call, String etag) {
    return completed(call, etag).compose(xml -> respond(call, 200, null, S3Xml.head() + xml));
  }

  /** The answer to a complete that made the object with this ETag, with the object's checksum if it is still it. */
  private Future<String> completed(S3Call call, String etag) {
    return outputs.get(call.bucket(), call.key()).map(found -> {
      JsonObject checksum = found.filter(o -> etag.equals(o.etag()) && o.attrs() != null)
          .map(o -> o.attrs().getJsonObject("checksum")).orElse(null);
      return S3Xml.completed(call.request().absoluteURI(), call.bucket(), call.key(), etag, checksum);
    });
  }

  /**
   * Joining large parts takes a while: answers 200 at once and keeps the connection alive with
   * whitespace, then sends the result or an {@code <Error>} (as S3 does; SDKs read the body). A
   * retry arriving while the first request still joins waits for that one's result.
   */
  private Future<Void> answerCompletion(S3Call call, Access access, OutputStore.Upload u, Future<String> done) {
    HttpServerResponse response = call.request().response();
    response.setStatusCode(200).setChunked(true).putHeader("Content-Type", "application/xml")
        .putHeader("x-amz-request-id", call.requestId());
    response.write(S3Xml.head());
    long keepAlive = vertx.setPeriodic(5_000, id -> response.write(" "));
    return Future.fromCompletionStage(done.toCompletionStage(), vertx.getOrCreateContext()).transform(ar -> {
      vertx.cancelTimer(keepAlive);
      if (ar.succeeded()) {
        // A client that went away (its retry is answered on its own) leaves nothing to tell.
        return completed(call, ar.result()).compose(response::end).otherwiseEmpty();
      }
      S3Exception e = ar.cause() instanceof S3Exception s ? s : S3Exception.internal("Completing the upload failed; "
          + "try again.");
      LOG.warn("Completing upload {} of job {} failed: {}", u.uploadId(), access.job().jobId(),
          LogSafe.of(ar.cause().toString()));
      return response.end(S3Xml.error(e, call.resource(), call.requestId()).replace(S3Xml.head(), ""))
          .otherwiseEmpty();
    });
  }

  /** Joins and stores the object; the upload stays recorded as completed with its ETag. */
  private Future<String> join(S3Call call, Access access, OutputStore.Upload u, MultipartCompletion.Plan plan) {
    Path temp = files.incoming();
    JsonArray sizes = new JsonArray();
    plan.parts().forEach(p -> sizes.add(p.size()));
    JsonObject kept = u.attrs() == null ? null : u.attrs().getJsonObject("headers");
    JsonObject backing = backingOf(u);
    Future<Joined> joined = backing != null ? joinInBucket(u, plan, backing, temp.getParent())
        : mkdirs(temp.getParent()).compose(v -> completion.join(u.uploadId(), plan, temp))
            .map(j -> new Joined(j, () -> blobs.keep(call.bucket(), call.key(), temp, j.sha256()),
                Future::succeededFuture));
    return joined
        .compose(j -> store(call, access, j.place(), new Stored(j.digests().size(), plan.etag(), j.digests().sha256(),
            u.contentType(), u.metadata(), attrs(kept, j.digests().checksum(), sizes, plan.partChecksums())))
            .onFailure(e -> j.discard().get()))
        .compose(v -> outputs.completeUpload(u.uploadId(), plan.etag(), ctx.now()))
        .onSuccess(v -> {
          UploadRaces.forget(u.uploadId());
          slots.forget(u.uploadId());
          // The parts are no longer needed; removing a large upload's files need not delay the answer.
          vertx.fileSystem().deleteRecursive(files.uploadDir(u.uploadId()).toString());
        })
        .onFailure(e -> vertx.fileSystem().delete(temp.toString()))
        .map(plan.etag());
  }

  /** A completed object: its digests, how its bytes take their place, how to drop them if it is not stored. */
  private record Joined(MultipartCompletion.Joined digests, java.util.function.Supplier<Future<String>> place,
                        java.util.function.Supplier<Future<Void>> discard) {
  }

  /**
   * Completes the backing upload in the shared bucket and hashes the object from a copy of it (its
   * SHA-256 and full-object checksum span every part, wherever they arrived).
   */
  private Future<Joined> joinInBucket(OutputStore.Upload u, MultipartCompletion.Plan plan, JsonObject backing,
                                      Path scratch) {
    return blobs.backing().complete(backing, plan.parts()).compose(recorded -> {
      OutputStore.Output blob = new OutputStore.Output(u.bucket(), u.key(), u.jobId(), 0, plan.etag(), null, null, null,
          ctx.now(), recorded, null);
      java.util.function.Supplier<Future<Void>> discard = () -> blobs.delete(blob);
      return blobs.local(blob, scratch)
          .compose(local -> completion.digest(plan, local.path())
              .eventually(() -> vertx.fileSystem().delete(local.path().toString())))
          .map(digests -> new Joined(digests, () -> Future.succeededFuture(recorded), discard))
          .onFailure(e -> discard.get());
    });
  }

  private Future<Void> listParts(S3Call call, Access access) {
    return upload(call, access, false).compose(u -> outputs.parts(u.uploadId())
        .compose(parts -> respond(call, 200, null, S3Xml.parts(call.bucket(), call.key(), u.uploadId(), parts,
            checksumOf(u)))));
  }

  private Future<Void> abortUpload(S3Call call, Access access) {
    return upload(call, access, false)
        .compose(u -> outputs.deleteUpload(u.uploadId())
            .compose(v -> (backingOf(u) != null ? blobs.backing().abort(backingOf(u))
                : vertx.fileSystem().deleteRecursive(files.uploadDir(u.uploadId()).toString()))
                .recover(e -> Future.succeededFuture()))
            .onSuccess(v -> {
              UploadRaces.forget(u.uploadId());
              slots.forget(u.uploadId());
            }))
        .compose(v -> respond(call, 204, null, null));
  }

  private Future<OutputStore.Output> existing(String bucket, String key) {
    return outputs.get(bucket, key).map(found -> found.orElseThrow(S3Exception::noSuchKey));
  }

  private Future<Void> getObject(S3Call call) {
    return existing(call.bucket(), call.key()).compose(o -> sendObject(call, o, (response, offset, length) ->
        blobs.send(response, o, offset, length, call.rootListener())));
  }

  private Future<Void> attributes(S3Call call) {
    String header = String.join(",", call.request().headers().getAll("x-amz-object-attributes"));
    if (header == null || header.isBlank()) {
      throw new S3Exception(400, "InvalidArgument", "The x-amz-object-attributes header specifying the attributes to "
          + "be retrieved is either missing or empty");
    }
    Set<String> asked = new java.util.HashSet<>();
    Arrays.stream(header.split(",")).map(a -> a.strip().toLowerCase(Locale.ROOT)).forEach(asked::add);
    return existing(call.bucket(), call.key()).compose(o -> {
      Preconditions.read(call.request().headers(), o.etag(), o.updatedAt());
      MultiMap headers = MultiMap.caseInsensitiveMultiMap()
          .add("Last-Modified", HTTP_DATE.format(Instant.ofEpochMilli(o.updatedAt())));
      return respond(call, 200, headers, S3Xml.attributes(o, asked,
          count(call.request().getHeader("x-amz-max-parts"), 1000, 1000),
          count(call.request().getHeader("x-amz-part-number-marker"), 0, 10_000)));
    });
  }

  /**
   * Answers GetObject (whole, a Range or a part) or HeadObject with an object's bytes (sent by
   * {@code body}) and what is known about it, after its conditions.
   */
  static Future<Void> sendObject(S3Call call, OutputStore.Output o, Body body) {
    HttpServerResponse response = call.request().response();
    // A 304 carries the ETag and Last-Modified too.
    response.putHeader("ETag", quote(o.etag()))
        .putHeader("Last-Modified", HTTP_DATE.format(Instant.ofEpochMilli(o.updatedAt())));
    Preconditions.read(call.request().headers(), o.etag(), o.updatedAt());
    response
        .putHeader("Accept-Ranges", "bytes")
        .putHeader("Content-Type", o.contentType() != null ? o.contentType() : "application/octet-stream")
        .putHeader("x-amz-request-id", call.requestId());
    JsonObject attrs = o.attrs() == null ? new JsonObject() : o.attrs();
    StoredHeaders.apply(response, attrs.getJsonObject("headers"), o.metadata(), call.query());
    ByteRange range = call.has("partNumber") ? partRange(call, o.size(), attrs.getJsonArray("parts"), response)
        : range(call.request().getHeader("Range"), o.size());
    JsonObject checksum = attrs.getJsonObject("checksum");
    if (checksum != null && "ENABLED".equalsIgnoreCase(call.request().getHeader("x-amz-checksum-mode"))) {
      // The whole object's checksum, or a part's own one for ?partNumber=; a byte range has none.
      JsonArray partChecksums = attrs.getJsonArray("part_checksums");
      String value = call.has("partNumber") && partChecksums != null
          ? partChecksums.getString(partNumber(call.query().get("partNumber")) - 1)
          : range == null ? checksum.getString("value") : null;
      if (value != null) {
        response.putHeader("x-amz-checksum-" + checksum.getString("algorithm"), value)
            .putHeader("x-amz-checksum-type", checksum.getString("type", MultipartChecksum.FULL_OBJECT));
      }
    }
    if (range != null) {
      response.setStatusCode(206).putHeader("Content-Range", "bytes " + range.first() + "-" + range.last() + "/"
          + o.size());
    }
    long offset = range == null ? 0 : range.first();
    long length = range == null ? o.size() : range.length();
    call.request().resume();
    if (call.request().method() == HttpMethod.HEAD || length == 0) {
      response.putHeader("Content-Length", String.valueOf(length));
      return response.end();
    }
    return body.send(response, offset, length);
  }

  /** Sends an object's bytes from {@code offset} as a response body (its headers are set). */
  interface Body {
    Future<Void> send(HttpServerResponse response, long offset, long length);
  }

  private static ByteRange range(String header, long size) {
    try {
      return ByteRange.parse(header, size);
    } catch (ByteRange.Unsatisfiable e) {
      throw new S3Exception(416, "InvalidRange", e.getMessage());
    }
  }

  /** {@code ?partNumber=}: that part's bytes of a multipart object; part 1 of any other is all of it. */
  private static ByteRange partRange(S3Call call, long size, JsonArray parts, HttpServerResponse response) {
    if (call.request().getHeader("Range") != null) {
      throw new S3Exception(400, "InvalidRequest", "Cannot specify both Range header and partNumber query parameter");
    }
    int number = partNumber(call.query().get("partNumber"));
    int count = parts == null ? 1 : parts.size();
    if (number > count) {
      throw new S3Exception(400, "InvalidPart", "The requested partnumber is not satisfiable");
    }
    if (parts == null) {
      return null;
    }
    response.putHeader("x-amz-mp-parts-count", String.valueOf(count));
    long first = 0;
    for (int i = 0; i < number - 1; i++) {
      first += parts.getLong(i);
    }
    return new ByteRange(first, first + parts.getLong(number - 1) - 1);
  }

  /**
   * Deletes a key's object and file if it has one, after its conditions (S3 answers a delete of an
   * absent key the same, whatever the conditions).
   */
  private Future<Void> deleteObject(S3Call call) {
    MultiMap h = call.request().headers();
    return deleteKey(call.bucket(), new S3Xml.DeleteTarget(call.key(), h.get("If-Match"),
        h.get("x-amz-if-match-last-modified-time"), h.get("x-amz-if-match-size")));
  }

  private Future<Void> deleteKey(String bucket, S3Xml.DeleteTarget target) {
    return outputs.get(bucket, target.key()).compose(found -> {
      if (found.isEmpty()) {
        return Future.succeededFuture();
      }
      OutputStore.Output o = found.get();
      Preconditions.delete(target.etag(), target.lastModified(), target.size(), o.etag(), o.updatedAt(), o.size());
      return outputs.delete(bucket, target.key()).compose(v -> blobs.delete(o));
    });
  }

  /** DeleteObjects: each key as DeleteObject would, refusals reported per key. */
  private Future<Void> deleteObjects(S3Call call, Access access) {
    return readSmallBody(call.request()).map(body -> S3Xml.deleteRequest(body.getBytes())).compose(request -> {
      List<S3Xml.Deletion> results = new ArrayList<>();
      Future<Void> chain = Future.succeededFuture();
      for (S3Xml.DeleteTarget target : request.objects()) {
        String key = target.key();
        chain = chain.compose(v -> {
          try {
            ObjectFiles.checkKey(key);
            if (!key.startsWith(access.prefix())) {
              throw S3Exception.accessDenied("Access Denied");
            }
          } catch (S3Exception e) {
            results.add(new S3Xml.Deletion(key, e));
            return Future.succeededFuture();
          }
          // A condition that fails is that key's error; anything else fails the request.
          return deleteKey(call.bucket(), target).<Void>transform(ar -> {
            if (ar.failed() && !(ar.cause() instanceof S3Exception)) {
              return Future.failedFuture(ar.cause());
            }
            results.add(new S3Xml.Deletion(key, ar.failed() ? (S3Exception) ar.cause() : null));
            return Future.succeededFuture();
          });
        });
      }
      return chain.compose(v -> respond(call, 200, null, S3Xml.deleted(results, request.quiet())));
    });
  }

  /** The object {@code x-amz-copy-source} names, within what these credentials reach, after its conditions. */
  private Future<OutputStore.Output> copySource(S3Call call, Access access) {
    ObjectCopy.Source source = ObjectCopy.source(call.request().getHeader("x-amz-copy-source"));
    if (!DeliveryPlanner.HOME_BUCKET.equals(source.bucket())) {
      throw DatasetBuckets.isDatasetBucket(source.bucket()) ? S3Exception.accessDenied("Access Denied: copies read "
          + "only this job's outputs.") : new S3Exception(404, "NoSuchBucket", "The specified bucket does not exist.");
    }
    ObjectFiles.checkKey(source.key());
    if (!source.key().startsWith(access.prefix())) {
      throw S3Exception.accessDenied("Access Denied: this job's credentials reach only keys below " + access.prefix());
    }
    return existing(source.bucket(), source.key()).map(o -> {
      Preconditions.copySource(call.request().headers(), o.etag(), o.updatedAt());
      return o;
    });
  }

  private Future<Void> copyObject(S3Call call, Access access) {
    String directive = call.request().headers().get("x-amz-metadata-directive");
    boolean replace = "REPLACE".equalsIgnoreCase(directive);
    if (directive != null && !replace && !"COPY".equalsIgnoreCase(directive)) {
      throw S3Exception.invalidArgument("Unknown metadata directive.");
    }
    Path temp = files.incoming();
    return copySource(call, access).compose(source -> {
      if (source.key().equals(call.key()) && !replace) {
        throw new S3Exception(400, "InvalidRequest", "This copy request is illegal because it is trying to copy an "
            + "object to itself without changing the object's metadata, storage class, website redirect location or "
            + "encryption attributes.");
      }
      JsonObject checksum = source.attrs() == null ? null : source.attrs().getJsonObject("checksum");
      String algorithm = checksum == null ? null : checksum.getString("algorithm");
      return mkdirs(temp.getParent())
          .compose(v -> copyOf(source, 0, source.size(), temp, algorithm))
          .compose(digests -> {
            MultiMap request = call.request().headers();
            JsonObject kept = replace ? StoredHeaders.kept(request)
                : source.attrs() == null ? null : source.attrs().getJsonObject("headers");
            Stored stored = new Stored(digests.size(), digests.md5Hex(), digests.sha256Hex(),
                replace ? request.get("Content-Type") : source.contentType(),
                replace ? StoredHeaders.userMetadata(request) : source.metadata(), attrs(kept, digests, null));
            long now = ctx.now();
            return store(call, access, temp, stored)
                .compose(v -> respond(call, 200, null, S3Xml.copied("CopyObjectResult", digests.md5Hex(), now)));
          });
    }).onFailure(e -> vertx.fileSystem().delete(temp.toString()));
  }

  /**
   * Copies bytes of an object into {@code temp} with their digests, through a local copy of a blob
   * in the shared bucket (deleted after).
   */
  private Future<Checksums.Result> copyOf(OutputStore.Output source, long offset, long length, Path temp,
                                          String algorithm) {
    return blobs.local(source, temp.getParent()).compose(local -> vertx.executeBlocking(() -> ObjectCopy.copy(
            local.path(), offset, length, temp, algorithm), false)
        .eventually(() -> local.copy() ? vertx.fileSystem().delete(local.path().toString())
            : Future.succeededFuture()));
  }

  private Future<Void> list(S3Call call, Access access) {
    String prefix = call.query().getOrDefault("prefix", "");
    if (!prefix.startsWith(access.prefix()) && !access.prefix().startsWith(prefix)) {
      throw S3Exception.accessDenied("Access Denied: this job's credentials list only keys below " + access.prefix());
    }
    return outputs.list(access.job().jobId())
        .compose(all -> respond(call, 200, null, ObjectListing.render(call.bucket(), all, call.query(),
            access.job().jobId())));
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
    if (e instanceof io.vertx.core.http.HttpClosedException || request.response().closed()) {
      LOG.info("Storage request {} {} ended: the client closed the connection", request.method(), LogSafe.of(resource));
      return;
    }
    if (s3 == null) {
      LOG.error("Storage request {} {} failed", request.method(), LogSafe.of(resource), e);
      s3 = S3Exception.internal("We encountered an internal error. Please try again.");
    } else if (s3.status() >= 500) {
      LOG.warn("Storage request {} {} answered {} {}", request.method(), LogSafe.of(resource), s3.status(), s3.code());
    }
    HttpServerResponse response = request.response();
    if (response.ended()) {
      return;
    }
    if (s3.status() == 304) {
      request.resume();
      response.setStatusCode(304).putHeader("x-amz-request-id", requestId).end();
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

  /** A non-negative count header up to {@code max} ({@code absent} when missing). */
  private static int count(String value, int absent, int max) {
    if (value == null) {
      return absent;
    }
    try {
      int n = Integer.parseInt(value.strip());
      if (n >= 0) {
        return Math.min(n, max);
      }
    } catch (NumberFormatException e) {
      // refused below
    }
    throw S3Exception.invalidArgument("A part count or marker must be a non-negative integer.");
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

  static void echoChecksum(MultiMap headers, Checksums.Result digests) {
    if (digests.algorithm() != null && digests.checksum() != null) {
      headers.add("x-amz-checksum-" + digests.algorithm(), digests.checksum());
    }
  }

  static String quote(String etag) {
    return "\"" + etag + "\"";
  }
}
