package dev.simpletuner.cloud.server.process;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simpletuner.cloud.server.support.Backend;
import dev.simpletuner.cloud.server.support.Configs;
import dev.simpletuner.cloud.server.support.FakeReplicate;
import dev.simpletuner.cloud.server.support.TestServer;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Three server processes (the packaged jar) on one PostgreSQL against the fake Replicate. Jobs are
 * submitted to all three, some with the same idempotency key sent to two instances at the same
 * moment, and one instance is killed with SIGKILL half-way. Afterwards: one job per key, every job
 * completed, no job created twice at the provider, and the event stream of a surviving instance
 * saw every job finish.
 */
class ClusterFailoverIT {
  private static final Path JAR = Path.of("target/simpletuner-cloud.jar").toAbsolutePath();
  private static final int JOBS = Integer.getInteger("failover.jobs", 500);
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2)).build();

  private record Instance(Process process, String base, Path state) {
  }

  @Test
  void killingAnInstanceLosesNoJobAndSubmitsNoneTwice() throws Exception {
    String database = Backend.POSTGRES.newDatabase();
    List<Instance> instances = new ArrayList<>();
    try (FakeReplicate replicate = FakeReplicate.start().autoRun(200, 2_000)) {
      byte[] key = new byte[32];
      new java.security.SecureRandom().nextBytes(key);
      for (int i = 0; i < 3; i++) {
        instances.add(start(database, replicate, Base64.getEncoder().encodeToString(key)));
      }
      Map<String, List<String>> seen = new ConcurrentHashMap<>();
      Thread recorder = record(instances.get(0).base() + "/api/cloud/events", seen);

      Map<String, Set<String>> jobsByKey = new ConcurrentHashMap<>();
      AtomicInteger submitted = new AtomicInteger();
      ExecutorService pool = Executors.newFixedThreadPool(24);
      List<Future<?>> work = new ArrayList<>();
      for (int i = 0; i < JOBS; i++) {
        String idempotencyKey = "ci-run-" + i;
        int copies = i % 5 == 0 ? 2 : 1;
        CountDownLatch together = new CountDownLatch(copies);
        for (int c = 0; c < copies; c++) {
          int target = (i + c) % instances.size();
          work.add(pool.submit(() -> {
            together.countDown();
            together.await();
            String jobId = submit(instances, target, idempotencyKey);
            jobsByKey.computeIfAbsent(idempotencyKey, k -> ConcurrentHashMap.newKeySet()).add(jobId);
            if (submitted.incrementAndGet() == JOBS / 2) {
              instances.get(2).process().destroyForcibly(); // SIGKILL: no goodbye, leases left to expire
            }
            return null;
          }));
        }
      }
      for (Future<?> f : work) {
        f.get();
      }
      pool.shutdown();
      assertThat(instances.get(2).process().isAlive()).isFalse();

      assertThat(jobsByKey).hasSize(JOBS);
      assertThat(jobsByKey.values()).allSatisfy(ids -> assertThat(ids).hasSize(1));
      List<String> jobIds = jobsByKey.values().stream().map(ids -> ids.iterator().next()).toList();

      String survivor = instances.get(1).base();
      long deadline = System.nanoTime() + Duration.ofSeconds(240).toNanos();
      List<String> unfinished = jobIds;
      while (!unfinished.isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(2_000);
        unfinished = unfinished.stream().filter(id -> !"completed".equals(status(survivor, id))).toList();
      }
      assertThat(unfinished).as("jobs not completed").isEmpty();
      assertThat(get(survivor + "/api/cloud/jobs?limit=1").getInteger("total")).isEqualTo(JOBS);

      // Exactly one prediction per job at the provider.
      assertThat(replicate.createCount()).isEqualTo(JOBS);
      Map<String, Integer> predictionsPerJob = new ConcurrentHashMap<>();
      for (JsonObject p : replicate.predictions()) {
        // The model's S3 base path is where the job's outputs come home: it names the job.
        String basePath = String.valueOf(p.getJsonObject("input").getValue("s3_base_path"));
        jobIds.stream().filter(basePath::equals).forEach(id -> predictionsPerJob.merge(id, 1, Integer::sum));
      }
      assertThat(predictionsPerJob).hasSize(JOBS).allSatisfy((id, n) -> assertThat(n).isEqualTo(1));

      // A client of a surviving instance saw every job finish, whichever instance finished it.
      long sseDeadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (System.nanoTime() < sseDeadline
          && !jobIds.stream().allMatch(id -> seen.getOrDefault(id, List.of()).contains("completed"))) {
        Thread.sleep(200);
      }
      assertThat(jobIds).allSatisfy(id -> assertThat(seen.get(id)).as("events of " + id).contains("completed"));
      recorder.interrupt();
      report(instances);
    } finally {
      for (Instance instance : instances) {
        instance.process().destroyForcibly().waitFor();
        TestServer.deleteTree(instance.state());
      }
      Backend.POSTGRES.dropDatabase(database);
    }
  }

  /** What the survivors did about the killed instance's work (which work was in flight varies by run). */
  private static void report(List<Instance> instances) throws IOException {
    for (Instance instance : instances.subList(0, 2)) {
      try (Stream<String> lines = Files.lines(instance.state().resolve("server.log"))) {
        lines.filter(l -> l.contains("before its instance stopped") || l.contains("cannot be told"))
            .forEach(l -> System.out.println("failover: " + l));
      }
    }
  }

  private static Instance start(String database, FakeReplicate replicate, String secretKey) throws Exception {
    Path state = Files.createTempDirectory("st-cluster-");
    int port = TestServer.freePort();
    Path config = state.resolve("config.yaml");
    // A CI burst of 600 submits from one caller is the point here, not the rate limit.
    Files.writeString(config, "limits:\n  rate_per_minute:\n    submit: 100000\n    webhook: 100000\n");
    ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx384m", "-jar", JAR.toString())
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(state.resolve("server.log").toFile()));
    Map<String, String> env = pb.environment();
    env.put("SIMPLETUNER_STATE_DIR", state.toString());
    env.put("SIMPLETUNER_PORT", String.valueOf(port));
    env.put("SIMPLETUNER_DATABASE_URL", database);
    env.put("SIMPLETUNER_SECRET_KEY", secretKey);
    env.put("SIMPLETUNER_PUBLIC_URL", "http://127.0.0.1:" + port);
    env.put("REPLICATE_API_TOKEN", FakeReplicate.TOKEN);
    env.put("REPLICATE_BASE_URL", replicate.baseUrl());
    env.put("SIMPLETUNER_LOG_LEVEL", "INFO");
    Process process = pb.start();
    String base = "http://127.0.0.1:" + port;
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (true) {
      try {
        if (HTTP.send(HttpRequest.newBuilder(URI.create(base + "/api/cloud/health/ready")).build(),
            HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          return new Instance(process, base, state);
        }
      } catch (IOException notYet) {
        // still starting
      }
      if (!process.isAlive() || System.nanoTime() > deadline) {
        throw new AssertionError("instance did not start: " + Files.readString(state.resolve("server.log")));
      }
      Thread.sleep(100);
    }
  }

  /** Submits like a CI job behind a load balancer: another instance when one does not answer. */
  private static String submit(List<Instance> instances, int first, String idempotencyKey) throws Exception {
    JsonObject body = new JsonObject().put("config", Configs.lora()
            .put("--model_type", "lora").put("--max_train_steps", 100))
        .put("dataloader_config", new io.vertx.core.json.JsonArray()).put("idempotency_key", idempotencyKey);
    for (int attempt = 0; attempt < 30; attempt++) {
      Instance target = instances.get((first + attempt) % instances.size());
      try {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(target.base()
                + "/api/cloud/jobs/submit?provider=replicate")).timeout(Duration.ofSeconds(30))
            .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body.encode())).build(),
            HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return new JsonObject(r.body()).getString("job_id");
        }
        assertThat(r.statusCode()).as(r.body()).isGreaterThanOrEqualTo(500);
      } catch (IOException instanceDown) {
        // the killed one: try the next
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no instance accepted " + idempotencyKey);
  }

  private static String status(String base, String jobId) {
    return get(base + "/api/cloud/jobs/" + jobId).getJsonObject("job").getString("status");
  }

  private static JsonObject get(String url) {
    try {
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(r.statusCode()).as(url + ": " + r.body()).isEqualTo(200);
      return new JsonObject(r.body());
    } catch (IOException | InterruptedException e) {
      throw new AssertionError(e);
    }
  }

  /** Records the statuses the event stream reports per job. */
  private static Thread record(String url, Map<String, List<String>> seen) throws Exception {
    HttpResponse<Stream<String>> response = HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(),
        HttpResponse.BodyHandlers.ofLines());
    Thread reader = new Thread(() -> {
      try (Stream<String> lines = response.body()) {
        lines.filter(l -> l.startsWith("data: {")).map(l -> new JsonObject(l.substring(6)))
            .filter(j -> j.getString("job_id") != null && j.getString("status") != null)
            .forEach(j -> seen.computeIfAbsent(j.getString("job_id"), k -> java.util.Collections
                .synchronizedList(new ArrayList<>())).add(j.getString("status")));
      } catch (RuntimeException closed) {
        // the test is over
      }
    }, "sse-recorder");
    reader.setDaemon(true);
    reader.start();
    return reader;
  }
}
