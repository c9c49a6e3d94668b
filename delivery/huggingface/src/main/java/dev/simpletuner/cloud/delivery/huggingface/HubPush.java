package dev.simpletuner.cloud.delivery.huggingface;

import dev.simpletuner.cloud.spi.delivery.DeliveryContext;
import dev.simpletuner.cloud.spi.delivery.DeliveryJob;
import dev.simpletuner.cloud.spi.delivery.DeliveryProgress;
import dev.simpletuner.cloud.spi.delivery.DeliveryResult;
import dev.simpletuner.cloud.spi.delivery.OutputFile;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One delivery of a job's files to a model repository, the way huggingface_hub's
 * {@code upload_folder} does it: whoami, create the repo (409 = it exists), preupload to learn which
 * files are LFS and which are unchanged, store the changed LFS objects, then one commit. Files the
 * Hub already has are dropped, so running this again after a crash or for a delivered job sends
 * only what is missing, and nothing at all (no commit) when the repo is up to date.
 */
final class HubPush {
  static final int PREUPLOAD_BATCH = 256;

  private final DeliveryContext context;
  private final Vertx vertx;
  private final HubClient hub;
  private final DeliveryJob job;
  private final RepoId requested;
  private final boolean privateRepo;
  private final DeliveryProgress progress;
  private final long total;
  private long done;

  HubPush(DeliveryContext context, HubClient hub, DeliveryJob job, RepoId requested, boolean privateRepo,
          DeliveryProgress progress) {
    this.context = context;
    this.vertx = context.vertx();
    this.hub = hub;
    this.job = job;
    this.requested = requested;
    this.privateRepo = privateRepo;
    this.progress = progress;
    this.total = job.totalBytes();
  }

  /** What preupload decided for each file. */
  private static final class Sorted {
    final List<UploadItem> regular = new ArrayList<>();
    final List<UploadItem> lfs = new ArrayList<>();
    int unchanged;
    int ignored;
    int viaLfs;
  }

  Future<DeliveryResult> run() {
    Path card = context.dataDir() == null ? null : context.dataDir().resolve("model-cards").resolve(safe(job.jobId()))
        .resolve("README.md");
    return whoami().compose(user -> {
      if (requested.namespace() == null && (user == null || user.isBlank())) {
        return Future.failedFuture(new IllegalArgumentException("The Hugging Face token belongs to no user, so "
            + "the repository needs a namespace: set hub_model_id to \"namespace/" + requested.name() + "\"."));
      }
      RepoId repo = requested.withNamespace(user);
      return createRepo().compose(v -> items(card)).compose(items -> push(repo, items));
    }).eventually(() -> card == null ? Future.succeededFuture()
        : vertx.fileSystem().deleteRecursive(card.getParent().toString()).otherwiseEmpty());
  }

  private Future<String> whoami() {
    return hub.api("token check", HttpMethod.GET, "/api/whoami-v2", null).map(answer -> {
      JsonObject me = answer.json();
      String role = me.getJsonObject("auth", new JsonObject()).getJsonObject("accessToken", new JsonObject())
          .getString("role");
      if ("read".equals(role)) {
        throw new HubException(403, "The Hugging Face token is read-only; delivery needs a token with write "
            + "permission.");
      }
      return me.getString("name");
    });
  }

  private Future<Void> createRepo() {
    JsonObject body = new JsonObject().put("name", requested.name()).put("organization", requested.namespace())
        .put("visibility", privateRepo ? "private" : "public");
    // 409: it exists already, which is fine; its visibility is left as the owner set it.
    return hub.api("repository creation", HttpMethod.POST, "/api/repos/create", body, 409).mapEmpty();
  }

  /** The job's files, plus a generated model card when the trainer sent no README.md. */
  private Future<List<UploadItem>> items(Path card) {
    List<UploadItem> items = new ArrayList<>();
    for (OutputFile f : job.files()) {
      items.add(new UploadItem(f.path(), f.file(), f.size(), f.sha256(), true));
    }
    if (items.stream().anyMatch(i -> i.path().equals("README.md"))) {
      return Future.succeededFuture(items);
    }
    return vertx.executeBlocking(() -> {
      byte[] content = ModelCard.render(job).getBytes(StandardCharsets.UTF_8);
      Path file = card != null ? card : Files.createTempFile("model-card", ".md");
      Files.createDirectories(file.getParent());
      Files.write(file, content);
      if (card == null) {
        file.toFile().deleteOnExit();
      }
      items.add(new UploadItem("README.md", file, content.length, UploadItem.sha256(content), false));
      return items;
    }, false);
  }

  private Future<DeliveryResult> push(RepoId repo, List<UploadItem> items) {
    Sorted sorted = new Sorted();
    Future<Void> chain = Future.succeededFuture();
    for (int from = 0; from < items.size(); from += PREUPLOAD_BATCH) {
      List<UploadItem> chunk = items.subList(from, Math.min(items.size(), from + PREUPLOAD_BATCH));
      chain = chain.compose(v -> preupload(repo, chunk, sorted));
    }
    return chain
        .compose(v -> new LfsUpload(hub, repo, this::advance).upload(sorted.lfs))
        .compose(sent -> {
          HubCommit commit = new HubCommit(vertx, hub, repo);
          boolean changed = !sorted.regular.isEmpty() || !sorted.lfs.isEmpty();
          return changed ? commit.commit("Upload model from SimpleTuner job " + job.jobId(), sorted.regular,
              sorted.lfs) : commit.head();
        })
        .map(commitOid -> {
          progress.bytesDone(total, total);
          return new DeliveryResult(hub.endpoint() + "/" + repo, total, note(items.size(), sorted, commitOid));
        });
  }

  private Future<Void> preupload(RepoId repo, List<UploadItem> chunk, Sorted sorted) {
    return vertx.executeBlocking(() -> {
      JsonArray files = new JsonArray();
      for (UploadItem item : chunk) {
        files.add(new JsonObject().put("path", item.path()).put("sample", item.sample()).put("size", item.size()));
      }
      return new JsonObject().put("files", files);
    }, false).compose(body -> hub.api("preupload", HttpMethod.POST, "/api/models/" + repo + "/preupload/main", body))
        .compose(answer -> {
          Map<String, JsonObject> byPath = new HashMap<>();
          for (Object o : answer.json().getJsonArray("files", new JsonArray())) {
            if (o instanceof JsonObject f && f.getString("path") != null) {
              byPath.put(f.getString("path"), f);
            }
          }
          return vertx.executeBlocking(() -> sort(chunk, byPath, sorted), false).map(unchangedBytes -> {
            advance(unchangedBytes);
            return null;
          });
        });
  }

  /** Blocking: hashes small files whose remote blob id must be compared; returns the unchanged bytes. */
  private long sort(List<UploadItem> chunk, Map<String, JsonObject> byPath, Sorted sorted) throws Exception {
    long unchangedBytes = 0;
    for (UploadItem item : chunk) {
      JsonObject answer = byPath.get(item.path());
      if (answer == null) {
        throw new HubException(0, "Hugging Face did not say how to upload " + item.path() + ".");
      }
      if (answer.getBoolean("shouldIgnore", false)) {
        sorted.ignored++;
        continue;
      }
      String mode = answer.getString("uploadMode");
      if (!"lfs".equals(mode) && !"regular".equals(mode)) {
        throw new HubException(0, "Hugging Face answered an unknown upload mode for " + item.path() + ": " + mode);
      }
      // Empty files are always regular (huggingface_hub does the same).
      boolean lfs = "lfs".equals(mode) && item.size() > 0;
      String remote = answer.getString("oid");
      if (lfs) {
        sorted.viaLfs++;
      }
      if (remote != null && remote.equals(lfs ? item.sha256() : item.gitBlobSha1())) {
        sorted.unchanged++;
        unchangedBytes += item.jobOutput() ? item.size() : 0;
      } else {
        (lfs ? sorted.lfs : sorted.regular).add(item);
      }
    }
    return unchangedBytes;
  }

  private void advance(long bytes) {
    done = Math.min(total, done + bytes);
    progress.bytesDone(done, total);
  }

  private static String note(int files, Sorted sorted, String commitOid) {
    StringBuilder note = new StringBuilder().append(files).append(files == 1 ? " file" : " files");
    if (sorted.viaLfs > 0) {
      note.append(" (").append(sorted.viaLfs).append(" via LFS)");
    }
    if (sorted.regular.isEmpty() && sorted.lfs.isEmpty()) {
      note.append(", already up to date");
    } else if (sorted.unchanged > 0) {
      note.append(", ").append(sorted.unchanged).append(" unchanged");
    }
    if (sorted.ignored > 0) {
      note.append(", ").append(sorted.ignored).append(" ignored by the Hub");
    }
    if (commitOid != null) {
      note.append(", commit ").append(commitOid, 0, Math.min(7, commitOid.length()));
    }
    return note.toString();
  }

  private static String safe(String id) {
    return id.replaceAll("[^A-Za-z0-9._-]", "_");
  }
}
