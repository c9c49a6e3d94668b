package dev.simpletuner.cloud.server.support;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.UUID;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * An in-process Replicate written from its wire format (external-apis.md section 1): account,
 * models and versions, the Files API (streamed multipart), predictions with a scripted
 * lifecycle, cursor pagination with absolute URLs, and signed Standard Webhooks. Faults can be
 * injected: error statuses with Retry-After, slow answers, dropped, duplicated, reordered or
 * badly signed webhooks.
 */
public final class FakeReplicate implements AutoCloseable {
  public static final String TOKEN = "r8_fake_token_for_tests";
  public static final String VERSION_ID = "a".repeat(32) + "b".repeat(32);
  private static final int PAGE = 100;

  private final Vertx vertx = Vertx.vertx();
  private final WebClient webhooks = WebClient.create(vertx);
  private final String secret;
  private final Path files;
  private final Map<String, JsonObject> predictions = new LinkedHashMap<>();
  private final Map<String, Path> uploads = new LinkedHashMap<>();
  private final List<Fault> faults = new ArrayList<>();
  private final ConcurrentLinkedQueue<Long> requestTimes = new ConcurrentLinkedQueue<>();
  private final AtomicInteger creates = new AtomicInteger();
  private final List<JsonObject> heldWebhooks = new ArrayList<>();
  private final SecureRandom random = new SecureRandom();
  private HttpServer server;
  private volatile boolean tls;
  private final ConcurrentLinkedQueue<String> vias = new ConcurrentLinkedQueue<>();
  private long uploadLimit = 100L * 1024 * 1024;
  private boolean webhooksOn = true;
  private boolean duplicateWebhooks;
  private boolean reorderWebhooks;
  private boolean badSignatures;
  private boolean keepUploads = true;
  private long autoStartMs = -1;
  private long autoRunMs = -1;
  private Map<String, byte[]> trainerOutputs = Map.of();
  private boolean publishAfterCompletion;
  private PredictionRunner runner;
  private final Map<String, Runnable> running = new java.util.concurrent.ConcurrentHashMap<>();
  private final java.util.Set<String> logWebhookDue = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /**
   * Runs each prediction as the real model would (the conformance suite runs SimpleTuner's own
   * predict.py this way); the fake does Replicate's part around it: the states, the logs, the
   * webhooks, cancel.
   */
  public interface PredictionRunner {
    /** Why Replicate would refuse this input (422: not an input the model declares), or null. */
    default String refuse(JsonObject input) {
      return null;
    }

    /** Starts the prediction; returns what cancels it. */
    Runnable start(String id, JsonObject input, Run run);
  }

  /** What a running prediction tells Replicate. Safe to call from any thread. */
  public interface Run {
    void processing();

    /** Output the model printed (stdout and stderr, as they come). */
    void log(String text);

    void succeeded(Object output, double predictTime);

    void failed(String error, double predictTime);
  }

  private record Fault(HttpMethod method, String pathPrefix, int status, long delayMs, Integer retryAfter,
                       AtomicInteger left) {
  }

  private FakeReplicate() {
    byte[] key = new byte[32];
    random.nextBytes(key);
    secret = "whsec_" + Base64.getEncoder().encodeToString(key);
    try {
      files = Files.createTempDirectory("fake-replicate-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static FakeReplicate start() {
    return start(new io.vertx.core.http.HttpServerOptions());
  }

  /** Served over HTTPS with {@code certPem} (and its key), as api.replicate.com is: for the TLS settings' tests. */
  public static FakeReplicate startTls(Path certPem, Path keyPem) {
    FakeReplicate fake = start(new io.vertx.core.http.HttpServerOptions().setSsl(true).setKeyCertOptions(
        new io.vertx.core.net.PemKeyCertOptions().setCertPath(certPem.toString()).setKeyPath(keyPem.toString())));
    fake.tls = true;
    return fake;
  }

  private static FakeReplicate start(io.vertx.core.http.HttpServerOptions options) {
    FakeReplicate fake = new FakeReplicate();
    // Large body pieces: the fake must not be what an upload benchmark measures.
    fake.server = fake.vertx.createHttpServer(options.setMaxChunkSize(256 * 1024))
        .requestHandler(fake.router()).listen(0, "127.0.0.1").await();
    return fake;
  }

  public String baseUrl() {
    return (tls ? "https" : "http") + "://127.0.0.1:" + server.actualPort();
  }

  /**
   * Replicate's status page summary (Statuspage v2 {@code summary.json}, as status.replicate.com
   * serves it), which is another host in reality; here so the server's own calls for the provider
   * can be watched too.
   */
  public String statusPageUrl() {
    return baseUrl() + "/_status/api/v2/summary.json";
  }

  /** The {@code Via} header of every request received, in order ("" when there was none): a proxy adds one. */
  public List<String> viaHeaders() {
    return List.copyOf(vias);
  }

  public String webhookSecret() {
    return secret;
  }

  // ---- scripting ----------------------------------------------------------------------------

  /** Every new prediction starts after {@code startMs} and succeeds {@code runMs} later. */
  public synchronized FakeReplicate autoRun(long startMs, long runMs) {
    autoStartMs = startMs;
    autoRunMs = runMs;
    return this;
  }

  /** Every new prediction runs on {@code runner} instead of a script. */
  public synchronized FakeReplicate runner(PredictionRunner runner) {
    this.runner = runner;
    return this;
  }

  public synchronized FakeReplicate webhooks(boolean on) {
    webhooksOn = on;
    return this;
  }

  public synchronized FakeReplicate duplicateWebhooks(boolean on) {
    duplicateWebhooks = on;
    return this;
  }

  /** Holds each "start" webhook back and sends it after the "completed" one. */
  public synchronized FakeReplicate reorderWebhooks(boolean on) {
    reorderWebhooks = on;
    return this;
  }

  public synchronized FakeReplicate badSignatures(boolean on) {
    badSignatures = on;
    return this;
  }

  /**
   * Files every succeeding prediction publishes to the S3 target of its {@code s3_*} inputs (as
   * SimpleTuner's Replicate model does): before it reports success, or just after it (the race
   * with the completion webhook).
   */
  public synchronized FakeReplicate trainerOutputs(Map<String, byte[]> files, boolean afterCompletion) {
    this.trainerOutputs = Map.copyOf(files);
    this.publishAfterCompletion = afterCompletion;
    return this;
  }

  /** Off: uploads are counted, not stored (for benchmarks that measure the server, not this fake's disk). */
  public synchronized FakeReplicate keepUploads(boolean keep) {
    keepUploads = keep;
    return this;
  }

  public synchronized FakeReplicate uploadLimit(long bytes) {
    uploadLimit = bytes;
    return this;
  }

  /** The next {@code times} requests matching answer {@code status} (with Retry-After seconds if given). */
  public synchronized FakeReplicate failNext(HttpMethod method, String pathPrefix, int status, int times,
                                             Integer retryAfter) {
    faults.add(new Fault(method, pathPrefix, status, 0, retryAfter, new AtomicInteger(times)));
    return this;
  }

  /** The next {@code times} requests matching are answered only after {@code delayMs}. */
  public synchronized FakeReplicate delayNext(HttpMethod method, String pathPrefix, long delayMs, int times) {
    faults.add(new Fault(method, pathPrefix, 0, delayMs, null, new AtomicInteger(times)));
    return this;
  }

  public synchronized List<JsonObject> predictions() {
    return predictions.values().stream().map(JsonObject::copy).toList();
  }

  /**
   * A prediction someone made on the account without this server (another machine, the website),
   * of {@code model}, in {@code status} (starting, processing, succeeded, failed, canceled): the
   * prediction object of research/external-apis.md 1.4 and 1.6 ({@code source: web},
   * {@code metrics.predict_time} once ended, listed newest first like the others).
   */
  public synchronized String addForeignPrediction(String model, String status, double predictTime) {
    String id = "ext" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    boolean ended = List.of("succeeded", "failed", "canceled").contains(status);
    Instant now = Instant.now();
    predictions.put(id, new JsonObject().put("id", id).put("model", model).put("version", VERSION_ID)
        .put("input", new JsonObject().put("config_json", "{}")).put("logs", "").put("error",
            "failed".equals(status) ? "CUDA out of memory" : null)
        .put("status", status).put("created_at", now.minusSeconds(600).toString())
        .put("started_at", "starting".equals(status) ? null : now.minusSeconds(500).toString())
        .put("completed_at", ended ? now.minusSeconds(100).toString() : null)
        .put("metrics", ended ? new JsonObject().put("predict_time", predictTime) : new JsonObject())
        .put("output", null).put("source", "web").put("data_removed", false)
        .put("urls", new JsonObject().put("get", baseUrl() + "/v1/predictions/" + id)
            .put("cancel", baseUrl() + "/v1/predictions/" + id + "/cancel")));
    return id;
  }

  public synchronized JsonObject prediction(String id) {
    return predictions.get(id).copy();
  }

  public int createCount() {
    return creates.get();
  }

  /** The bytes of an uploaded file. */
  public synchronized Path uploadedFile(String url) {
    return uploads.get(url.substring(url.lastIndexOf('/') + 1));
  }

  public synchronized int uploadCount() {
    return uploads.size();
  }

  /** Requests received in the last {@code millis}. */
  public long requestsInLast(long millis) {
    long since = System.currentTimeMillis() - millis;
    return requestTimes.stream().filter(t -> t >= since).count();
  }

  public long totalRequests() {
    return requestTimes.size();
  }

  public void begin(String id) {
    vertx.runOnContext(v -> transition(id, "processing", null, null));
  }

  /** The model printed {@code text}; a "logs" webhook follows (at most one per 500 ms, as Replicate sends them). */
  public void log(String id, String text) {
    synchronized (this) {
      JsonObject p = predictions.get(id);
      p.put("logs", (p.getString("logs") == null ? "" : p.getString("logs")) + text);
    }
    if (logWebhookDue.add(id)) {
      vertx.setTimer(500, t -> {
        logWebhookDue.remove(id);
        JsonObject snapshot;
        synchronized (this) {
          snapshot = predictions.get(id).copy();
        }
        if (!terminal(snapshot.getString("status"))) {
          webhook(snapshot, "logs");
        }
      });
    }
  }

  public void succeed(String id, double predictTime) {
    vertx.runOnContext(v -> transition(id, "succeeded", null, predictTime));
  }

  public void fail(String id, String error) {
    vertx.runOnContext(v -> transition(id, "failed", error, 1.0));
  }

  @Override
  public void close() {
    vertx.close().await();
    TestServer.deleteTree(files);
  }

  // ---- HTTP ---------------------------------------------------------------------------------

  private Router router() {
    Router r = Router.router(vertx);
    // Benchmark control (not part of Replicate's API): finish every open prediction.
    r.post("/_fake/complete-all").handler(rc -> {
      List<String> open;
      synchronized (this) {
        open = predictions.values().stream().filter(p -> !terminal(p.getString("status")))
            .map(p -> p.getString("id")).toList();
      }
      open.forEach(id -> transition(id, "succeeded", null, 60.0));
      json(rc, 200, new JsonObject().put("completed", open.size()));
    });
    r.route().handler(rc -> {
      vias.add(rc.request().getHeader("Via") == null ? "" : rc.request().getHeader("Via"));
      rc.next();
    });
    r.get("/_status/api/v2/summary.json").handler(rc -> json(rc, 200, new JsonObject()
        .put("page", new JsonObject().put("id", "replicate").put("name", "Replicate")
            .put("url", "https://replicate.statuspage.io"))
        .put("status", new JsonObject().put("indicator", "none").put("description", "All Systems Operational"))
        .put("components", new JsonArray()).put("incidents", new JsonArray())
        .put("scheduled_maintenances", new JsonArray())));
    r.route().handler(this::countAndFault);
    r.route().handler(this::authenticate);
    r.post("/v1/files").handler(this::upload);
    r.route().handler(BodyHandler.create(false).setBodyLimit(10 * 1024 * 1024));
    r.get("/v1/account").handler(rc -> json(rc, 200, new JsonObject().put("type", "user").put("username", "tester")
        .put("name", "Test User").put("github_url", "https://github.com/tester")));
    r.get("/v1/models/:owner/:name").handler(this::model);
    r.get("/v1/webhooks/default/secret").handler(rc -> json(rc, 200, new JsonObject().put("key", secret)));
    r.post("/v1/predictions").handler(this::create);
    r.get("/v1/predictions").handler(this::list);
    r.get("/v1/predictions/:id").handler(rc -> withPrediction(rc, p -> json(rc, 200, p)));
    r.post("/v1/predictions/:id/cancel").handler(rc -> withPrediction(rc, p -> {
      if (!terminal(p.getString("status"))) {
        // Canceled first: the model's process then ends, and what it reports after that is moot.
        transition(p.getString("id"), "canceled", null, 0.5);
        Runnable stop = running.remove(p.getString("id"));
        if (stop != null) {
          stop.run();
        }
      }
      json(rc, 200, prediction(p.getString("id")));
    }));
    r.get("/v1/files/:id").handler(rc -> {
      Path file;
      synchronized (this) {
        file = uploads.get(rc.pathParam("id"));
      }
      if (file == null) {
        problem(rc, 404, "Not found");
      } else {
        rc.response().sendFile(file.toString());
      }
    });
    r.route().handler(rc -> problem(rc, 404, "Not found"));
    return r;
  }

  private void countAndFault(RoutingContext rc) {
    requestTimes.add(System.currentTimeMillis());
    Fault hit = null;
    synchronized (this) {
      for (Fault f : faults) {
        if (f.method().equals(rc.request().method()) && rc.request().path().startsWith(f.pathPrefix())
            && f.left().getAndDecrement() > 0) {
          hit = f;
          break;
        }
      }
      faults.removeIf(f -> f.left().get() <= 0);
    }
    if (hit == null) {
      rc.next();
    } else if (hit.delayMs() > 0) {
      rc.request().pause();
      vertx.setTimer(hit.delayMs(), id -> {
        rc.request().resume();
        rc.next();
      });
    } else {
      if (hit.retryAfter() != null) {
        rc.response().putHeader("Retry-After", String.valueOf(hit.retryAfter()));
      }
      problem(rc, hit.status(), hit.status() == 429 ? "Request was throttled. Your rate limit resets in ~1s."
          : "Internal server error");
    }
  }

  private void authenticate(RoutingContext rc) {
    String auth = rc.request().getHeader("Authorization");
    if (auth != null && (auth.equals("Bearer " + TOKEN) || auth.equals("Token " + TOKEN))) {
      rc.next();
    } else {
      json(rc, 401, new JsonObject().put("title", "Unauthenticated")
          .put("detail", "You did not pass a valid authentication token").put("status", 401));
    }
  }

  private void model(RoutingContext rc) {
    String name = rc.pathParam("name");
    if (!name.startsWith("advanced-trainer-")) {
      problem(rc, 404, "Not found");
      return;
    }
    json(rc, 200, new JsonObject().put("owner", rc.pathParam("owner")).put("name", name)
        .put("visibility", "public").put("latest_version", new JsonObject().put("id", VERSION_ID)
            .put("created_at", Instant.now().toString())));
  }

  /** {@code POST /v1/files}: the content part is streamed to disk, never held in memory. */
  private void upload(RoutingContext rc) {
    String id = randomId();
    Path target = files.resolve(id);
    MultipartReceiver.receive(vertx, rc.request(), keepUploads ? target : null).onComplete(ar -> {
      if (ar.failed() || ar.result().size() == 0) {
        problem(rc, 400, "No file content was sent");
        return;
      }
      MultipartReceiver.Received file = ar.result();
      if (file.size() > uploadLimit) {
        problem(rc, 413, "Files must be less than 100MB in size");
        return;
      }
      synchronized (this) {
        uploads.put(id, target);
      }
      json(rc, 201, new JsonObject().put("id", id).put("name", file.filename()).put("content_type", "application/zip")
          .put("size", file.size()).put("checksums", new JsonObject().put("sha256", file.sha256()))
          .put("metadata", new JsonObject()).put("created_at", Instant.now().toString())
          .put("expires_at", Instant.now().plusSeconds(86400).toString())
          .put("urls", new JsonObject().put("get", baseUrl() + "/v1/files/" + id)));
    });
  }

  private void create(RoutingContext rc) {
    JsonObject body = rc.body().asJsonObject();
    String version = body == null ? null : body.getString("version");
    if (version == null || !version.endsWith(":" + VERSION_ID) || !(body.getValue("input") instanceof JsonObject)) {
      problem(rc, 422, "Invalid version or input");
      return;
    }
    PredictionRunner model;
    synchronized (this) {
      model = runner;
    }
    String refused = model == null ? null : model.refuse(body.getJsonObject("input"));
    if (refused != null) {
      problem(rc, 422, refused);
      return;
    }
    creates.incrementAndGet();
    String id = randomId();
    JsonObject p = new JsonObject().put("id", id).put("model", version.substring(0, version.indexOf(':')))
        .put("version", VERSION_ID).put("input", body.getJsonObject("input")).put("logs", "").put("error", null)
        .put("status", "starting").put("created_at", Instant.now().toString()).put("started_at", null)
        .put("completed_at", null).put("metrics", new JsonObject()).put("output", null).put("source", "api")
        .put("urls", new JsonObject().put("get", baseUrl() + "/v1/predictions/" + id)
            .put("cancel", baseUrl() + "/v1/predictions/" + id + "/cancel"));
    if (body.getString("webhook") != null) {
      p.put("webhook", body.getString("webhook"))
          .put("webhook_events_filter", body.getJsonArray("webhook_events_filter", new JsonArray()));
    }
    synchronized (this) {
      predictions.put(id, p);
    }
    if (model != null) {
      running.put(id, model.start(id, body.getJsonObject("input").copy(), run(id)));
    } else if (autoStartMs >= 0) {
      vertx.setTimer(Math.max(1, autoStartMs), t -> {
        transition(id, "processing", null, null);
        vertx.setTimer(Math.max(1, autoRunMs), t2 -> transition(id, "succeeded", null, autoRunMs / 1000.0));
      });
    }
    json(rc, 201, prediction(id));
  }

  private void list(RoutingContext rc) {
    int cursor = rc.queryParams().contains("cursor") ? Integer.parseInt(rc.queryParams().get("cursor")) : 0;
    List<JsonObject> newest;
    synchronized (this) {
      newest = new ArrayList<>(predictions.values());
    }
    java.util.Collections.reverse(newest);
    JsonArray results = new JsonArray();
    for (int i = cursor; i < Math.min(newest.size(), cursor + PAGE); i++) {
      JsonObject copy = newest.get(i).copy();
      copy.remove("logs");
      results.add(copy);
    }
    String next = cursor + PAGE < newest.size() ? baseUrl() + "/v1/predictions?cursor=" + (cursor + PAGE) : null;
    json(rc, 200, new JsonObject().put("next", next).put("previous", null).put("results", results));
  }

  private void withPrediction(RoutingContext rc, java.util.function.Consumer<JsonObject> then) {
    JsonObject p;
    synchronized (this) {
      p = predictions.get(rc.pathParam("id"));
    }
    if (p == null) {
      problem(rc, 404, "The requested resource could not be found.");
    } else {
      then.accept(p.copy());
    }
  }

  private Run run(String id) {
    return new Run() {
      @Override
      public void processing() {
        vertx.runOnContext(v -> applyTransition(id, "processing", null, null));
      }

      @Override
      public void log(String text) {
        FakeReplicate.this.log(id, text);
      }

      @Override
      public void succeeded(Object output, double predictTime) {
        running.remove(id);
        vertx.runOnContext(v -> finish(id, "succeeded", output, null, predictTime));
      }

      @Override
      public void failed(String error, double predictTime) {
        running.remove(id);
        vertx.runOnContext(v -> finish(id, "failed", null, error, predictTime));
      }
    };
  }

  /** The end of a prediction that ran on the runner: its own output, not a scripted one. */
  private void finish(String id, String status, Object output, String error, double predictTime) {
    JsonObject snapshot;
    synchronized (this) {
      JsonObject p = predictions.get(id);
      if (p == null || terminal(p.getString("status"))) {
        return;
      }
      if (p.getString("started_at") == null) {
        p.put("started_at", Instant.now().toString());
      }
      p.put("status", status).put("completed_at", Instant.now().toString()).put("error", error).put("output", output)
          .put("metrics", new JsonObject().put("predict_time", predictTime).put("total_time", predictTime));
      snapshot = p.copy();
    }
    webhook(snapshot, "completed");
  }

  private void transition(String id, String status, String error, Double predictTime) {
    Map<String, byte[]> outputs;
    boolean after;
    JsonObject input;
    synchronized (this) {
      outputs = trainerOutputs;
      after = publishAfterCompletion;
      JsonObject p = predictions.get(id);
      input = p == null ? null : p.getJsonObject("input");
    }
    if (!"succeeded".equals(status) || outputs.isEmpty() || input == null) {
      applyTransition(id, status, error, predictTime);
      return;
    }
    if (after) {
      applyTransition(id, status, error, predictTime);
    }
    vertx.executeBlocking(() -> TrainerPublisher.publishFromModelInput(input, outputs)).onComplete(ar -> {
      if (ar.failed()) {
        System.err.println("fake trainer: publishing failed: " + ar.cause());
        applyTransition(id, "failed", "publishing failed: " + ar.cause().getMessage(), predictTime);
      } else if (!after) {
        applyTransition(id, status, error, predictTime);
      }
    });
  }

  private void applyTransition(String id, String status, String error, Double predictTime) {
    JsonObject snapshot;
    synchronized (this) {
      JsonObject p = predictions.get(id);
      if (p == null || terminal(p.getString("status"))) {
        return;
      }
      p.put("status", status);
      if ("processing".equals(status)) {
        p.put("started_at", Instant.now().toString());
        if (runner == null) {
          p.put("logs", p.getString("logs") + "Starting training\n");
        }
      } else {
        if (p.getString("started_at") == null && !"canceled".equals(status)) {
          p.put("started_at", Instant.now().toString());
        }
        p.put("completed_at", Instant.now().toString()).put("error", error)
            .put("metrics", new JsonObject().put("predict_time", predictTime).put("total_time", predictTime));
        if ("succeeded".equals(status)) {
          p.put("output", new JsonObject().put("version", "b".repeat(64))
              .put("weights", baseUrl() + "/weights/" + id + ".safetensors"));
          p.put("logs", p.getString("logs") + "Training complete\n");
        }
      }
      snapshot = p.copy();
    }
    webhook(snapshot, "processing".equals(status) ? "start" : "completed");
  }

  private void webhook(JsonObject p, String event) {
    String url = p.getString("webhook");
    JsonArray filter = p.getJsonArray("webhook_events_filter", new JsonArray());
    synchronized (this) {
      if (url == null || !webhooksOn || !filter.isEmpty() && !filter.contains(event)) {
        return;
      }
      if (reorderWebhooks && "start".equals(event)) {
        heldWebhooks.add(p);
        return;
      }
    }
    deliver(url, p);
    if (duplicateWebhooks) {
      deliver(url, p);
    }
    List<JsonObject> held;
    synchronized (this) {
      held = "completed".equals(event) ? new ArrayList<>(heldWebhooks) : List.of();
      heldWebhooks.removeIf(held::contains);
    }
    held.stream().filter(h -> h.getString("id").equals(p.getString("id"))).forEach(h -> deliver(url, h));
  }

  private void deliver(String url, JsonObject p) {
    String body = p.encode();
    String id = "msg_" + randomId();
    long ts = System.currentTimeMillis() / 1000;
    String signature = sign(badSignatures ? "whsec_" + Base64.getEncoder().encodeToString(new byte[32]) : secret, id,
        ts, body);
    webhooks.postAbs(url).putHeader("Content-Type", "application/json").putHeader("webhook-id", id)
        .putHeader("webhook-timestamp", String.valueOf(ts)).putHeader("webhook-signature", signature)
        .sendBuffer(Buffer.buffer(body));
  }

  public static String sign(String secret, String id, long ts, String body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(Base64.getDecoder().decode(secret.substring(6)), "HmacSHA256"));
      return "v1," + Base64.getEncoder().encodeToString(mac.doFinal((id + "." + ts + "." + body)
          .getBytes(StandardCharsets.UTF_8)));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static boolean terminal(String status) {
    return List.of("succeeded", "failed", "canceled", "aborted").contains(status);
  }

  private String randomId() {
    String alphabet = "abcdefghijklmnopqrstuvwxyz234567";
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < 26; i++) {
      s.append(alphabet.charAt(random.nextInt(alphabet.length())));
    }
    return s.toString();
  }

  private static void problem(RoutingContext rc, int status, String detail) {
    rc.response().setStatusCode(status).putHeader("Content-Type", "application/problem+json")
        .end(new JsonObject().put("detail", detail).put("status", status).encode());
  }

  private static void json(RoutingContext rc, int status, JsonObject body) {
    rc.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(body.encode());
  }
}
