package dev.simpletuner.cloud.delivery.huggingface;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simpletuner.cloud.spi.delivery.DeliveryJob;
import dev.simpletuner.cloud.spi.delivery.DeliveryResult;
import dev.simpletuner.cloud.spi.delivery.OutputFile;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server pushing a job's files to the fake Hub over real HTTP, with faults. */
class HuggingFaceDeliverTest {
  private static final int LARGE = 3 * 1024 * 1024 + 123_457; // 4 parts of 1 MiB
  private static final JsonObject CONFIG = new JsonObject()
      .put("--pretrained_model_name_or_path", "black-forest-labs/FLUX.1-dev").put("--model_type", "lora")
      .put("--model_family", "flux").put("--learning_rate", 1e-4).put("--hub_token", "hf_secretInConfig")
      .put("--webhook_config", "[{\"auth_token\":\"whk_secret\"}]");

  @TempDir
  Path dir;
  HubTestKit kit;
  HuggingFaceDelivery target;
  List<OutputFile> files;

  @BeforeEach
  void setUp() throws Exception {
    kit = new HubTestKit(dir);
    target = kit.target();
    files = List.of(
        kit.text("config.json", "{\"rank\": 16}\n"),
        kit.text("samples/notes.txt", "step 100: looks good\n"),
        kit.random("optimizer.bin", 300_000, 1),
        kit.random("pytorch_lora_weights.safetensors", LARGE, 2));
  }

  @AfterEach
  void tearDown() {
    target.close();
    kit.close();
  }

  private DeliveryJob job(String repoId) {
    return new DeliveryJob("job-42", "flux-cats", new JsonObject().put("repo_id", repoId), CONFIG, files,
        "http://localhost/outputs/job-42");
  }

  private long total() {
    return files.stream().mapToLong(OutputFile::size).sum();
  }

  @Test
  void pushesSmallAndLargeFilesWithAGeneratedCardToANewPrivateRepo() throws Exception {
    List<long[]> progress = new ArrayList<>();
    DeliveryResult result = kit.await(() -> target.deliver(job("my-lora"),
        (done, total) -> progress.add(new long[] {done, total})));

    String repo = "alice/my-lora"; // namespace from whoami
    assertThat(result.url()).isEqualTo(kit.hub.endpoint() + "/" + repo);
    assertThat(result.bytes()).isEqualTo(total());
    assertThat(result.note()).startsWith("5 files (2 via LFS), commit ").endsWith(kit.hub.head(repo).substring(0, 7));
    assertThat(kit.hub.isPrivate(repo)).isTrue();
    assertThat(new JsonObject(kit.hub.lastRequestBody(FakeHub.CREATE)))
        .isEqualTo(new JsonObject().put("name", "my-lora").putNull("organization").put("visibility", "private"));

    Map<String, FakeHub.StoredFile> stored = kit.hub.files(repo);
    for (OutputFile f : files) {
      assertThat(stored.get(f.path()).sha256()).as(f.path()).isEqualTo(f.sha256());
      assertThat(stored.get(f.path()).size()).isEqualTo(f.size());
    }
    assertThat(stored.get("pytorch_lora_weights.safetensors").lfs()).isTrue();
    assertThat(stored.get("optimizer.bin").lfs()).isTrue();
    assertThat(stored.get("config.json").lfs()).isFalse();

    // The multipart path ran (4 parts + completion), the small LFS file went by one PUT, and the
    // presigned storage URLs never saw the token.
    assertThat(kit.hub.requests(FakeHub.PART)).isEqualTo(4);
    assertThat(kit.hub.requests(FakeHub.COMPLETE)).isEqualTo(1);
    assertThat(kit.hub.requests(FakeHub.UPLOAD)).isEqualTo(1);
    assertThat(kit.hub.requests(FakeHub.VERIFY)).isEqualTo(2);
    assertThat(kit.hub.authorizedRequests(FakeHub.PART) + kit.hub.authorizedRequests(FakeHub.UPLOAD)
        + kit.hub.authorizedRequests(FakeHub.COMPLETE)).isZero();
    assertThat(kit.hub.commitSummaries(repo)).containsExactly("initial commit",
        "Upload model from SimpleTuner job job-42");

    String card = kit.hub.text(repo, "README.md");
    assertThat(card).startsWith("---\n").contains("base_model: \"black-forest-labs/FLUX.1-dev\"", "- simpletuner",
        "- lora", "- flux", "flux-cats", "job-42", "--learning_rate")
        .doesNotContain("hf_secretInConfig", "whk_secret", "--hub_token", "--webhook_config");

    assertThat(progress).isNotEmpty();
    for (int i = 1; i < progress.size(); i++) {
      assertThat(progress.get(i)[0]).isGreaterThanOrEqualTo(progress.get(i - 1)[0]);
    }
    assertThat(progress.get(progress.size() - 1)).containsExactly(total(), total());
  }

  @Test
  void deliveringAgainUploadsNothingAndMakesNoCommit() throws Exception {
    kit.await(() -> target.deliver(job("alice/my-lora"), null));
    String head = kit.hub.head("alice/my-lora");
    kit.hub.resetCounts();

    DeliveryResult again = kit.await(() -> target.deliver(job("alice/my-lora"), null));

    assertThat(kit.hub.requests(FakeHub.BATCH) + kit.hub.requests(FakeHub.UPLOAD) + kit.hub.requests(FakeHub.PART)
        + kit.hub.requests(FakeHub.COMMIT)).isZero();
    assertThat(kit.hub.requests(FakeHub.REVISION)).isEqualTo(1);
    assertThat(kit.hub.commitCount("alice/my-lora")).isEqualTo(2);
    assertThat(again.note()).contains("already up to date").endsWith(head.substring(0, 7));
    assertThat(again.bytes()).isEqualTo(total());
  }

  @Test
  void aFailedCommitIsResumedWithoutUploadingTheLargeFilesAgain() throws Exception {
    kit.hub.failNext(FakeHub.COMMIT, 400, 1);
    Throwable failed = kit.failure(() -> target.deliver(job("alice/my-lora"), null));
    assertThat(failed).hasMessage("Hugging Face commit failed (400): Injected failure 400");
    assertThat(kit.hub.lfsObjectCount("alice/my-lora")).isEqualTo(2);
    assertThat(kit.hub.commitCount("alice/my-lora")).isEqualTo(1);
    kit.hub.resetCounts();

    kit.await(() -> target.deliver(job("alice/my-lora"), null));

    assertThat(kit.hub.requests(FakeHub.BATCH)).isEqualTo(1);
    assertThat(kit.hub.requests(FakeHub.UPLOAD) + kit.hub.requests(FakeHub.PART)).isZero();
    assertThat(kit.hub.requests(FakeHub.COMMIT)).isEqualTo(1);
    assertThat(kit.hub.files("alice/my-lora")).containsKeys("pytorch_lora_weights.safetensors", "README.md");
  }

  @Test
  void rateLimitsAndServerErrorsAreRetriedHonouringRetryAfter() throws Exception {
    kit.hub.rateLimitNext(FakeHub.PREUPLOAD, 1, 1).failNext(FakeHub.CREATE, 503, 2).failNext(FakeHub.PART, 503, 1)
        .failNext(FakeHub.COMMIT, 502, 1).failNext(FakeHub.BATCH, 500, 1);
    long start = System.nanoTime();

    kit.await(() -> target.deliver(job("alice/my-lora"), null));

    assertThat((System.nanoTime() - start) / 1_000_000).isGreaterThanOrEqualTo(1000); // Retry-After: 1
    assertThat(kit.hub.requests(FakeHub.PREUPLOAD)).isEqualTo(2);
    assertThat(kit.hub.requests(FakeHub.CREATE)).isEqualTo(3);
    assertThat(kit.hub.requests(FakeHub.PART)).isEqualTo(5);
    assertThat(kit.hub.requests(FakeHub.COMMIT)).isEqualTo(2);
    assertThat(kit.hub.commitCount("alice/my-lora")).isEqualTo(2);
    assertThat(kit.hub.files("alice/my-lora").get("pytorch_lora_weights.safetensors").sha256())
        .isEqualTo(files.get(3).sha256());
  }

  @Test
  void timeoutsAndDroppedConnectionsAreRetried() throws Exception {
    kit.settings.put("request_timeout_seconds", "1");
    kit.hub.hangNext(FakeHub.COMMIT, 1).dropNext(FakeHub.UPLOAD, 1).dropNext(FakeHub.WHOAMI, 1);

    DeliveryResult result = kit.await(() -> target.deliver(job("alice/my-lora"), null));

    assertThat(result.note()).contains("commit");
    assertThat(kit.hub.requests(FakeHub.COMMIT)).isEqualTo(2);
    assertThat(kit.hub.requests(FakeHub.UPLOAD)).isEqualTo(2);
    assertThat(kit.hub.requests(FakeHub.WHOAMI)).isEqualTo(2);
    assertThat(kit.hub.commitCount("alice/my-lora")).isEqualTo(2);
  }

  @Test
  void persistentServerErrorsGiveUpAfterBoundedAttempts() throws Exception {
    kit.hub.failNext(FakeHub.PREUPLOAD, 503, 100);

    Throwable failed = kit.failure(() -> target.deliver(job("alice/my-lora"), null));

    assertThat(failed).hasMessage("Hugging Face preupload failed (503): Injected failure 503");
    assertThat(kit.hub.requests(FakeHub.PREUPLOAD)).isEqualTo(6);
  }

  @Test
  void aBadTokenFailsClearlyWithoutRevealingIt() throws Exception {
    String token = "hf_doesNotExistAnywhere42";
    kit.settings.put("token", token);

    Throwable failed = kit.failure(() -> target.deliver(job("alice/my-lora"), null));

    assertThat(failed.getMessage()).isEqualTo(
        "Hugging Face rejected the token (401): Invalid credentials in Authorization header").doesNotContain(token);
    assertThat(kit.hub.requests(FakeHub.WHOAMI)).isEqualTo(1); // 401 is not retried
    assertThat(kit.hub.repoExists("alice/my-lora")).isFalse();
  }

  @Test
  void aReadOnlyTokenIsRefusedBeforeAnythingIsCreated() throws Exception {
    kit.settings.put("token", HubTestKit.READ_TOKEN);

    Throwable failed = kit.failure(() -> target.deliver(job("alice/my-lora"), null));

    assertThat(failed.getMessage()).contains("read-only").doesNotContain(HubTestKit.READ_TOKEN);
    assertThat(kit.hub.requests(FakeHub.CREATE)).isZero();
  }

  @Test
  void anExistingRepoIsUsedAsItIs() throws Exception {
    kit.hub.createRepo("alice/my-lora", false);

    kit.await(() -> target.deliver(job("alice/my-lora"), null));

    assertThat(kit.hub.requests(FakeHub.CREATE)).isEqualTo(1);
    assertThat(kit.hub.isPrivate("alice/my-lora")).isFalse(); // the owner's choice stands
    assertThat(kit.hub.files("alice/my-lora")).containsKeys("config.json", "pytorch_lora_weights.safetensors");
  }

  @Test
  void aConflictingOperationOnCreateIsRetried() throws Exception {
    kit.hub.failNext(FakeHub.CREATE, 409, 1, Map.of(),
        "Cannot create repo: another conflicting operation is in progress");

    kit.await(() -> target.deliver(job("alice/my-lora"), null));

    assertThat(kit.hub.requests(FakeHub.CREATE)).isEqualTo(2);
    assertThat(kit.hub.repoExists("alice/my-lora")).isTrue();
  }

  @Test
  void aReadmeFromTheTrainerIsKeptAndOrganisationReposWork() throws Exception {
    kit.settings.put("token", HubTestKit.ORG_TOKEN);
    List<OutputFile> withReadme = new ArrayList<>(files);
    withReadme.add(kit.text("README.md", "# My own card\n"));
    DeliveryJob job = new DeliveryJob("job-7", null, new JsonObject().put("repo_id", "acme/cats").put("private", false),
        CONFIG, withReadme, null);

    kit.await(() -> target.deliver(job, null));

    assertThat(kit.hub.text("acme/cats", "README.md")).isEqualTo("# My own card\n");
    assertThat(kit.hub.isPrivate("acme/cats")).isFalse();
    assertThat(new JsonObject(kit.hub.lastRequestBody(FakeHub.CREATE)).getString("organization")).isEqualTo("acme");
  }
}
