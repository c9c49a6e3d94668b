package dev.simpletuner.cloud.delivery.huggingface;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Deque;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * An in-process Hugging Face Hub for tests, built from the wire format in
 * {@code research/external-apis.md} section 2 (model repos only): whoami-v2, repos/create (409 with
 * {@code url}), validate-yaml, preupload, the git-lfs batch API with basic and HF multipart
 * transfers on presigned-style URLs served by the fake itself (HMAC-signed, refusing an
 * Authorization header the way S3 does), part PUTs with ETags, completion, verify, the NDJSON
 * commit and revision info. Faults can be injected per route.
 *
 * <p>Route names for counts and faults: {@link #WHOAMI}, {@link #CREATE}, {@link #DELETE},
 * {@link #VALIDATE_YAML}, {@link #PREUPLOAD}, {@link #BATCH}, {@link #UPLOAD}, {@link #PART},
 * {@link #COMPLETE}, {@link #VERIFY}, {@link #COMMIT}, {@link #REVISION}, {@link #INFO}.
 *
 * <p>Stored bytes live in memory: meant for files of a few MB.
 */
public final class FakeHub {
  public static final String WHOAMI = "whoami";
  public static final String CREATE = "create";
  public static final String DELETE = "delete";
  public static final String VALIDATE_YAML = "validate-yaml";
  public static final String PREUPLOAD = "preupload";
  public static final String BATCH = "batch";
  public static final String UPLOAD = "upload";
  public static final String PART = "part";
  public static final String COMPLETE = "complete";
  public static final String VERIFY = "verify";
  public static final String COMMIT = "commit";
  public static final String REVISION = "revision";
  public static final String INFO = "info";

  private static final long MIB = 1024 * 1024;
  private static final long MAX_REGULAR_IN_COMMIT = 10 * MIB;
  private static final String BAD_CREDENTIALS = "Invalid credentials in Authorization header";
  private static final String NAME = "[A-Za-z0-9][A-Za-z0-9._-]*";
  private static final Pattern OID = Pattern.compile("[0-9a-f]{64}");

  /** A file at the head of a repository, as tests inspect it. */
  public record StoredFile(String path, long size, String sha256, boolean lfs) {
  }

  private record Route(String name, HttpMethod method, Pattern pattern) {
  }

  private static final List<Route> ROUTES = List.of(
      new Route(WHOAMI, HttpMethod.GET, Pattern.compile("/api/whoami-v2")),
      new Route(CREATE, HttpMethod.POST, Pattern.compile("/api/repos/create")),
      new Route(DELETE, HttpMethod.DELETE, Pattern.compile("/api/repos/delete")),
      new Route(VALIDATE_YAML, HttpMethod.POST, Pattern.compile("/api/validate-yaml")),
      new Route(PREUPLOAD, HttpMethod.POST, Pattern.compile("/api/models/(" + NAME + ")/(" + NAME + ")/preupload/([^/]+)")),
      new Route(COMMIT, HttpMethod.POST, Pattern.compile("/api/models/(" + NAME + ")/(" + NAME + ")/commit/([^/]+)")),
      new Route(REVISION, HttpMethod.GET, Pattern.compile("/api/models/(" + NAME + ")/(" + NAME + ")/revision/([^/]+)")),
      new Route(INFO, HttpMethod.GET, Pattern.compile("/api/models/(" + NAME + ")/(" + NAME + ")")),
      new Route(BATCH, HttpMethod.POST, Pattern.compile("/(" + NAME + ")/(" + NAME + ")\\.git/info/lfs/objects/batch")),
      new Route(VERIFY, HttpMethod.POST, Pattern.compile("/(" + NAME + ")/(" + NAME + ")\\.git/info/lfs/objects/verify")),
      new Route(UPLOAD, HttpMethod.PUT, Pattern.compile("/lfs-upload/(" + NAME + ")/(" + NAME + ")/([0-9a-f]{64})")),
      new Route(PART, HttpMethod.PUT, Pattern.compile("/lfs-part/(" + NAME + ")/(" + NAME + ")/([0-9a-f]{64})/(\\d+)")),
      new Route(COMPLETE, HttpMethod.POST, Pattern.compile("/lfs-complete/(" + NAME + ")/(" + NAME + ")/([0-9a-f]{64})")));

  private record User(String token, String name, String role, List<String> orgs) {
    boolean mayWriteTo(String namespace) {
      return !"read".equals(role) && (name.equals(namespace) || orgs.contains(namespace));
    }
  }

  private enum FaultKind { STATUS, HANG, DROP }

  private record Fault(FaultKind kind, int status, Map<String, String> headers, String message) {
  }

  /** An upload the batch API offered and the fake now expects bytes for. */
  private static final class Pending {
    final long size;
    final long chunkSize;
    final Map<Integer, byte[]> parts = new HashMap<>();
    final Map<Integer, String> etags = new HashMap<>();

    Pending(long size, long chunkSize) {
      this.size = size;
      this.chunkSize = chunkSize;
    }

    int partCount() {
      return (int) ((size + chunkSize - 1) / chunkSize);
    }
  }

  private final Vertx vertx;
  private final boolean ownsVertx;
  private final byte[] signingKey = HexFormat.of().parseHex(FakeHubRepo.hex(32));
  private final Map<String, User> tokens = new HashMap<>();
  private final Map<String, FakeHubRepo> repos = new TreeMap<>();
  private final Map<String, Pending> pending = new HashMap<>();
  private final Map<String, Integer> counts = new TreeMap<>();
  private final Map<String, Integer> authorizedCounts = new TreeMap<>();
  private final Map<String, String> lastBodies = new HashMap<>();
  private final Map<String, Deque<Fault>> faults = new HashMap<>();
  private long multipartThreshold = 8 * MIB;
  private long chunkSize = 5 * MIB;
  private long regularLimit = MIB;
  private HttpServer server;

  /** A fake on its own Vert.x instance, closed by {@link #stop()}. */
  public FakeHub() {
    this(Vertx.vertx(), true);
  }

  /** A fake on the caller's Vert.x instance. */
  public FakeHub(Vertx vertx) {
    this(vertx, false);
  }

  private FakeHub(Vertx vertx, boolean ownsVertx) {
    this.vertx = vertx;
    this.ownsVertx = ownsVertx;
  }

  // ---------------------------------------------------------------- lifecycle and configuration

  /** Listens on 127.0.0.1 on a free port. */
  public Future<FakeHub> start() {
    return vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0))
        .requestHandler(this::handle).listen().map(s -> {
          server = s;
          return this;
        });
  }

  public Future<Void> stop() {
    // Closing an owned Vert.x closes the server too; a continuation on its closed context would never run.
    if (ownsVertx) {
      return vertx.close();
    }
    return server == null ? Future.succeededFuture() : server.close();
  }

  public int port() {
    return server.actualPort();
  }

  /** The value for {@code HF_ENDPOINT}, e.g. {@code http://127.0.0.1:41234}. */
  public String endpoint() {
    return "http://127.0.0.1:" + port();
  }

  /** Registers a token; role is {@code write}, {@code read}, {@code admin} or {@code contributor}. */
  public synchronized FakeHub addToken(String token, String user, String role, String... orgs) {
    tokens.put(token, new User(token, user, role, List.of(orgs)));
    return this;
  }

  /** LFS objects of at least this many bytes are offered as multipart uploads (default 8 MiB). */
  public synchronized FakeHub multipartThreshold(long bytes) {
    multipartThreshold = bytes;
    return this;
  }

  /** The {@code chunk_size} of multipart uploads (default 5 MiB). */
  public synchronized FakeHub chunkSize(long bytes) {
    chunkSize = bytes;
    return this;
  }

  /** Text files up to this size are {@code regular} at preupload (default 1 MiB). */
  public synchronized FakeHub regularLimit(long bytes) {
    regularLimit = bytes;
    return this;
  }

  /** A repository as if created earlier (it has the Hub's initial commit with .gitattributes). */
  public synchronized FakeHub createRepo(String repoId, boolean isPrivate) {
    repos.putIfAbsent(repoId, new FakeHubRepo(repoId, isPrivate));
    return this;
  }

  // ---------------------------------------------------------------- inspection

  public synchronized boolean repoExists(String repoId) {
    return repos.containsKey(repoId);
  }

  public synchronized boolean isPrivate(String repoId) {
    return repo(repoId).isPrivate;
  }

  /** Files at the head of {@code main}, by path. */
  public synchronized Map<String, StoredFile> files(String repoId) {
    Map<String, StoredFile> files = new TreeMap<>();
    repo(repoId).files.values().forEach(e -> files.put(e.path(), new StoredFile(e.path(), e.size(), e.sha256(),
        e.lfs())));
    return files;
  }

  /** A file's bytes at the head; null when it is not there. */
  public synchronized byte[] content(String repoId, String path) {
    FakeHubRepo repo = repo(repoId);
    FakeHubRepo.Entry entry = repo.files.get(path);
    if (entry == null) {
      return null;
    }
    return entry.lfs() ? repo.lfsObjects.get(entry.sha256()).clone() : entry.content().clone();
  }

  public String text(String repoId, String path) {
    byte[] content = content(repoId, path);
    return content == null ? null : new String(content, StandardCharsets.UTF_8);
  }

  /** Commits on {@code main}, including the Hub's initial one. */
  public synchronized int commitCount(String repoId) {
    return repo(repoId).commits.size();
  }

  public synchronized List<String> commitSummaries(String repoId) {
    return repo(repoId).commits.stream().map(FakeHubRepo.Commit::summary).toList();
  }

  public synchronized String head(String repoId) {
    return repo(repoId).head();
  }

  /** LFS objects stored for the repository, committed or not. */
  public synchronized int lfsObjectCount(String repoId) {
    return repo(repoId).lfsObjects.size();
  }

  /** Requests a route received (faulted ones included). */
  public synchronized int requests(String route) {
    return counts.getOrDefault(route, 0);
  }

  /** Requests to a route that carried an Authorization header. */
  public synchronized int authorizedRequests(String route) {
    return authorizedCounts.getOrDefault(route, 0);
  }

  public synchronized Map<String, Integer> requestCounts() {
    return new TreeMap<>(counts);
  }

  /** The body of the route's latest request as text (not kept for byte uploads). */
  public synchronized String lastRequestBody(String route) {
    return lastBodies.get(route);
  }

  public synchronized void resetCounts() {
    counts.clear();
    authorizedCounts.clear();
    lastBodies.clear();
  }

  private FakeHubRepo repo(String repoId) {
    FakeHubRepo repo = repos.get(repoId);
    if (repo == null) {
      throw new IllegalArgumentException("no repository " + repoId + " in the fake Hub");
    }
    return repo;
  }

  // ---------------------------------------------------------------- faults

  /** The next {@code times} requests to {@code route} answer {@code status} with a Hub error body. */
  public FakeHub failNext(String route, int status, int times) {
    return failNext(route, status, times, Map.of(), "Injected failure " + status);
  }

  /** As {@link #failNext(String, int, int)} with extra headers and the error message. */
  public synchronized FakeHub failNext(String route, int status, int times, Map<String, String> headers,
                                       String message) {
    for (int i = 0; i < times; i++) {
      faults.computeIfAbsent(route, r -> new ArrayDeque<>()).add(new Fault(FaultKind.STATUS, status, headers,
          message));
    }
    return this;
  }

  /** 429 with {@code Retry-After: seconds}, as the Hub's rate limiter answers. */
  public FakeHub rateLimitNext(String route, int times, int retryAfterSeconds) {
    return failNext(route, 429, times, Map.of("Retry-After", String.valueOf(retryAfterSeconds)),
        "You have exceeded our hourly quotas for action: api. We invite you to retry later.");
  }

  /** The next {@code times} requests are read and never answered (the client's timeout fires). */
  public synchronized FakeHub hangNext(String route, int times) {
    for (int i = 0; i < times; i++) {
      faults.computeIfAbsent(route, r -> new ArrayDeque<>()).add(new Fault(FaultKind.HANG, 0, Map.of(), null));
    }
    return this;
  }

  /** The next {@code times} requests are read and then the connection is closed without an answer. */
  public synchronized FakeHub dropNext(String route, int times) {
    for (int i = 0; i < times; i++) {
      faults.computeIfAbsent(route, r -> new ArrayDeque<>()).add(new Fault(FaultKind.DROP, 0, Map.of(), null));
    }
    return this;
  }

  public synchronized void clearFaults() {
    faults.clear();
  }

  // ---------------------------------------------------------------- dispatch

  private void handle(HttpServerRequest req) {
    req.body().onSuccess(body -> {
      synchronized (this) {
        dispatch(req, body);
      }
    });
  }

  private void dispatch(HttpServerRequest req, Buffer body) {
    HttpServerResponse res = req.response();
    res.putHeader("X-Request-Id", FakeHubRepo.hex(8));
    for (Route route : ROUTES) {
      Matcher m = route.pattern().matcher(req.path());
      if (route.method() != req.method() || !m.matches()) {
        continue;
      }
      counts.merge(route.name(), 1, Integer::sum);
      if (req.getHeader("Authorization") != null) {
        authorizedCounts.merge(route.name(), 1, Integer::sum);
      }
      if (!route.name().equals(UPLOAD) && !route.name().equals(PART) && body.length() < MIB) {
        lastBodies.put(route.name(), body.toString());
      }
      Deque<Fault> queue = faults.get(route.name());
      Fault fault = queue == null ? null : queue.poll();
      if (fault != null) {
        switch (fault.kind()) {
          case HANG -> { }
          case DROP -> req.connection().close();
          case STATUS -> {
            fault.headers().forEach(res::putHeader);
            error(res, fault.status(), null, fault.message());
          }
        }
        return;
      }
      try {
        serve(route.name(), m, req, body);
      } catch (BadRequest e) {
        error(res, 400, null, e.getMessage());
      } catch (RuntimeException e) {
        error(res, 500, null, "fake Hub error: " + e);
      }
      return;
    }
    error(res, 404, null, "Not Found");
  }

  private void serve(String route, Matcher m, HttpServerRequest req, Buffer body) {
    switch (route) {
      case WHOAMI -> whoami(req);
      case CREATE -> create(req, json(body));
      case DELETE -> delete(req, json(body));
      case VALIDATE_YAML -> validateYaml(req, json(body));
      case PREUPLOAD -> preupload(req, m, json(body));
      case COMMIT -> commit(req, m, body);
      case REVISION -> revision(req, m.group(1) + "/" + m.group(2), decode(m.group(3)));
      case INFO -> revision(req, m.group(1) + "/" + m.group(2), "main");
      case BATCH -> batch(req, m, json(body));
      case VERIFY -> verify(req, m, json(body));
      case UPLOAD -> upload(req, m, body);
      case PART -> part(req, m, body);
      case COMPLETE -> complete(req, m, json(body));
      default -> error(req.response(), 404, null, "Not Found");
    }
  }

  /** A malformed request: answered 400 with the message. */
  private static final class BadRequest extends RuntimeException {
    BadRequest(String message) {
      super(message, null, false, false);
    }
  }

  private static JsonObject json(Buffer body) {
    try {
      return body.toJsonObject();
    } catch (RuntimeException e) {
      throw new BadRequest("Body is not a JSON object");
    }
  }

  private static String decode(String segment) {
    return URLDecoder.decode(segment, StandardCharsets.UTF_8);
  }

  // ---------------------------------------------------------------- auth

  /** The caller, or null after answering 401. */
  private User authenticate(HttpServerRequest req) {
    String header = req.getHeader("Authorization");
    User user = null;
    if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      user = tokens.get(header.substring(7).strip());
    }
    if (user == null) {
      error(req.response(), 401, null, BAD_CREDENTIALS);
    }
    return user;
  }

  /** The repo if the caller may see it (and write to it when asked), else null after answering. */
  private FakeHubRepo access(HttpServerRequest req, String repoId, User user, boolean write) {
    FakeHubRepo repo = repos.get(repoId);
    String namespace = repoId.substring(0, repoId.indexOf('/'));
    boolean member = user != null && (user.name().equals(namespace) || user.orgs().contains(namespace));
    if (repo == null || repo.isPrivate && !member) {
      error(req.response(), 404, "RepoNotFound", "Repository not found");
      return null;
    }
    if (write && !user.mayWriteTo(namespace)) {
      error(req.response(), 403, null, "You don't have the rights to write to " + repoId);
      return null;
    }
    return repo;
  }

  // ---------------------------------------------------------------- API routes

  private void whoami(HttpServerRequest req) {
    User user = authenticate(req);
    if (user == null) {
      return;
    }
    JsonArray orgs = new JsonArray();
    user.orgs().forEach(o -> orgs.add(new JsonObject().put("type", "org").put("id", FakeHubRepo.hex(12))
        .put("name", o).put("fullname", o).put("email", null).put("canPay", false).put("avatarUrl", "")
        .put("periodEnd", null)));
    ok(req.response(), new JsonObject().put("type", "user").put("id", FakeHubRepo.hex(12)).put("name", user.name())
        .put("fullname", user.name()).put("email", user.name() + "@example.com").put("emailVerified", true)
        .put("canPay", false).put("isPro", false).put("avatarUrl", "").put("periodEnd", null).put("orgs", orgs)
        .put("auth", new JsonObject().put("type", "access_token").put("accessToken", new JsonObject()
            .put("displayName", "test-token").put("role", user.role()))));
  }

  private void create(HttpServerRequest req, JsonObject body) {
    User user = authenticate(req);
    if (user == null) {
      return;
    }
    String name = body.getString("name");
    String type = body.getString("type", "model");
    if (!"model".equals(type)) {
      throw new BadRequest("This fake Hub only has model repos");
    }
    if (name == null || !name.matches(NAME) || name.contains("..") || name.contains("--") || name.length() > 96) {
      throw new BadRequest("Invalid repo name: " + name);
    }
    String namespace = body.getString("organization") == null ? user.name() : body.getString("organization");
    if (!user.mayWriteTo(namespace)) {
      error(req.response(), 403, null, "You don't have the rights to create a model under the namespace \""
          + namespace + "\"");
      return;
    }
    String id = namespace + "/" + name;
    String url = endpoint() + "/" + id;
    if (repos.containsKey(id)) {
      req.response().setStatusCode(409).putHeader("Content-Type", "application/json")
          .end(new JsonObject().put("error", "You already created this model repo").put("url", url).encode());
      return;
    }
    // Both the current "visibility" and the older "private" flag; public when neither is sent.
    boolean isPrivate = body.containsKey("visibility") ? "private".equals(body.getString("visibility"))
        : body.getBoolean("private", false);
    FakeHubRepo repo = new FakeHubRepo(id, isPrivate);
    repos.put(id, repo);
    ok(req.response(), new JsonObject().put("url", url).put("name", id).put("id", repo.mongoId));
  }

  private void delete(HttpServerRequest req, JsonObject body) {
    User user = authenticate(req);
    if (user == null) {
      return;
    }
    String namespace = body.getString("organization") == null ? user.name() : body.getString("organization");
    String id = namespace + "/" + body.getString("name");
    if (access(req, id, user, true) != null) {
      repos.remove(id);
      ok(req.response(), new JsonObject());
    }
  }

  private void validateYaml(HttpServerRequest req, JsonObject body) {
    String problem = FakeHubRepo.metadataProblem(body.getString("content", ""));
    if (problem == null) {
      ok(req.response(), new JsonObject());
    } else {
      req.response().setStatusCode(400).putHeader("Content-Type", "application/json").end(new JsonObject()
          .put("errors", new JsonArray().add(new JsonObject().put("message", problem))).encode());
    }
  }

  private void preupload(HttpServerRequest req, Matcher m, JsonObject body) {
    User user = authenticate(req);
    FakeHubRepo repo = user == null ? null : access(req, m.group(1) + "/" + m.group(2), user, true);
    if (repo == null || !onMain(req, decode(m.group(3)))) {
      return;
    }
    JsonArray files = body.getJsonArray("files");
    if (files == null) {
      throw new BadRequest("files is required");
    }
    JsonArray answer = new JsonArray();
    for (Object o : files) {
      if (!(o instanceof JsonObject f) || f.getString("path") == null || !(f.getValue("size") instanceof Number)
          || !(f.getValue("sample") instanceof String)) {
        throw new BadRequest("Each file needs path, sample (base64) and size");
      }
      byte[] sample;
      try {
        sample = Base64.getDecoder().decode(f.getString("sample"));
      } catch (IllegalArgumentException e) {
        throw new BadRequest("sample is not base64 for " + f.getString("path"));
      }
      if (sample.length > 512) {
        throw new BadRequest("sample is longer than 512 bytes for " + f.getString("path"));
      }
      String path = f.getString("path");
      JsonObject entry = new JsonObject().put("path", path)
          .put("uploadMode", repo.uploadMode(path, f.getLong("size"), sample, regularLimit))
          .put("shouldIgnore", path.equals(".git") || path.startsWith(".git/"));
      FakeHubRepo.Entry existing = repo.files.get(path);
      if (existing != null) {
        entry.put("oid", existing.gitOid());
      }
      answer.add(entry);
    }
    ok(req.response(), new JsonObject().put("files", answer).put("commitOid", repo.head()));
  }

  private void commit(HttpServerRequest req, Matcher m, Buffer body) {
    User user = authenticate(req);
    String repoId = m.group(1) + "/" + m.group(2);
    FakeHubRepo repo = user == null ? null : access(req, repoId, user, true);
    if (repo == null || !onMain(req, decode(m.group(3)))) {
      return;
    }
    if (req.getParam("create_pr") != null) {
      throw new BadRequest("This fake Hub does not do pull requests");
    }
    String type = req.getHeader("Content-Type");
    if (type == null || !type.startsWith("application/x-ndjson")) {
      throw new BadRequest("Expected Content-Type application/x-ndjson");
    }
    List<JsonObject> lines = new ArrayList<>();
    for (String line : body.toString(StandardCharsets.UTF_8).split("\n")) {
      if (!line.isBlank()) {
        try {
          lines.add(new JsonObject(line));
        } catch (RuntimeException e) {
          throw new BadRequest("A line is not JSON");
        }
      }
    }
    if (lines.isEmpty() || !"header".equals(lines.get(0).getString("key"))) {
      throw new BadRequest("The first line must be the header");
    }
    JsonObject header = lines.get(0).getJsonObject("value", new JsonObject());
    if (header.getString("summary") == null || header.getString("summary").isBlank()) {
      throw new BadRequest("summary is required");
    }
    String parent = header.getString("parentCommit");
    if (parent != null && !parent.equals(repo.head())) {
      error(req.response(), 412, null, "A commit has happened since. Please refresh and try again.");
      return;
    }
    Map<String, FakeHubRepo.Entry> files = new LinkedHashMap<>(repo.files);
    for (JsonObject line : lines.subList(1, lines.size())) {
      String problem = apply(repo, files, line);
      if (problem != null) {
        error(req.response(), problem.startsWith("LFS") ? 422 : 400, null, problem);
        return;
      }
    }
    FakeHubRepo.Entry readme = files.get("README.md");
    if (readme != null && !readme.lfs()) {
      String problem = FakeHubRepo.metadataProblem(new String(readme.content(), StandardCharsets.UTF_8));
      if (problem != null) {
        error(req.response(), 400, null, "Invalid metadata in README.md: " + problem);
        return;
      }
    }
    String oid = repo.commit(header.getString("summary"), files);
    ok(req.response(), new JsonObject().put("success", true).put("commitOid", oid)
        .put("commitUrl", endpoint() + "/" + repoId + "/commit/" + oid).put("hookOutput", ""));
  }

  /** Applies one NDJSON operation to {@code files}; returns why it is refused, or null. */
  private static String apply(FakeHubRepo repo, Map<String, FakeHubRepo.Entry> files, JsonObject line) {
    JsonObject value = line.getJsonObject("value");
    String path = value == null ? null : value.getString("path");
    if (path == null || path.isEmpty() || path.startsWith("/") || path.contains("\\")
        || List.of(path.split("/")).contains("..")) {
      return "Invalid path in commit: " + path;
    }
    switch (String.valueOf(line.getString("key"))) {
      case "file" -> {
        byte[] content;
        String encoding = value.getString("encoding", "utf-8");
        try {
          content = "base64".equals(encoding) ? Base64.getDecoder().decode(value.getString("content", ""))
              : value.getString("content", "").getBytes(StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
          return "Invalid base64 content for " + path;
        }
        if (content.length > MAX_REGULAR_IN_COMMIT) {
          return "Your push was rejected because it contains files larger than 10 MiB. Please use "
              + "https://git-lfs.github.com/ to store large files.";
        }
        FakeHubRepo.putRegular(files, path, content);
      }
      case "lfsFile" -> {
        String oid = value.getString("oid");
        byte[] stored = oid == null ? null : repo.lfsObjects.get(oid);
        if (!"sha256".equals(value.getString("algo", "sha256")) || stored == null) {
          return "LFS object " + oid + " for " + path + " was never uploaded";
        }
        if (value.getValue("size") != null && value.getLong("size") != stored.length) {
          return "LFS object " + oid + " for " + path + " has size " + stored.length;
        }
        files.put(path, new FakeHubRepo.Entry(path, null, oid, stored.length, true));
        FakeHubRepo.track(files, path);
      }
      case "deletedFile" -> {
        if (files.remove(path) == null) {
          return "File not found: " + path;
        }
      }
      case "deletedFolder" -> {
        String prefix = path.endsWith("/") ? path : path + "/";
        files.keySet().removeIf(p -> p.startsWith(prefix));
      }
      default -> {
        return "Unknown operation " + line.getString("key");
      }
    }
    return null;
  }

  private void revision(HttpServerRequest req, String repoId, String revision) {
    User user = null;
    if (req.getHeader("Authorization") != null && (user = authenticate(req)) == null) {
      return;
    }
    FakeHubRepo repo = access(req, repoId, user, false);
    if (repo == null || !onMain(req, revision)) {
      return;
    }
    JsonArray siblings = new JsonArray();
    repo.files.keySet().forEach(p -> siblings.add(new JsonObject().put("rfilename", p)));
    ok(req.response(), new JsonObject().put("_id", repo.mongoId).put("id", repoId).put("modelId", repoId)
        .put("sha", repo.head()).put("private", repo.isPrivate).put("siblings", siblings)
        .put("lastModified", Instant.now().toString()));
  }

  private boolean onMain(HttpServerRequest req, String revision) {
    if (!"main".equals(revision)) {
      error(req.response(), 404, "RevisionNotFound", "Invalid rev id: " + revision);
      return false;
    }
    return true;
  }

  // ---------------------------------------------------------------- LFS

  private void batch(HttpServerRequest req, Matcher m, JsonObject body) {
    User user = authenticate(req);
    String repoId = m.group(1) + "/" + m.group(2);
    FakeHubRepo repo = user == null ? null : access(req, repoId, user, true);
    if (repo == null) {
      return;
    }
    String accept = req.getHeader("Accept");
    if (accept == null || !accept.contains("application/vnd.git-lfs+json")) {
      error(req.response(), 406, null, "Accept must be application/vnd.git-lfs+json");
      return;
    }
    if (!"upload".equals(body.getString("operation"))) {
      throw new BadRequest("This fake Hub only does uploads");
    }
    String algo = body.getString("hash_algo", "sha256");
    if (!algo.equals("sha256") && !algo.equals("sha_256")) {
      error(req.response(), 409, null, "Unsupported hash algorithm " + algo);
      return;
    }
    JsonArray transfers = body.getJsonArray("transfers", new JsonArray().add("basic"));
    boolean multipartOffered = transfers.contains("multipart");
    JsonArray objects = new JsonArray();
    boolean anyMultipart = false;
    for (Object o : body.getJsonArray("objects", new JsonArray())) {
      JsonObject object = o instanceof JsonObject j ? j : new JsonObject();
      String oid = object.getString("oid");
      Object size = object.getValue("size");
      if (oid == null || !OID.matcher(oid).matches() || !(size instanceof Number) || ((Number) size).longValue() < 0) {
        objects.add(new JsonObject().put("oid", String.valueOf(oid)).put("size", size instanceof Number n
            ? n.longValue() : 0).put("error", new JsonObject().put("code", 422).put("message", "Invalid object")));
        continue;
      }
      long length = ((Number) size).longValue();
      byte[] stored = repo.lfsObjects.get(oid);
      if (stored != null && stored.length == length) {
        objects.add(new JsonObject().put("oid", oid).put("size", length));
        continue;
      }
      boolean multipart = multipartOffered && length >= multipartThreshold && length > 0;
      anyMultipart |= multipart;
      objects.add(offer(repoId, oid, length, multipart));
    }
    req.response().putHeader("Content-Type", "application/vnd.git-lfs+json").end(new JsonObject()
        .put("transfer", anyMultipart ? "multipart" : "basic").put("objects", objects).encode());
  }

  /** The upload actions for one object: presigned-style URLs on this fake. */
  private JsonObject offer(String repoId, String oid, long size, boolean multipart) {
    Pending p = new Pending(size, multipart ? chunkSize : 0);
    pending.put(repoId + "@" + oid, p);
    JsonObject upload = new JsonObject().put("expires_in", 86400);
    if (multipart) {
      JsonObject header = new JsonObject().put("chunk_size", String.valueOf(chunkSize));
      for (int n = 1; n <= p.partCount(); n++) {
        header.put(String.format("%05d", n), signed("/lfs-part/" + repoId + "/" + oid + "/" + n));
      }
      upload.put("href", signed("/lfs-complete/" + repoId + "/" + oid)).put("header", header);
    } else {
      upload.put("href", signed("/lfs-upload/" + repoId + "/" + oid)).put("header", new JsonObject());
    }
    return new JsonObject().put("oid", oid).put("size", size).put("authenticated", true).put("actions",
        new JsonObject().put("upload", upload).put("verify", new JsonObject()
            .put("href", endpoint() + "/" + repoId + ".git/info/lfs/objects/verify").put("header", new JsonObject())));
  }

  private String signed(String path) {
    return endpoint() + path + "?X-Amz-Signature=" + signature(path);
  }

  private String signature(String path) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(signingKey, "HmacSHA256"));
      return HexFormat.of().formatHex(mac.doFinal(path.getBytes(StandardCharsets.UTF_8)));
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The pending upload a presigned request is for, or null after answering like S3 would. */
  private Pending presigned(HttpServerRequest req, String repoId, String oid, boolean storage) {
    String sig = req.getParam("X-Amz-Signature");
    if (sig == null || !MessageDigest.isEqual(sig.getBytes(StandardCharsets.UTF_8),
        signature(req.path()).getBytes(StandardCharsets.UTF_8))) {
      s3Error(req.response(), 403, "SignatureDoesNotMatch", "The request signature we calculated does not match");
      return null;
    }
    if (storage && req.getHeader("Authorization") != null) {
      s3Error(req.response(), 400, "InvalidArgument", "Only one auth mechanism allowed; only the X-Amz-Algorithm "
          + "query parameter, Signature query string parameter or the Authorization header should be specified");
      return null;
    }
    Pending p = pending.get(repoId + "@" + oid);
    if (p == null) {
      s3Error(req.response(), 404, "NoSuchUpload", "The specified upload does not exist");
    }
    return p;
  }

  private void upload(HttpServerRequest req, Matcher m, Buffer body) {
    String repoId = m.group(1) + "/" + m.group(2);
    String oid = m.group(3);
    Pending p = presigned(req, repoId, oid, true);
    if (p == null) {
      return;
    }
    if (p.chunkSize > 0) {
      s3Error(req.response(), 400, "InvalidRequest", "This object is uploaded in parts");
      return;
    }
    byte[] bytes = body.getBytes();
    if (bytes.length != p.size || !FakeHubRepo.sha256(bytes).equals(oid)) {
      s3Error(req.response(), 400, "BadDigest", "The content does not match oid and size");
      return;
    }
    store(repoId, oid, bytes);
    req.response().putHeader("ETag", "\"" + FakeHubRepo.md5(bytes) + "\"").end();
  }

  private void part(HttpServerRequest req, Matcher m, Buffer body) {
    String repoId = m.group(1) + "/" + m.group(2);
    Pending p = presigned(req, repoId, m.group(3), true);
    if (p == null) {
      return;
    }
    int n = Integer.parseInt(m.group(4));
    long expected = n < p.partCount() ? p.chunkSize : p.size - (long) (p.partCount() - 1) * p.chunkSize;
    if (p.chunkSize == 0 || n < 1 || n > p.partCount() || body.length() != expected) {
      s3Error(req.response(), 400, "InvalidPart", "Part " + n + " must have " + expected + " bytes");
      return;
    }
    byte[] bytes = body.getBytes();
    String etag = "\"" + FakeHubRepo.md5(bytes) + "\"";
    p.parts.put(n, bytes);
    p.etags.put(n, etag);
    req.response().putHeader("ETag", etag).end();
  }

  private void complete(HttpServerRequest req, Matcher m, JsonObject body) {
    String repoId = m.group(1) + "/" + m.group(2);
    String oid = m.group(3);
    Pending p = presigned(req, repoId, oid, false);
    if (p == null) {
      return;
    }
    JsonArray parts = body.getJsonArray("parts", new JsonArray());
    if (!oid.equals(body.getString("oid")) || parts.size() != p.partCount()) {
      throw new BadRequest("Completion needs the oid and all " + p.partCount() + " parts");
    }
    Buffer whole = Buffer.buffer();
    for (int i = 0; i < parts.size(); i++) {
      JsonObject part = parts.getJsonObject(i);
      int n = part.getInteger("partNumber", -1);
      if (n != i + 1 || p.parts.get(n) == null || !p.etags.get(n).equals(part.getString("etag"))) {
        throw new BadRequest("Part " + (i + 1) + " is missing or its etag does not match");
      }
      whole.appendBytes(p.parts.get(n));
    }
    byte[] bytes = whole.getBytes();
    if (bytes.length != p.size || !FakeHubRepo.sha256(bytes).equals(oid)) {
      throw new BadRequest("The assembled object does not match oid and size");
    }
    store(repoId, oid, bytes);
    ok(req.response(), new JsonObject());
  }

  private void store(String repoId, String oid, byte[] bytes) {
    FakeHubRepo repo = repos.get(repoId);
    if (repo != null) {
      repo.lfsObjects.put(oid, bytes);
    }
    pending.remove(repoId + "@" + oid);
  }

  private void verify(HttpServerRequest req, Matcher m, JsonObject body) {
    User user = authenticate(req);
    FakeHubRepo repo = user == null ? null : access(req, m.group(1) + "/" + m.group(2), user, true);
    if (repo == null) {
      return;
    }
    byte[] stored = repo.lfsObjects.get(body.getString("oid", ""));
    if (stored == null || body.getValue("size") == null || stored.length != body.getLong("size")) {
      error(req.response(), 422, null, "Object " + body.getString("oid") + " is not stored with that size");
      return;
    }
    ok(req.response(), new JsonObject());
  }

  // ---------------------------------------------------------------- responses

  private static void ok(HttpServerResponse res, JsonObject body) {
    res.putHeader("Content-Type", "application/json").end(body.encode());
  }

  /** The Hub's error shape: JSON {@code error}, {@code X-Error-Message}, {@code X-Error-Code} when known. */
  private static void error(HttpServerResponse res, int status, String code, String message) {
    if (code != null) {
      res.putHeader("X-Error-Code", code);
    }
    res.setStatusCode(status).putHeader("X-Error-Message", message).putHeader("Content-Type", "application/json")
        .end(new JsonObject().put("error", message).encode());
  }

  private static void s3Error(HttpServerResponse res, int status, String code, String message) {
    res.setStatusCode(status).putHeader("Content-Type", "application/xml").end("<?xml version=\"1.0\" "
        + "encoding=\"UTF-8\"?>\n<Error><Code>" + code + "</Code><Message>" + message + "</Message></Error>");
  }
}
