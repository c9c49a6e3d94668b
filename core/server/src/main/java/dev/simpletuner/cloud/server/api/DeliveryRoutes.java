package dev.simpletuner.cloud.server.api;

import dev.simpletuner.cloud.server.access.AccessGuard;
import dev.simpletuner.cloud.server.artifact.OutputFolder;
import dev.simpletuner.cloud.server.contract.ContractRouter;
import dev.simpletuner.cloud.server.http.Params;
import dev.simpletuner.cloud.server.http.Responses;
import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.auth.Principal;
import dev.simpletuner.cloud.server.access.JobAccess;
import dev.simpletuner.cloud.server.command.JobCommands;
import dev.simpletuner.cloud.server.error.AppException;
import dev.simpletuner.cloud.server.error.ErrorCode;
import dev.simpletuner.cloud.server.job.Job;
import dev.simpletuner.cloud.server.job.JobAnswer;
import dev.simpletuner.cloud.server.plugin.DeliveryHandle;
import dev.simpletuner.cloud.server.settings.DeliverySettings;
import dev.simpletuner.cloud.server.s3.ByteRange;
import dev.simpletuner.cloud.server.s3.ObjectBody;
import dev.simpletuner.cloud.server.store.OutputStore;

import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Delivery targets' settings (the Publishing tab), a job's received files, and delivery retries. */
final class DeliveryRoutes {
  private final ServerContext ctx;
  private final JobCommands commands;
  private final DeliverySettings settings;

  DeliveryRoutes(ServerContext ctx, JobCommands commands) {
    this.ctx = ctx;
    this.commands = commands;
    this.settings = new DeliverySettings(ctx);
  }

  void mount(ContractRouter ops) {
    ops.on("listDeliveryTargets", rc -> {
      AccessGuard.principal(rc);
      JsonArray targets = new JsonArray();
      ctx.deliveries().all().forEach(h -> targets.add(settings.render(h)));
      Responses.json(rc, 200, new JsonObject().put("targets", targets));
    });
    ops.on("getDeliveryTarget", rc -> {
      AccessGuard.principal(rc);
      Responses.json(rc, 200, settings.render(settings.handle(Params.path(rc, "target"))));
    });
    ops.on("updateDeliveryTarget", this::update);
    ops.on("validateDeliveryTarget", this::validate);
    ops.on("listJobOutputs", this::outputs);
    ops.on("downloadJobOutput", this::download);
    ops.on("retryDelivery", this::retry);
  }

  private void update(RoutingContext rc) {
    Principal principal = AccessGuard.principal(rc);
    String target = Params.path(rc, "target");
    JsonObject body = Params.body(rc);
    Responses.reply(rc, settings.update(target, body).compose(result -> ctx.audit().record(principal,
        "settings.changed", "delivery", target, "ok", new JsonObject().put("settings",
            new JsonArray(new ArrayList<>(body.fieldNames()))), null, ctx.now()).map(result)));
  }

  private void validate(RoutingContext rc) {
    AccessGuard.principal(rc);
    DeliveryHandle handle = settings.handle(Params.path(rc, "target"));
    Responses.reply(rc, handle.validate()
        .map(status -> new JsonObject().put("valid", status.valid()).put("username", status.username())
            .put("error", status.error()).put("target", handle.id()))
        .recover(e -> Future.succeededFuture(new JsonObject().put("valid", false).put("username", null)
            .put("error", e.getMessage()).put("target", handle.id()))));
  }

  /**
   * The files the trainer sent home (the storage endpoint), and for a local job the files in the
   * output folder it wrote its model into (source "folder").
   */
  private void outputs(RoutingContext rc) {
    Principal principal = AccessGuard.principal(rc);
    String jobId = Params.path(rc, "job_id");
    Responses.reply(rc, ctx.store().jobs().get(jobId).compose(found -> {
      Job job = JobAccess.require(principal, jobId, found);
      Optional<OutputFolder> folder = OutputFolder.of(job, ctx.hostId(), ctx.config());
      Future<List<OutputFolder.Entry>> local = folder.isEmpty() ? Future.succeededFuture(List.of())
          : rc.vertx().executeBlocking(() -> folder.get().list(), false);
      return ctx.store().outputs().list(jobId).compose(received -> local.map(inFolder ->
          render(jobId, received, folder.orElse(null), inFolder)));
    }));
  }

  private static JsonObject render(String jobId, List<OutputStore.Output> received, OutputFolder folder,
                                   List<OutputFolder.Entry> inFolder) {
    JsonArray files = new JsonArray();
    long total = 0;
    String download = "/api/cloud/jobs/" + jobId + "/outputs/download?";
    for (OutputStore.Output o : received) {
      String path = o.key().substring(jobId.length() + 1);
      total += o.size();
      files.add(new JsonObject().put("path", path).put("source", "received").put("key", o.key()).put("size", o.size())
          .put("sha256", o.sha256()).put("etag", o.etag())
          .put("updated_at", Instant.ofEpochMilli(o.updatedAt()).toString())
          .put("download_url", download + "path=" + URLEncoder.encode(path, StandardCharsets.UTF_8)));
    }
    for (OutputFolder.Entry e : inFolder) {
      total += e.size();
      files.add(new JsonObject().put("path", e.path()).put("source", "folder").put("size", e.size())
          .put("updated_at", Instant.ofEpochMilli(e.modifiedAt()).toString())
          .put("download_url", download + "source=folder&path=" + URLEncoder.encode(e.path(), StandardCharsets.UTF_8)));
    }
    JsonObject out = new JsonObject().put("job_id", jobId).put("total_bytes", total).put("files", files);
    if (folder != null) {
      out.put("folder", new JsonObject().put("path", folder.root().toString())
          .put("truncated", inFolder.size() >= OutputFolder.MAX_FILES));
    }
    return out;
  }

  private void download(RoutingContext rc) {
    Principal principal = AccessGuard.principal(rc);
    String jobId = Params.path(rc, "job_id");
    String path = Params.query(rc, "path");
    boolean fromFolder = "folder".equals(rc.queryParams().get("source"));
    ctx.store().jobs().get(jobId).compose(found -> {
      Job job = JobAccess.require(principal, jobId, found);
      return fromFolder ? folderFile(rc, job, path) : receivedFile(jobId, path);
    }).map(file -> {
      try {
        return new Download(file, ByteRange.parse(rc.request().getHeader("Range"), file.size()));
      } catch (ByteRange.Unsatisfiable e) {
        rc.response().putHeader("Content-Range", "bytes */" + file.size());
        throw new AppException(ErrorCode.RANGE_NOT_SATISFIABLE, "The range lies outside the file (" + file.size()
            + " bytes).");
      }
    }).onSuccess(d -> send(rc, path, d.file(), d.range())).onFailure(rc::fail);
  }

  private Future<FileToSend> receivedFile(String jobId, String path) {
    return ctx.store().outputs().list(jobId).map(list -> {
      // Only keys the store knows for this job: the path is never joined onto the disk unchecked.
      OutputStore.Output o = list.stream().filter(x -> x.key().equals(jobId + "/" + path)).findFirst()
          .orElseThrow(() -> new AppException(ErrorCode.NOT_FOUND, "Job " + jobId + " has no file '" + path + "'.",
              new JsonObject().put("field", "path")));
      return new FileToSend(null, o, o.size(), "\"" + o.etag() + "\"");
    });
  }

  private Future<FileToSend> folderFile(RoutingContext rc, Job job, String path) {
    OutputFolder folder = OutputFolder.of(job, ctx.hostId(), ctx.config()).orElseThrow(() -> new AppException(
        ErrorCode.NOT_FOUND, "Job " + job.jobId() + " has no output folder on this server.",
        new JsonObject().put("field", "source")));
    return rc.vertx().executeBlocking(() -> {
      OutputFolder.Entry e = folder.file(path);
      // A weak validator (size and time): hashing a model file for each request is not worth it.
      return new FileToSend(folder.pathOf(e).toString(), null, e.size(), "W/\"" + e.size() + "-" + e.modifiedAt()
          + "\"");
    }, false);
  }

  /** A file of the job's output folder ({@code file}), or an object received from its trainer ({@code received}). */
  private record FileToSend(String file, OutputStore.Output received, long size, String etag) {
  }

  private record Download(FileToSend file, ByteRange range) {
  }

  private void send(RoutingContext rc, String path, FileToSend file, ByteRange range) {
    String name = path.substring(path.lastIndexOf('/') + 1);
    rc.response().putHeader("Content-Disposition", "attachment; filename*=UTF-8''"
            + URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20"))
        .putHeader("Content-Type", "application/octet-stream")
        .putHeader("Accept-Ranges", "bytes")
        .putHeader("ETag", file.etag());
    if (range != null) {
      rc.response().setStatusCode(206).putHeader("Content-Range", "bytes " + range.first() + "-" + range.last() + "/"
          + file.size());
    }
    long offset = range == null ? 0 : range.first();
    long length = range == null ? file.size() : range.length();
    // The API's port may compress: never a model file (false: no sendfile there either).
    (file.received() != null ? ctx.blobs().send(rc.response(), file.received(), offset, length, false)
        : ObjectBody.send(rc.response(), java.nio.file.Path.of(file.file()), offset, length, false)).onFailure(e -> {
          if (!rc.response().headWritten()) {
            rc.fail(e);
          } else {
            rc.response().reset();
          }
        });
  }

  private void retry(RoutingContext rc) {
    Responses.reply(rc, 202, commands.retryDelivery(AccessGuard.principal(rc), Params.path(rc, "job_id"),
        Params.path(rc, "target")).map(JobAnswer::toJson));
  }
}
