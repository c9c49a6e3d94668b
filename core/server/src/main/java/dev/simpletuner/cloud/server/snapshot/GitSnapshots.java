package dev.simpletuner.cloud.server.snapshot;

import dev.simpletuner.cloud.server.config.ConfigException;
import dev.simpletuner.cloud.server.config.ServerConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.Status;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.errors.RepositoryNotFoundException;
import org.eclipse.jgit.revwalk.RevCommit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Commits a job's resolved config ({@code <dir>/config.json}) and datasets
 * ({@code <dir>/multidatabackend.json}) to the configured repository, {@code <dir>} being the
 * config's name. Like the reference, a dirty working tree is reported (the snapshot says
 * {@code was_dirty}, the job gets a warning) rather than refused, and a commit that fails is
 * recorded as {@code {error}} without failing the submission. The commit holds only the job's
 * files ({@code git commit --only}), so whatever else is uncommitted stays as it was.
 */
public final class GitSnapshots {
  private static final Logger LOG = LoggerFactory.getLogger(GitSnapshots.class);
  /** Where the job's metadata keeps the snapshot (the reference's key). */
  public static final String METADATA_KEY = "snapshot";
  static final String CONFIG_FILE = "config.json";
  static final String DATALOADER_FILE = "multidatabackend.json";
  private static final int LISTED_PATHS = 20;

  private final Vertx vertx;
  private final Path repository;
  /** One commit at a time: JGit's index lock would refuse a second writer anyway. */
  private final Object lock = new Object();

  public GitSnapshots(Vertx vertx, ServerConfig.Snapshots config) {
    this.vertx = vertx;
    this.repository = config.gitRepository();
  }

  /** At start-up: a configured repository must be a git working tree, or the server does not start. */
  public static void check(ServerConfig.Snapshots config) {
    Path path = config.gitRepository();
    if (path == null) {
      return;
    }
    if (!Files.isDirectory(path)) {
      throw new ConfigException("snapshots.git_repository: " + path + " does not exist. Create it with 'git init "
          + path + "', or remove the setting.");
    }
    try (Git git = Git.open(path.toFile())) {
      if (git.getRepository().isBare()) {
        throw new ConfigException("snapshots.git_repository: " + path + " is a bare repository; snapshots need a "
            + "working tree (git init, not git init --bare).");
      }
    } catch (RepositoryNotFoundException e) {
      throw new ConfigException("snapshots.git_repository: " + path + " is not a git repository (no .git in it). "
          + "Run 'git init " + path + "', or point the setting at one.");
    } catch (IOException e) {
      throw new ConfigException("snapshots.git_repository: " + path + " cannot be opened: " + e.getMessage());
    }
  }

  public boolean enabled() {
    return repository != null;
  }

  /**
   * What one snapshot commits.
   *
   * @param name      {@code snapshot_name}, or null for one made up from the config and job
   * @param message   {@code snapshot_message}, or null
   * @param submitter who submitted (a trailer of the commit)
   */
  public record Request(String jobId, String configName, JsonObject config, JsonArray dataloader, String name,
                        String message, String submitter) {
  }

  /** The snapshot as the job records it; never fails (a failure is the snapshot's {@code error}). */
  public Future<JsonObject> commit(Request request) {
    return vertx.executeBlocking(() -> {
      synchronized (lock) {
        return commitNow(request);
      }
    }, false).recover(e -> {
      LOG.warn("Config snapshot for job {} failed: {}", request.jobId(), e.getMessage());
      return Future.succeededFuture(new JsonObject().put("error", String.valueOf(e.getMessage())));
    });
  }

  private JsonObject commitNow(Request request) throws IOException, GitAPIException {
    try (Git git = Git.open(repository.toFile())) {
      Status status = git.status().call();
      Set<String> dirty = new TreeSet<>(status.getUncommittedChanges());
      dirty.addAll(status.getUntracked());
      String dir = directory(request.configName());
      List<String> files = List.of(dir + "/" + CONFIG_FILE, dir + "/" + DATALOADER_FILE);
      write(files.get(0), request.config().encodePrettily());
      write(files.get(1), request.dataloader().encodePrettily());
      git.add().addFilepattern(files.get(0)).addFilepattern(files.get(1)).call();
      boolean autoName = request.name() == null;
      String name = autoName ? (request.configName() != null ? request.configName() : "Inline config")
          + " for job " + request.jobId() : request.name();
      StringBuilder message = new StringBuilder(name).append("\n\n");
      if (request.message() != null) {
        message.append(request.message()).append("\n\n");
      }
      message.append("Job-Id: ").append(request.jobId()).append('\n');
      if (request.submitter() != null) {
        message.append("Submitted-By: ").append(request.submitter()).append('\n');
      }
      // Empty commits too: every job gets a commit of its own, even when its config did not change.
      RevCommit commit = git.commit().setOnly(files.get(0)).setOnly(files.get(1)).setAllowEmpty(true)
          .setMessage(message.toString()).call();
      return new JsonObject().put("commit", commit.name()).put("abbrev", commit.abbreviate(7).name())
          .put("name", name).put("auto_generated", autoName).put("message", request.message())
          .put("branch", git.getRepository().getBranch()).put("was_dirty", !dirty.isEmpty())
          .put("dirty_count", dirty.size())
          .put("dirty_paths", new JsonArray(dirty.stream().limit(LISTED_PATHS).toList()))
          .put("files", new JsonArray(files));
    }
  }

  private void write(String relative, String text) throws IOException {
    Path target = repository.resolve(relative).normalize();
    if (!target.startsWith(repository)) {
      throw new IOException("The snapshot path " + relative + " leaves the repository.");
    }
    Files.createDirectories(target.getParent());
    Files.writeString(target, text + "\n", StandardCharsets.UTF_8);
  }

  /** The config's name as one safe directory name (no separators, no leading dot); inline configs share one. */
  static String directory(String configName) {
    String cleaned = configName == null ? "" : configName.strip().replaceAll("[^A-Za-z0-9._-]+", "-")
        .replaceAll("^[.-]+", "");
    return cleaned.isEmpty() ? "inline" : cleaned;
  }

  /** The warning a job gets for its snapshot, or null for none. */
  public static String warning(JsonObject snapshot) {
    if (snapshot.getString("error") != null) {
      return "The config snapshot could not be committed to git: " + snapshot.getString("error");
    }
    if (snapshot.getBoolean("was_dirty", false)) {
      return "The snapshot repository had " + snapshot.getInteger("dirty_count") + " uncommitted change(s) ("
          + String.join(", ", snapshot.getJsonArray("dirty_paths").stream().map(String::valueOf).toList())
          + "); the snapshot commit " + snapshot.getString("abbrev") + " holds only this job's config files.";
    }
    return null;
  }
}
