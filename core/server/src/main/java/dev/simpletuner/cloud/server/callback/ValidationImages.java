package dev.simpletuner.cloud.server.callback;

import dev.simpletuner.cloud.server.job.Job;
import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.artifact.ArtifactFiles;
import dev.simpletuner.cloud.server.store.ArtifactStore;
import dev.simpletuner.cloud.server.store.ArtifactStore.Artifact;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.file.CopyOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the images of a trainer's {@code training.validation} event as job artifacts: at the step
 * the job had reached, labelled as the trainer labels them, within the per-job cap
 * ({@code callbacks.artifact_mb_per_job}); images over the cap are dropped and counted. Runs on the
 * job's lifecycle queue, so the cap holds under concurrent events.
 */
public final class ValidationImages {
  private static final Logger LOG = LoggerFactory.getLogger(ValidationImages.class);

  private final Vertx vertx;
  private final ServerContext ctx;
  private final ArtifactFiles files;

  public ValidationImages(Vertx vertx, ServerContext ctx) {
    this.vertx = vertx;
    this.ctx = ctx;
    this.files = new ArtifactFiles(ctx.config());
  }

  /**
   * @param media the decoded images: {@code [{file, size, sha256, content_type}]}
   * @return the timeline entry's data, or null when there was nothing to keep
   */
  Future<JsonObject> record(Job job, String label, JsonArray media) {
    if (media == null || media.isEmpty()) {
      return Future.succeededFuture(null);
    }
    Long step = job.progress() == null ? null : job.progress().getLong("current");
    String prompt = prompt(job, label);
    long cap = ctx.config().callbacks().artifactBytesPerJob();
    return ctx.store().artifacts().totalBytes(job.jobId()).compose(used -> {
      List<Future<String>> kept = new ArrayList<>();
      long total = used;
      int dropped = 0;
      for (Object o : media) {
        JsonObject m = (JsonObject) o;
        long size = m.getLong("size");
        if (total + size > cap) {
          dropped++;
          delete(m);
          continue;
        }
        total += size;
        kept.add(keep(job.jobId(), step, label, prompt, m, kept.size()));
      }
      int over = dropped;
      return Future.all(kept).map(done -> {
        JsonArray ids = new JsonArray();
        kept.forEach(f -> ids.add(f.result()));
        JsonObject data = new JsonObject().put("message", message(step, label, ids.size(), over)).put("step", step)
            .put("label", label).put("artifact_ids", ids);
        if (over > 0) {
          data.put("dropped", over).put("note", "The job's validation images reached the "
              + cap / (1024 * 1024) + " MiB limit (callbacks.artifact_mb_per_job); " + over + " were not kept.");
        }
        return data;
      });
    });
  }

  /** @param order the image's place in its event (they are listed by time, the trainer's order kept) */
  private Future<String> keep(String jobId, Long step, String label, String prompt, JsonObject m, int order) {
    String id = ArtifactFiles.newArtifactId();
    String type = m.getString("content_type", "image/png");
    return vertx.fileSystem().mkdirs(files.file(jobId, id, type).getParent().toString())
        .compose(v -> vertx.fileSystem().move(m.getString("file"), files.file(jobId, id, type).toString(),
            new CopyOptions().setReplaceExisting(true).setAtomicMove(true)))
        .compose(v -> ctx.store().artifacts().add(new Artifact(id, jobId, ArtifactStore.VALIDATION_IMAGE, step,
            label, prompt, type, m.getLong("size"), m.getString("sha256"), ctx.now() + order)))
        .map(id);
  }

  /**
   * The prompt behind a label, where the config says it: SimpleTuner names the images of
   * {@code --validation_prompt} "validation" (validation.py); prompts of a prompt library are not
   * in the event.
   */
  private static String prompt(Job job, String label) {
    return "validation".equals(label) && job.config() != null
        && job.config().getValue("--validation_prompt") instanceof String p && !p.isBlank() ? p : null;
  }

  /** Removes decoded files that are not kept. */
  Future<Void> discard(JsonArray media) {
    if (media != null) {
      media.forEach(o -> delete((JsonObject) o));
    }
    return Future.succeededFuture();
  }

  private void delete(JsonObject m) {
    vertx.fileSystem().delete(m.getString("file")).onFailure(e -> LOG.warn("Could not remove the unkept image {}: {}",
        m.getString("file"), e.getMessage()));
  }

  private static String message(Long step, String label, int kept, int dropped) {
    String what = kept == 1 ? "1 validation image" : kept + " validation images";
    return what + (step == null ? "" : " at step " + step) + (label == null ? "" : " (" + label + ")")
        + (dropped > 0 ? "; " + dropped + " over the size limit not kept" : "");
  }
}
