package dev.simpletuner.cloud.delivery.huggingface;

import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;

/**
 * Stores large files through the git-lfs batch API with the Hub's extensions (external-apis.md 2.5,
 * 2.6): one batch per 256 objects; objects the Hub already holds come back without an upload
 * action and are skipped, which is what makes a repeated delivery resume instead of start over;
 * the rest go by a single PUT ({@code basic}) or by parts plus a completion call (multipart,
 * announced by {@code chunk_size} in the upload header), then {@code verify}.
 */
final class LfsUpload {
  static final int BATCH_SIZE = 256;

  private final HubClient hub;
  private final RepoId repo;
  private final LongConsumer bytesDone;

  /** {@code bytesDone} receives increments as bytes become stored. */
  LfsUpload(HubClient hub, RepoId repo, LongConsumer bytesDone) {
    this.hub = hub;
    this.repo = repo;
    this.bytesDone = bytesDone;
  }

  /** Result: how many objects were actually sent (the rest were already stored). */
  Future<Integer> upload(List<UploadItem> items) {
    // Identical files at several paths are one object.
    Map<String, List<UploadItem>> byOid = new LinkedHashMap<>();
    items.forEach(i -> byOid.computeIfAbsent(i.sha256(), k -> new ArrayList<>()).add(i));
    List<String> oids = new ArrayList<>(byOid.keySet());
    int[] sent = {0};
    Future<Void> chain = Future.succeededFuture();
    for (int from = 0; from < oids.size(); from += BATCH_SIZE) {
      List<String> chunk = oids.subList(from, Math.min(oids.size(), from + BATCH_SIZE));
      chain = chain.compose(v -> batch(chunk, byOid, sent));
    }
    return chain.map(v -> sent[0]);
  }

  private Future<Void> batch(List<String> oids, Map<String, List<UploadItem>> byOid, int[] sent) {
    JsonArray objects = new JsonArray();
    oids.forEach(oid -> objects.add(new JsonObject().put("oid", oid).put("size", byOid.get(oid).get(0).size())));
    JsonObject request = new JsonObject().put("operation", "upload").put("transfers", new JsonArray()
        .add("basic").add("multipart")).put("objects", objects).put("hash_algo", "sha256")
        .put("ref", new JsonObject().put("name", "main"));
    String url = hub.endpoint() + "/" + repo + ".git/info/lfs/objects/batch";
    return hub.send("LFS batch", HttpMethod.POST, url, request.toBuffer(), HubClient.LFS_JSON, HubClient.LFS_JSON,
        true).compose(answer -> {
          JsonArray answered = answer.json().getJsonArray("objects", new JsonArray());
          Future<Void> chain = Future.succeededFuture();
          for (Object o : answered) {
            if (!(o instanceof JsonObject object) || !byOid.containsKey(object.getString("oid"))) {
              continue;
            }
            UploadItem item = byOid.get(object.getString("oid")).get(0);
            chain = chain.compose(v -> transfer(item, object, sent));
          }
          return chain;
        });
  }

  private Future<Void> transfer(UploadItem item, JsonObject object, int[] sent) {
    JsonObject error = object.getJsonObject("error");
    if (error != null) {
      return Future.failedFuture(new HubException(error.getInteger("code", 0), "Hugging Face refused to store "
          + item.path() + " (" + error.getValue("code") + "): " + error.getString("message", "no details")));
    }
    JsonObject actions = object.getJsonObject("actions");
    JsonObject upload = actions == null ? null : actions.getJsonObject("upload");
    if (upload == null) {
      bytesDone.accept(item.size());
      return Future.succeededFuture();
    }
    sent[0]++;
    JsonObject header = upload.getJsonObject("header", new JsonObject());
    Future<Void> stored = header.containsKey("chunk_size") ? multipart(item, upload, header) : basic(item, upload);
    JsonObject verify = actions.getJsonObject("verify");
    return verify == null ? stored : stored.compose(v -> verify(item, verify));
  }

  private Future<Void> basic(UploadItem item, JsonObject upload) {
    return hub.putFile("upload of " + item.path(), upload.getString("href"), item.file(), 0, item.size())
        .map(answer -> {
          bytesDone.accept(item.size());
          return null;
        });
  }

  private Future<Void> multipart(UploadItem item, JsonObject upload, JsonObject header) {
    long chunk;
    try {
      chunk = Long.parseLong(String.valueOf(header.getValue("chunk_size")).strip());
    } catch (NumberFormatException e) {
      return Future.failedFuture(new HubException(0, "Hugging Face sent an unreadable chunk_size for " + item.path()));
    }
    long parts = chunk <= 0 ? -1 : (item.size() + chunk - 1) / chunk;
    long partKeys = header.fieldNames().stream().filter(k -> k.matches("\\d+")).count();
    if (parts <= 0 || parts != partKeys) {
      return Future.failedFuture(new HubException(0, "Hugging Face offered " + partKeys + " upload parts for "
          + item.path() + " but it needs " + parts + "; not uploading it."));
    }
    JsonArray etags = new JsonArray();
    Future<Void> chain = Future.succeededFuture();
    for (int n = 1; n <= parts; n++) {
      int part = n;
      long offset = (part - 1) * chunk;
      long length = Math.min(chunk, item.size() - offset);
      String url = header.getString(String.format("%05d", part));
      if (url == null) {
        return Future.failedFuture(new HubException(0, "Hugging Face sent no URL for part " + part + " of "
            + item.path()));
      }
      chain = chain.compose(v -> hub.putFile("upload of part " + part + " of " + item.path(), url, item.file(),
          offset, length)).compose(answer -> {
            String etag = answer.headers().get("ETag");
            if (etag == null || etag.isBlank()) {
              return Future.failedFuture(new HubException(answer.status(), "The storage returned no ETag for part "
                  + part + " of " + item.path()));
            }
            etags.add(new JsonObject().put("partNumber", part).put("etag", etag));
            bytesDone.accept(length);
            return Future.succeededFuture();
          });
    }
    return chain.compose(v -> hub.send("completion of " + item.path(), HttpMethod.POST, upload.getString("href"),
        new JsonObject().put("oid", item.sha256()).put("parts", etags).toBuffer(), HubClient.LFS_JSON,
        HubClient.LFS_JSON, false)).mapEmpty();
  }

  private Future<Void> verify(UploadItem item, JsonObject verify) {
    String href = verify.getString("href");
    // The token goes only to the Hub itself, whatever URL an answer names.
    boolean onHub = href != null && href.startsWith(hub.endpoint() + "/");
    return hub.send("verification of " + item.path(), HttpMethod.POST, href,
        new JsonObject().put("oid", item.sha256()).put("size", item.size()).toBuffer(), HubClient.LFS_JSON,
        HubClient.LFS_JSON, onHub).mapEmpty();
  }
}
