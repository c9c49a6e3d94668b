import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.parsetools.RecordParser;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Benchmark client: many simulated worker agents in one process, speaking the wire protocol of
 * SimpleTuner's worker agent (simpletuner/worker_agent.py): register, read the event stream
 * ({@code data: <json>} lines), heartbeat, report {@code starting} then {@code completed} for each
 * job it is handed. Measures, per hand-over after each worker's first, the time from the worker
 * becoming idle (its {@code completed} report sent) to its {@code job_submit} arriving, and jobs
 * handed out per second.
 *
 * <p>Run: java -cp core/server/target/simpletuner-cloud.jar bench/WorkerSwarm.java BASE WORKERS JOBS MODE
 * HOLD_MIN_MS HOLD_MAX_MS MEASURE, where MODE is {@code server} (creates the workers and queues the
 * jobs through the API first) or {@code bare} (the baseline route in BareFleet.java hands out JOBS
 * events itself); each worker holds each job for a random time in [HOLD_MIN_MS, HOLD_MAX_MS] (it
 * "trains"), and the run ends after MEASURE hand-overs.
 */
public class WorkerSwarm {
  private static final String HEADER = "X-Worker-Token";
  private static HttpClient http;
  private static String host;
  private static int port;
  private static final List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
  private static final AtomicInteger handed = new AtomicInteger();
  private static CountDownLatch done;
  private static long holdMin;
  private static long holdMax;
  private static Vertx vertx;

  public static void main(String[] args) throws Exception {
    URI base = URI.create(args[0]);
    int workers = Integer.parseInt(args[1]);
    int jobs = Integer.parseInt(args[2]);
    boolean server = args[3].equals("server");
    holdMin = Long.parseLong(args[4]);
    holdMax = Long.parseLong(args[5]);
    int measure = Integer.parseInt(args[6]);
    host = base.getHost();
    port = base.getPort();
    vertx = Vertx.vertx();
    http = vertx.createHttpClient(new PoolOptions().setHttp1MaxSize(workers * 4));
    List<String> tokens = new ArrayList<>();
    if (server) {
      for (int i = 0; i < workers; i++) {
        tokens.add(call(HttpMethod.POST, "/api/admin/workers", null, new JsonObject().put("name", "sim-" + i))
            .toCompletionStage().toCompletableFuture().get().getString("token"));
      }
      JsonObject job = new JsonObject().put("config", new JsonObject().put("--model_family", "flux")
              .put("--model_type", "lora").put("--optimizer", "adamw_bf16").put("--max_train_steps", 1))
          .put("dataloader_config", new JsonArray().add(new JsonObject().put("id", "remote").put("type", "aws")
              .put("aws_bucket_name", "datasets")));
      List<Future<JsonObject>> submits = new ArrayList<>();
      for (int i = 0; i < jobs; i++) {
        submits.add(call(HttpMethod.POST, "/api/cloud/jobs/submit?provider=worker", null, job));
        if (submits.size() == 50) {
          Future.all(submits).toCompletionStage().toCompletableFuture().get();
          submits.clear();
        }
      }
      Future.all(submits).toCompletionStage().toCompletableFuture().get();
    } else {
      for (int i = 0; i < workers; i++) {
        tokens.add("bare-" + i);
      }
    }
    done = new CountDownLatch(measure);
    long start = System.nanoTime();
    for (String token : tokens) {
      new Agent(token).start();
    }
    if (!done.await(600, TimeUnit.SECONDS)) {
      System.err.println("only " + handed.get() + " of " + measure + " jobs arrived");
      System.exit(1);
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    List<Long> sorted = new ArrayList<>(latencies);
    Collections.sort(sorted);
    System.out.printf("RESULT %d %.3f %.3f %.1f%n", sorted.size(), pct(sorted, 0.50) / 1e6, pct(sorted, 0.99) / 1e6,
        measure / seconds);
    System.exit(0);
  }

  private static double pct(List<Long> sorted, double p) {
    return sorted.isEmpty() ? Double.NaN : sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p * sorted.size()) - 1));
  }

  private static Future<JsonObject> call(HttpMethod method, String path, String token, JsonObject body) {
    RequestOptions options = new RequestOptions().setMethod(method).setHost(host).setPort(port).setURI(path)
        .putHeader("Content-Type", "application/json");
    if (token != null) {
      options.putHeader(HEADER, token);
    }
    return http.request(options)
        .compose(req -> body == null ? req.send() : req.send(body.toBuffer()))
        .compose(res -> res.body().map(b -> {
          if (res.statusCode() != 200) {
            throw new IllegalStateException(method + " " + path + ": " + res.statusCode() + " " + b);
          }
          return b.length() == 0 ? new JsonObject() : new JsonObject(b);
        }));
  }

  /** One simulated agent: its job, when it became idle, and its stream. */
  private static final class Agent {
    private final String token;
    private String workerId;
    private volatile long idleSince;

    Agent(String token) {
      this.token = token;
    }

    void start() {
      call(HttpMethod.POST, "/api/workers/register", token, new JsonObject().put("name", token)
          .put("gpu_info", new JsonObject().put("count", 1)).put("persistent", true))
          .compose(r -> {
            workerId = r.getString("worker_id");
            return http.request(new RequestOptions().setMethod(HttpMethod.GET).setHost(host).setPort(port)
                .setURI("/api/workers/stream?worker_id=" + workerId).putHeader(HEADER, token));
          })
          .compose(req -> req.send())
          .onSuccess(this::read)
          .onFailure(e -> {
            System.err.println("agent " + token + ": " + e);
            System.exit(1);
          });
    }

    private void read(HttpClientResponse stream) {
      idleSince = 0;
      RecordParser lines = RecordParser.newDelimited("\n", line -> {
        String text = line.toString();
        if (text.startsWith("data: ")) {
          JsonObject event = new JsonObject(text.substring(6));
          if ("job_submit".equals(event.getString("type"))) {
            // The first hand-over of each worker is the start-up burst (all connect at once): not counted.
            if (idleSince > 0) {
              latencies.add(System.nanoTime() - idleSince);
            }
            run(event.getString("job_id"));
          }
        }
      });
      stream.handler(lines);
      call(HttpMethod.POST, "/api/workers/heartbeat", token, new JsonObject().put("worker_id", workerId)
          .put("status", "idle"));
    }

    private void run(String jobId) {
      String path = "/api/workers/job/" + jobId + "/status";
      long hold = holdMin + (long) (Math.random() * (holdMax - holdMin));
      call(HttpMethod.POST, path, token, new JsonObject().put("status", "starting"))
          .compose(v -> hold <= 0 ? Future.succeededFuture() : vertx.timer(hold))
          .compose(v -> {
            // Idle from here: the next job may reach it as soon as the server has answered this.
            idleSince = System.nanoTime();
            return call(HttpMethod.POST, path, token, new JsonObject().put("status", "completed"));
          })
          .onSuccess(v -> {
            handed.incrementAndGet();
            done.countDown();
          })
          .onFailure(e -> System.err.println("job " + jobId + ": " + e.getMessage()));
    }
  }
}
