package dev.simpletuner.cloud.server.api;

import dev.simpletuner.cloud.server.access.AccessGuard;
import dev.simpletuner.cloud.server.contract.ContractRouter;
import dev.simpletuner.cloud.server.http.Params;
import dev.simpletuner.cloud.server.http.Responses;
import dev.simpletuner.cloud.server.access.JobAccess;
import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.artifact.ArtifactFiles;
import dev.simpletuner.cloud.server.auth.Principal;
import dev.simpletuner.cloud.server.error.AppException;
import dev.simpletuner.cloud.server.error.ErrorCode;
import dev.simpletuner.cloud.server.store.ArtifactStore.Artifact;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A job's artifacts (validation images): the list the job page shows, and each file. */
final class ArtifactRoutes {
  private static final Logger LOG = LoggerFactory.getLogger(ArtifactRoutes.class);
  /** An artifact's bytes never change under its id. */
  private static final String CACHE = "private, max-age=31536000, immutable";

  private final ServerContext ctx;
  private final ArtifactFiles files;

  ArtifactRoutes(ServerContext ctx) {
    this.ctx = ctx;
    this.files = new ArtifactFiles(ctx.config());
  }

  void mount(ContractRouter ops) {
    ops.on("listJobArtifacts", this::list);
    ops.on("getJobArtifact", this::download);
  }

  static String url(Artifact a) {
    return "/api/cloud/jobs/" + a.jobId() + "/artifacts/" + a.artifactId();
  }

  private void list(RoutingContext rc) {
    Principal principal = AccessGuard.principal(rc);
    String jobId = Params.path(rc, "job_id");
    Responses.reply(rc, ctx.store().jobs().get(jobId).compose(found -> {
      JobAccess.require(principal, jobId, found);
      return ctx.store().artifacts().list(jobId);
    }).map(list -> {
      JsonArray items = new JsonArray();
      long total = 0;
      for (Artifact a : list) {
        total += a.sizeBytes();
        items.add(a.toJson().put("url", url(a)));
      }
      return new JsonObject().put("job_id", jobId).put("artifacts", items).put("total_bytes", total)
          .put("limit_bytes", ctx.config().callbacks().artifactBytesPerJob());
    }));
  }

  private void download(RoutingContext rc) {
    Principal principal = AccessGuard.principal(rc);
    String jobId = Params.path(rc, "job_id");
    String artifactId = Params.path(rc, "artifact_id");
    ctx.store().jobs().get(jobId).compose(found -> {
      JobAccess.require(principal, jobId, found);
      return ctx.store().artifacts().get(jobId, artifactId);
    }).map(found -> found.orElseThrow(() -> notFound(jobId, artifactId)))
        .onSuccess(a -> send(rc, a))
        .onFailure(rc::fail);
  }

  private void send(RoutingContext rc, Artifact a) {
    String etag = "\"" + a.sha256() + "\"";
    HttpServerResponse response = rc.response().putHeader(HttpHeaders.ETAG, etag)
        .putHeader(HttpHeaders.CACHE_CONTROL, CACHE);
    if (matches(rc.request().getHeader(HttpHeaders.IF_NONE_MATCH), etag)) {
      response.setStatusCode(304).end();
      return;
    }
    // Only types known to be media are served as themselves: a trainer's "text/html" is not run here.
    String extension = ArtifactFiles.extension(a.contentType());
    response.putHeader(HttpHeaders.CONTENT_TYPE, extension.equals("bin") ? "application/octet-stream" : a.contentType())
        // Images and video are compressed already.
        .putHeader(HttpHeaders.CONTENT_ENCODING, HttpHeaders.IDENTITY);
    response.sendFile(files.file(a.jobId(), a.artifactId(), a.contentType()).toString()).onFailure(e -> {
      if (!response.headWritten()) {
        LOG.warn("Artifact {} of job {} has a record but no file here: {}", a.artifactId(), a.jobId(), e.toString());
        // The error must not be cached as the artifact.
        response.headers().remove(HttpHeaders.CONTENT_ENCODING).remove(HttpHeaders.CACHE_CONTROL)
            .remove(HttpHeaders.ETAG);
        rc.fail(new AppException(ErrorCode.NOT_FOUND, "The file of artifact " + a.artifactId()
            + " is not on this server.", new JsonObject().put("artifact_id", a.artifactId())));
      } else {
        LOG.debug("Sending artifact {} stopped: {}", a.artifactId(), e.toString());
      }
    });
  }

  /** If-None-Match: {@code *} or a list of (possibly weak) tags. */
  private static boolean matches(String header, String etag) {
    if (header == null) {
      return false;
    }
    for (String tag : header.split(",")) {
      String t = tag.strip();
      if (t.equals("*") || (t.startsWith("W/") ? t.substring(2) : t).equals(etag)) {
        return true;
      }
    }
    return false;
  }

  private static AppException notFound(String jobId, String artifactId) {
    return new AppException(ErrorCode.NOT_FOUND, "Job " + jobId + " has no artifact " + artifactId + ".",
        new JsonObject().put("field", "artifact_id"));
  }
}
