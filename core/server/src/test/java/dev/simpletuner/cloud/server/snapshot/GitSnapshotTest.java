package dev.simpletuner.cloud.server.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.simpletuner.cloud.server.support.Api;
import dev.simpletuner.cloud.server.support.Backend;
import dev.simpletuner.cloud.server.support.Configs;
import dev.simpletuner.cloud.server.support.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.lib.StoredConfig;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Config snapshots against a real git repository on disk, read back with JGit. */
class GitSnapshotTest {
  private Path dir;

  @BeforeEach
  void makeDir() throws Exception {
    dir = Files.createTempDirectory("st-snapshots-");
  }

  @AfterEach
  void removeDir() {
    TestServer.deleteTree(dir);
  }

  private static Git init(Path path) throws Exception {
    Git git = Git.init().setDirectory(path.toFile()).setInitialBranch("main").call();
    StoredConfig config = git.getRepository().getConfig();
    config.setString("user", null, "name", "Snapshot Bot");
    config.setString("user", null, "email", "bot@example.com");
    config.save();
    return git;
  }

  private static TestServer server(Path repository) {
    return TestServer.start(Backend.SQLITE, Map.of("SIMPLETUNER_LOCAL_COMMAND", TestServer.trainerCommand(0.02),
        "SIMPLETUNER_SNAPSHOTS_GIT_REPOSITORY", repository.toString()));
  }

  /** The files of a commit, by path, as text. */
  private static Map<String, String> files(Repository repo, String commit) throws Exception {
    Map<String, String> out = new java.util.TreeMap<>();
    try (RevWalk walk = new RevWalk(repo); TreeWalk tree = new TreeWalk(repo)) {
      tree.addTree(walk.parseCommit(ObjectId.fromString(commit)).getTree());
      tree.setRecursive(true);
      while (tree.next()) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        repo.open(tree.getObjectId(0)).copyTo(bytes);
        out.put(tree.getPathString(), bytes.toString(StandardCharsets.UTF_8));
      }
    }
    return out;
  }

  private static List<RevCommit> log(Git git) throws Exception {
    List<RevCommit> out = new ArrayList<>();
    git.log().call().forEach(out::add);
    return out;
  }

  @Test
  void eachSubmitCommitsItsResolvedConfigAndADirtyTreeIsReportedNotRefused() throws Exception {
    try (Git git = init(dir); TestServer server = server(dir)) {
      Api api = server.api();
      JsonArray datasets = new JsonArray().add(new JsonObject().put("id", "faces").put("type", "local")
          .put("instance_data_dir", System.getProperty("java.io.tmpdir")));
      api.post("/api/configs", new JsonObject().put("name", "My LoRA").put("config", Configs.lora(2))
          .put("dataloader_config", datasets));

      // Clean (and a repository without a commit yet): the job records the commit holding its files.
      Api.Response first = api.post("/api/cloud/jobs/submit?provider=local", new JsonObject()
          .put("config_name_to_load", "My LoRA").put("snapshot_name", "rank 4").put("snapshot_message", "first try"));
      assertThat(first.status()).as(first.body()).isEqualTo(200);
      JsonObject job = api.job(first.json().getString("job_id"));
      JsonObject snapshot = job.getJsonObject("snapshot");
      assertThat(snapshot.getBoolean("was_dirty")).isFalse();
      assertThat(snapshot.getString("name")).isEqualTo("rank 4");
      assertThat(snapshot.getBoolean("auto_generated")).isFalse();
      assertThat(snapshot.getString("branch")).isEqualTo("main");
      assertThat(job.getJsonArray("warnings").encode()).doesNotContain("snapshot");
      List<RevCommit> commits = log(git);
      assertThat(commits).hasSize(1);
      RevCommit commit = commits.get(0);
      assertThat(commit.name()).isEqualTo(snapshot.getString("commit"));
      assertThat(snapshot.getString("abbrev")).isEqualTo(commit.name().substring(0, 7));
      assertThat(commit.getShortMessage()).isEqualTo("rank 4");
      assertThat(commit.getFullMessage()).contains("first try").contains("Job-Id: " + job.getString("job_id"));
      assertThat(commit.getCommitterIdent().getEmailAddress()).isEqualTo("bot@example.com");
      Map<String, String> files = files(git.getRepository(), commit.name());
      assertThat(files).containsOnlyKeys("My-LoRA/config.json", "My-LoRA/multidatabackend.json");
      assertThat(new JsonObject(files.get("My-LoRA/config.json"))).isEqualTo(job.getJsonObject("config"));
      assertThat(new JsonArray(files.get("My-LoRA/multidatabackend.json"))).isEqualTo(datasets);
      assertThat(git.status().call().isClean()).isTrue();

      // An inline config without a name or snapshot name: a made-up subject, under inline/.
      JsonObject inline = api.job(api.post("/api/cloud/jobs/submit?provider=local", new JsonObject()
          .put("config", Configs.lora(3))).json().getString("job_id"));
      assertThat(inline.getJsonObject("snapshot").getBoolean("auto_generated")).isTrue();
      assertThat(inline.getJsonObject("snapshot").getString("name")).contains(inline.getString("job_id"));
      RevCommit second = log(git).get(0);
      assertThat(second.getParent(0)).isEqualTo(commit);
      assertThat(files(git.getRepository(), second.name())).containsKeys("inline/config.json", "My-LoRA/config.json");

      // Dirty: another file changed and one untracked. The submit goes on with a warning, and the
      // commit holds only the job's files; the user's changes stay uncommitted.
      Files.writeString(dir.resolve("My-LoRA/config.json"), "{}\n");
      Files.writeString(dir.resolve("notes.txt"), "scratch\n");
      Api.Response dirty = api.post("/api/cloud/jobs/submit?provider=local", new JsonObject()
          .put("config_name_to_load", "My LoRA").put("config_name", "other"));
      assertThat(dirty.status()).as(dirty.body()).isEqualTo(200);
      JsonObject dirtyJob = api.job(dirty.json().getString("job_id"));
      JsonObject dirtySnapshot = dirtyJob.getJsonObject("snapshot");
      assertThat(dirtySnapshot.getBoolean("was_dirty")).isTrue();
      assertThat(dirtySnapshot.getJsonArray("dirty_paths")).containsExactlyInAnyOrder("My-LoRA/config.json", "notes.txt");
      assertThat(dirtyJob.getJsonArray("warnings").encode()).contains("uncommitted change(s)").contains("notes.txt");
      RevCommit third = log(git).get(0);
      assertThat(third.name()).isEqualTo(dirtySnapshot.getString("commit"));
      Map<String, String> thirdFiles = files(git.getRepository(), third.name());
      assertThat(thirdFiles).doesNotContainKey("notes.txt").containsKey("other/config.json");
      assertThat(new JsonObject(thirdFiles.get("My-LoRA/config.json"))).as("not the user's edit")
          .isEqualTo(job.getJsonObject("config"));
      var status = git.status().call();
      assertThat(status.getModified()).containsExactly("My-LoRA/config.json");
      assertThat(status.getUntracked()).containsExactly("notes.txt");

      // A dry run commits nothing.
      Api.Response dry = api.post("/api/cloud/jobs/submit?provider=local&dry_run=true", new JsonObject()
          .put("config_name_to_load", "My LoRA"));
      assertThat(dry.status()).as(dry.body()).isEqualTo(200);
      assertThat(log(git)).hasSize(3);
    }
  }

  @Test
  void withoutARepositoryThereIsNoSnapshotAndSubmitsWork() {
    try (TestServer server = TestServer.start(Backend.SQLITE, TestServer.trainerCommand(0.02))) {
      Api.Response made = server.api().post("/api/cloud/jobs/submit?provider=local",
          new JsonObject().put("config", Configs.lora(2)).put("snapshot_name", "ignored"));
      assertThat(made.status()).as(made.body()).isEqualTo(200);
      JsonObject job = server.api().job(made.json().getString("job_id"));
      assertThat(job.getValue("snapshot")).isNull();
      assertThat(job.getJsonArray("warnings").encode()).doesNotContain("snapshot");
    }
  }

  @Test
  void aMissingPathOrOneThatIsNotARepositoryStopsTheServerAtStartUp() throws Exception {
    Path missing = dir.resolve("nowhere");
    assertThatThrownBy(() -> server(missing)).hasMessageContaining("snapshots.git_repository")
        .hasMessageContaining("does not exist");
    Path plain = Files.createDirectories(dir.resolve("plain"));
    assertThatThrownBy(() -> server(plain)).hasMessageContaining("snapshots.git_repository")
        .hasMessageContaining("is not a git repository");
    Path bare = dir.resolve("bare.git");
    Git.init().setBare(true).setDirectory(bare.toFile()).call().close();
    assertThatThrownBy(() -> server(bare)).hasMessageContaining("bare repository");
  }
}
