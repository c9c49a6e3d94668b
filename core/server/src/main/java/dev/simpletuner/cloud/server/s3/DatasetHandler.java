package dev.simpletuner.cloud.server.s3;

import static dev.simpletuner.cloud.server.s3.StorageHandler.respond;

import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.store.OutputStore;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;

/**
 * The S3 operations on a dataset bucket ({@link DatasetBuckets}), as SimpleTuner's S3 data backend
 * uses them: listing the whole bucket page by page, GetObject (with Range), HeadObject; PutObject
 * and DeleteObject for the trainer's own files, which live in the job's scratch area, within its
 * allowance. The dataset's own files are never written or deleted. File work runs on worker threads.
 */
final class DatasetHandler {
  private final Vertx vertx;
  private final ServerContext ctx;
  private final ListingCache listings;
  private final ScratchSpace scratch;

  DatasetHandler(Vertx vertx, ServerContext ctx) {
    this.vertx = vertx;
    this.ctx = ctx;
    this.listings = ListingCache.of(vertx);
    this.scratch = ScratchSpace.of(vertx);
  }

  Future<Void> route(StorageHandler.S3Call call, StorageHandler.Access access) {
    HttpMethod method = call.request().method();
    DatasetBuckets.Served served = access.dataset();
    if (call.key() == null) {
      if (method == HttpMethod.HEAD || method == HttpMethod.PUT) {
        return respond(call, 200, null, null);
      }
      if (method == HttpMethod.GET) {
        if (call.has("location")) {
          return respond(call, 200, null, S3Xml.location());
        }
        if (call.has("uploads")) {
          return respond(call, 200, null, S3Xml.uploads(call.bucket(), List.of()));
        }
        return list(call, served);
      }
    } else if (call.has("uploads") || call.has("uploadId")) {
      // Multipart would need its parts counted against the scratch allowance; the trainer's caches are
      // written with PutObject.
      if (method == HttpMethod.POST && call.has("uploads")) {
        throw S3Exception.notImplemented("Multipart upload to a dataset bucket");
      }
      throw S3Exception.noSuchUpload();
    } else if (method == HttpMethod.PUT) {
      if (call.request().getHeader("x-amz-copy-source") != null) {
        throw S3Exception.notImplemented("CopyObject");
      }
      return put(call, access);
    } else if (method == HttpMethod.GET || method == HttpMethod.HEAD) {
      return get(call, served);
    } else if (method == HttpMethod.DELETE) {
      return delete(call, served);
    }
    throw new S3Exception(405, "MethodNotAllowed", "The specified method is not allowed against this resource.");
  }

  private Future<Void> list(StorageHandler.S3Call call, DatasetBuckets.Served served) {
    List<OutputStore.Output> cached = listings.fresh(served.bucket());
    Future<List<OutputStore.Output>> all;
    if (cached != null) {
      all = Future.succeededFuture(cached);
    } else {
      long token = listings.walkStarted();
      all = vertx.executeBlocking(() -> DatasetFiles.list(served, bucketScratch(served)), false)
          .onSuccess(found -> listings.put(served.bucket(), token, found));
    }
    return all.compose(found -> respond(call, 200, null, ObjectListing.render(call.bucket(), found, call.query(),
        served.jobId())));
  }

  private Future<Void> get(StorageHandler.S3Call call, DatasetBuckets.Served served) {
    return vertx.executeBlocking(() -> DatasetFiles.find(served, bucketScratch(served), call.key()), false)
        .compose(found -> {
          if (found == null) {
            throw S3Exception.noSuchKey();
          }
          return StorageHandler.sendObject(call, new OutputStore.Output(served.bucket(), call.key(),
              served.jobId(), found.size(), found.etag(), null, null, null, found.modifiedAt()),
              (response, offset, length) -> ObjectBody.send(response, found.file(), offset, length,
                  call.rootListener()));
        });
  }

  private Future<Void> put(StorageHandler.S3Call call, StorageHandler.Access access) {
    DatasetBuckets.Served served = access.dataset();
    Path jobDir = DatasetBuckets.jobScratch(ctx.config(), served.jobId());
    Path target = bucketScratch(served).resolve(call.key());
    Path temp = DatasetBuckets.scratchRoot(ctx.config()).resolve(".incoming").resolve(UUID.randomUUID().toString());
    long declared = BodyReceiver.declaredLength(call.request(), access.grant());
    long limit = ctx.config().storage().datasetScratchBytes();
    return vertx.executeBlocking(() -> {
      long held = scratch.reserve(jobDir, target, declared, limit);
      try {
        Files.createDirectories(temp.getParent());
      } catch (IOException e) {
        scratch.release(jobDir, held);
        throw e;
      }
      return held;
    }, false).compose(held -> receive(call, access, jobDir, temp, held, limit)
            .compose(received -> onWorker(() -> scratch.commit(jobDir, temp, target, held)).map(received)))
        .onSuccess(received -> listings.invalidate(served.bucket()))
        .compose(received -> {
          // The MD5 of the body, as S3 answers a PutObject (clients may compare it with their own);
          // listings and reads give the cheaper ETag of DatasetFiles#etag for every object.
          MultiMap headers = MultiMap.caseInsensitiveMultiMap()
              .add("ETag", StorageHandler.quote(received.digests().md5Hex()));
          StorageHandler.echoChecksum(headers, received.digests());
          return respond(call, 200, headers, null);
        })
        .onFailure(e -> vertx.fileSystem().delete(temp.toString()));
  }

  /** The body, within the room set aside for it; the room is given back if it does not arrive. */
  private Future<BodyReceiver.Received> receive(StorageHandler.S3Call call, StorageHandler.Access access, Path jobDir,
                                                Path temp, long held, long limit) {
    return BodyReceiver.receive(vertx, call.request(), access.grant(), temp, -1,
            Math.min(held, StorageHandler.MAX_OBJECT_BYTES), true, null)
        .recover(e -> onWorker(() -> scratch.release(jobDir, held)).transform(released -> Future.failedFuture(
            // An undeclared body that outgrew the room left is over the allowance, not over S3's object size.
            e instanceof S3Exception s && s.code().equals("EntityTooLarge") && held < StorageHandler.MAX_OBJECT_BYTES
                ? ScratchSpace.overAllowance(limit) : e)));
  }

  private Future<Void> delete(StorageHandler.S3Call call, DatasetBuckets.Served served) {
    Path jobDir = DatasetBuckets.jobScratch(ctx.config(), served.jobId());
    Path target = bucketScratch(served).resolve(call.key());
    return vertx.executeBlocking(() -> {
      if (scratch.delete(jobDir, target)) {
        return true;
      }
      if (DatasetFiles.inDataset(served, call.key()) != null) {
        throw S3Exception.accessDenied("Access Denied: the dataset's own files are read-only; only what the trainer "
            + "wrote to the bucket can be deleted.");
      }
      return false;
    }, false).compose(deleted -> {
      if (deleted) {
        listings.invalidate(served.bucket());
      }
      return respond(call, 204, null, null);
    });
  }

  private Future<Void> onWorker(Runnable work) {
    return vertx.executeBlocking(() -> {
      work.run();
      return null;
    }, false);
  }

  private Path bucketScratch(DatasetBuckets.Served served) {
    return DatasetBuckets.bucketScratch(ctx.config(), served);
  }
}
