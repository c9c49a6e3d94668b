package dev.simpletuner.cloud.delivery.huggingface;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.util.Base64;
import java.util.List;

/**
 * One commit on {@code main} (external-apis.md 2.4 step 4): an NDJSON body, header line first, then
 * small files inline as base64 and large ones as references to LFS objects already stored. No
 * {@code parentCommit}: a commit repeated after a lost answer must not fail on the head it moved.
 */
final class HubCommit {
  private final Vertx vertx;
  private final HubClient hub;
  private final RepoId repo;

  HubCommit(Vertx vertx, HubClient hub, RepoId repo) {
    this.vertx = vertx;
    this.hub = hub;
    this.repo = repo;
  }

  /** Commits and returns the new commit id. */
  Future<String> commit(String summary, List<UploadItem> regular, List<UploadItem> lfs) {
    return vertx.executeBlocking(() -> body(summary, regular, lfs), false)
        .compose(body -> hub.send("commit", HttpMethod.POST, hub.endpoint() + "/api/models/" + repo + "/commit/main",
            body, "application/x-ndjson", "application/json", true))
        .map(answer -> {
          String oid = answer.json().getString("commitOid");
          if (oid == null) {
            throw new HubException(answer.status(), "Hugging Face accepted the commit but sent no commit id.");
          }
          return oid;
        });
  }

  /** Blocking: reads the small files (the Hub keeps regular files under 10 MiB). */
  private static Buffer body(String summary, List<UploadItem> regular, List<UploadItem> lfs) throws Exception {
    Buffer body = Buffer.buffer();
    line(body, "header", new JsonObject().put("summary", summary).put("description", ""));
    for (UploadItem item : regular) {
      line(body, "file", new JsonObject().put("content", Base64.getEncoder().encodeToString(
          Files.readAllBytes(item.file()))).put("path", item.path()).put("encoding", "base64"));
    }
    for (UploadItem item : lfs) {
      line(body, "lfsFile", new JsonObject().put("path", item.path()).put("algo", "sha256")
          .put("oid", item.sha256()).put("size", item.size()));
    }
    return body;
  }

  private static void line(Buffer body, String key, JsonObject value) {
    body.appendString(new JsonObject().put("key", key).put("value", value).encode()).appendString("\n");
  }

  /** The head of {@code main} when nothing needed committing. */
  Future<String> head() {
    return hub.api("revision lookup", HttpMethod.GET, "/api/models/" + repo + "/revision/main", null)
        .map(answer -> answer.json().getString("sha"));
  }
}
