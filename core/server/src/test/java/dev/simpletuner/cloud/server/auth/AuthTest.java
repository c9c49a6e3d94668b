package dev.simpletuner.cloud.server.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simpletuner.cloud.server.support.Api;
import dev.simpletuner.cloud.server.support.Backend;
import dev.simpletuner.cloud.server.support.Configs;
import dev.simpletuner.cloud.server.support.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Accounts, sessions, scoped API keys, ownership, the audit chain, approvals and quotas. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AuthTest {
  private TestServer server;
  private Api api;
  private String admin;
  private String researcher;
  private String viewer;

  @BeforeAll
  void setUp() {
    server = TestServer.start(Backend.SQLITE, TestServer.trainerCommand(0.02));
    api = server.api();
    assertThat(api.get("/api/auth/setup/status").json().getBoolean("needs_setup")).isTrue();
    String localJob = submit(api, null).json().getString("job_id");

    JsonObject first = new JsonObject().put("username", "owner").put("email", "owner@example.com")
        .put("password", "correct horse battery");
    Api.Response viaTunnel = api.post("/api/auth/setup/first-admin", first, "X-Forwarded-For", "198.51.100.9");
    assertThat(viaTunnel.status()).isEqualTo(403);
    Api.Response created = api.post("/api/auth/setup/first-admin", first);
    assertThat(created.status()).as(created.body()).isEqualTo(200);
    assertThat(created.header("Set-Cookie")).containsIgnoringCase("HttpOnly").contains("SameSite=Strict");
    admin = created.json().getString("token");
    assertThat(api.post("/api/auth/setup/first-admin", first.copy().put("username", "second")).status())
        .isEqualTo(409);
    assertThat(api.get("/api/auth/setup/status").json().getBoolean("needs_setup")).isFalse();
    // The job made in single-user mode now belongs to the admin.
    assertThat(api.get("/api/cloud/jobs/" + localJob, bearer(admin)).json().getJsonObject("job")
        .getString("owner_id")).isNotEqualTo("local");

    researcher = user("rita", "researcher");
    viewer = user("victor", "viewer");
  }

  @AfterAll
  void tearDown() {
    server.close();
  }

  private static String[] bearer(String token) {
    return new String[] {"Authorization", "Bearer " + token};
  }

  private String user(String name, String role) {
    Api.Response made = api.post("/api/users", new JsonObject().put("username", name).put("password", "password-" + name)
        .put("role", role), bearer(admin));
    assertThat(made.status()).as(made.body()).isEqualTo(200);
    Api.Response login = api.post("/api/auth/login", new JsonObject().put("username", name)
        .put("password", "password-" + name));
    assertThat(login.status()).as(login.body()).isEqualTo(200);
    return login.json().getString("token");
  }

  private static Api.Response submit(Api api, String token, String... headers) {
    JsonObject body = new JsonObject().put("config", Configs.lora(3));
    if (token == null) {
      return api.post("/api/cloud/jobs/submit?provider=local", body, headers);
    }
    return api.post("/api/cloud/jobs/submit?provider=local", body, concat(bearer(token), headers));
  }

  private static String[] concat(String[] a, String[] b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  private String apiKey(String session, JsonArray scopes) {
    // The seed's command: POST /api/cloud/auth/api-keys with the session token.
    Api.Response made = api.post("/api/cloud/auth/api-keys", new JsonObject().put("name", "ci-pipeline")
        .put("expires_days", 90).put("scoped_permissions", scopes), bearer(session));
    assertThat(made.status()).as(made.body()).isEqualTo(200);
    String key = made.json().getString("key");
    assertThat(key).startsWith("stk_");
    return key;
  }

  @Test
  void onceAnAdminExistsEveryRequestAuthenticates() {
    assertThat(api.get("/api/cloud/jobs").status()).isEqualTo(401);
    assertThat(submit(api, null).status()).isEqualTo(401);
    long before = api.get("/api/cloud/jobs?limit=1", bearer(admin)).json().getLong("total");
    assertThat(submit(api, null, "X-Forwarded-For", "203.0.113.5").status()).isEqualTo(401);
    assertThat(api.get("/api/cloud/jobs?limit=1", bearer(admin)).json().getLong("total")).isEqualTo(before);
    JsonObject me = api.get("/api/auth/me", bearer(admin)).json();
    assertThat(me.getString("role")).isEqualTo("admin");
    assertThat(me.getJsonArray("permissions")).contains("job.view.all");
  }

  @Test
  void theSeedsCiPipelineRunsWithAScopedKey() {
    String key = apiKey(researcher, new JsonArray().add("job.submit").add("job.view.own"));
    api.post("/api/configs", new JsonObject().put("name", "production-lora").put("config", Configs.lora(5)),
        bearer(admin));
    String sha = UUID.randomUUID().toString();
    JsonObject body = new JsonObject().put("config_name_to_load", "production-lora").put("idempotency_key", "gh-" + sha)
        .put("tracker_run_name", "gh-run-42");
    Api.Response first = api.post("/api/cloud/jobs/submit?provider=local", body, "Authorization", "Bearer " + key);
    assertThat(first.status()).as(first.body()).isEqualTo(200);
    String jobId = first.json().getString("job_id");
    Api.Response retry = api.post("/api/cloud/jobs/submit?provider=local", body, "X-API-Key", key);
    assertThat(retry.json().getString("job_id")).isEqualTo(jobId);
    // The "Wait for Completion" loop with the same key.
    JsonObject job = waitWith(jobId, "Authorization", "Bearer " + key);
    assertThat(job.getString("status")).isEqualTo("completed");
    // Only its owner's jobs; and what the scopes leave out stays out.
    String adminJob = submit(api, admin).json().getString("job_id");
    assertThat(api.get("/api/cloud/jobs/" + adminJob, "X-API-Key", key).status()).isEqualTo(404);
    JsonArray listed = api.get("/api/cloud/jobs?limit=500", "X-API-Key", key).json().getJsonArray("jobs");
    assertThat(listed.stream().map(JsonObject.class::cast).map(j -> j.getString("owner_id")).distinct())
        .containsOnly(job.getString("owner_id"));
    assertThat(api.postEmpty("/api/cloud/jobs/" + jobId + "/cancel", "X-API-Key", key).status()).isEqualTo(403);
    assertThat(api.delete("/api/cloud/jobs/" + jobId, "X-API-Key", key).status()).isEqualTo(403);
    assertThat(api.get("/api/users", "X-API-Key", key).status()).isEqualTo(403);
    assertThat(api.delete("/api/cloud/jobs/" + jobId, bearer(researcher)).status()).isEqualTo(200);
  }

  private JsonObject waitWith(String jobId, String... auth) {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (true) {
      JsonObject job = api.get("/api/cloud/jobs/" + jobId, auth).json().getJsonObject("job");
      String status = job.getString("status");
      if ("completed".equals(status) || "failed".equals(status) || "cancelled".equals(status)) {
        return job;
      }
      assertThat(System.nanoTime()).isLessThan(deadline);
      Api.sleep(100);
    }
  }

  @Test
  void aKeyNeverExceedsItsOwnerAndBadKeysAreRefused() throws Exception {
    Api.Response tooMuch = api.post("/api/cloud/auth/api-keys", new JsonObject().put("name", "greedy")
        .put("scoped_permissions", new JsonArray().add("job.view.all")), bearer(researcher));
    assertThat(tooMuch.status()).isEqualTo(400);
    Api.Response unknown = api.post("/api/auth/api-keys", new JsonObject().put("name", "odd")
        .put("scoped_permissions", new JsonArray().add("root")), bearer(researcher));
    assertThat(unknown.status()).isEqualTo(400);

    String key = apiKey(researcher, new JsonArray().add("job.view.own"));
    assertThat(api.get("/api/cloud/jobs", "X-API-Key", key).status()).isEqualTo(200);
    assertThat(submit(api, key).status()).isEqualTo(403);
    assertThat(api.get("/api/cloud/jobs", "X-API-Key", "stk_" + "A".repeat(40)).status()).isEqualTo(401);
    assertThat(api.get("/api/cloud/jobs", "X-API-Key", key.substring(0, 20)).status()).isEqualTo(401);
    assertThat(api.get("/api/cloud/jobs", "X-API-Key", admin).status()).isEqualTo(401);
    // A good key beside a different bearer credential is ambiguous: refused, whichever is good.
    assertThat(api.get("/api/cloud/jobs", "X-API-Key", key, "Authorization", "Bearer forged").status()).isEqualTo(401);
    assertThat(api.get("/api/cloud/jobs", "X-API-Key", key, "Authorization", "Basic Zm9vOmJhcg==").status())
        .isEqualTo(401);
    assertThat(api.get("/api/cloud/jobs", "X-API-Key", key, "Authorization", "Bearer " + key).status()).isEqualTo(200);
    assertThat(api.get("/api/cloud/jobs", "X-API-Key", " ").json().getString("error")).contains("is empty");

    JsonArray keys = api.get("/api/cloud/auth/api-keys", bearer(researcher)).json().getJsonArray("keys");
    assertThat(keys.encode()).doesNotContain(key);
    String keyId = keys.stream().map(JsonObject.class::cast).filter(k -> key.startsWith(k.getString("key_prefix")))
        .findFirst().orElseThrow().getString("id");
    assertThat(api.delete("/api/cloud/auth/api-keys/" + keyId, bearer(viewer)).status()).isIn(403, 404);
    assertThat(api.delete("/api/cloud/auth/api-keys/" + keyId, bearer(researcher)).status()).isEqualTo(200);
    assertThat(api.get("/api/cloud/jobs", "X-API-Key", key).status()).isEqualTo(401);

    String expiring = apiKey(researcher, new JsonArray().add("job.view.own"));
    try (Connection db = DriverManager.getConnection("jdbc:sqlite:" + server.stateDir().resolve("cloud/jobs.db"));
         Statement st = db.createStatement()) {
      st.executeUpdate("UPDATE api_keys SET expires_at = 1 WHERE prefix = '" + expiring.substring(0, 12) + "'");
    }
    Api.sleep(5_100); // past the key cache
    Api.Response expired = api.get("/api/cloud/jobs", "X-API-Key", expiring);
    assertThat(expired.status()).isEqualTo(401);
    assertThat(expired.json().getString("error")).contains("expired");
  }

  @Test
  void forgedAndExpiredSessionsAreRefused() throws Exception {
    String[] parts = admin.split("\\.");
    String payload = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
    String none = b64("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + parts[1] + ".";
    assertThat(api.get("/api/auth/me", bearer(none)).status()).isEqualTo(401);
    String wrongKey = parts[0] + "." + parts[1] + "." + hmac("not-the-key", parts[0] + "." + parts[1]);
    assertThat(api.get("/api/auth/me", bearer(wrongKey)).status()).isEqualTo(401);
    String secret = server.server().context().store().settings().get("server").await().get("jwt_key");
    JsonObject claims = new JsonObject(payload).put("exp", 1_000_000L);
    String body = b64(claims.encode());
    String expired = parts[0] + "." + body + "." + hmac(secret, parts[0] + "." + body);
    assertThat(api.get("/api/auth/me", bearer(expired)).status()).isEqualTo(401);
    String valid = parts[0] + "." + parts[1] + "." + hmac(secret, parts[0] + "." + parts[1]);
    assertThat(api.get("/api/auth/me", bearer(valid)).status()).isEqualTo(200);
    assertThat(api.get("/api/auth/me", bearer(admin.substring(0, admin.length() - 5))).status()).isEqualTo(401);
    // The session cookie works too, and is refused for a cross-site write.
    assertThat(api.get("/api/auth/me", "Cookie", "simpletuner_session=" + admin).status()).isEqualTo(200);
    assertThat(api.post("/api/configs", new JsonObject().put("name", "csrf"), "Cookie", "simpletuner_session=" + admin,
        "Origin", "https://evil.example").status()).isEqualTo(403);
  }

  private static String b64(String s) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  private static String hmac(String key, String data) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    return Base64.getUrlEncoder().withoutPadding().encodeToString(mac.doFinal(data.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void rolesDecide() {
    assertThat(submit(api, viewer).status()).isEqualTo(403);
    assertThat(api.get("/api/cloud/jobs", bearer(viewer)).status()).isEqualTo(200);
    assertThat(api.put("/api/cloud/providers/local", new JsonObject().put("max_concurrent", 1), bearer(researcher))
        .status()).isEqualTo(403);
    assertThat(api.get("/api/audit", bearer(researcher)).status()).isEqualTo(403);
    assertThat(api.get("/api/audit", bearer(admin)).status()).isEqualTo(200);
    String ritasJob = submit(api, researcher).json().getString("job_id");
    assertThat(api.get("/api/cloud/jobs/" + ritasJob, bearer(viewer)).status()).isEqualTo(404);
    assertThat(api.get("/api/cloud/jobs/" + ritasJob, bearer(admin)).status()).isEqualTo(200);
  }

  @Test
  void approvalRulesHoldJobsUntilALeadDecides() {
    Api.Response rule = api.post("/api/approvals/rules", new JsonObject().put("name", "local runs")
        .put("condition", "provider_is").put("threshold", "local").put("exempt_role", "admin"), bearer(admin));
    assertThat(rule.status()).as(rule.body()).isEqualTo(200);
    String ruleId = rule.json().getJsonObject("rule").getString("id");
    try {
      JsonObject held = submit(api, researcher).json();
      assertThat(held.getString("status")).as(held.encode()).isEqualTo("pending_approval");
      assertThat(held.getJsonArray("warnings").encode()).contains("local runs");
      String mine = submit(api, admin).json().getString("status");
      assertThat(mine).isNotEqualTo("pending_approval");
      JsonObject request = api.get("/api/approvals/requests?status=pending", bearer(admin)).json()
          .getJsonArray("requests").stream().map(JsonObject.class::cast)
          .filter(r -> held.getString("job_id").equals(r.getString("job_id"))).findFirst().orElseThrow();
      assertThat(api.post("/api/approvals/requests/" + request.getString("id") + "/approve", new JsonObject(),
          bearer(researcher)).status()).isEqualTo(403);
      Api.Response approved = api.post("/api/approvals/requests/" + request.getString("id") + "/approve",
          new JsonObject().put("notes", "fine"), bearer(admin));
      assertThat(approved.status()).as(approved.body()).isEqualTo(200);
      JsonObject done = waitWith(held.getString("job_id"), bearer(admin));
      assertThat(done.getString("status")).isEqualTo("completed");
      assertThat(api.get("/api/cloud/jobs/" + held.getString("job_id") + "/events", bearer(admin)).json()
          .getJsonArray("events").encode()).contains("approval").contains("fine");

      JsonObject rejectedJob = submit(api, researcher).json();
      String rid = api.get("/api/approvals/requests?status=pending", bearer(admin)).json().getJsonArray("requests")
          .stream().map(JsonObject.class::cast).filter(r -> rejectedJob.getString("job_id").equals(r.getString("job_id")))
          .findFirst().orElseThrow().getString("id");
      api.post("/api/approvals/requests/" + rid + "/reject", new JsonObject().put("reason", "too costly"), bearer(admin));
      JsonObject rejected = api.get("/api/cloud/jobs/" + rejectedJob.getString("job_id"), bearer(admin)).json()
          .getJsonObject("job");
      assertThat(rejected.getString("status")).isEqualTo("cancelled");
      assertThat(rejected.getString("error_message")).contains("too costly");
    } finally {
      api.delete("/api/approvals/rules/" + ruleId, bearer(admin));
    }
  }

  @Test
  void quotasLimitConcurrentJobs() {
    String quotaUser = user("quinn", "researcher");
    String id = api.get("/api/auth/me", bearer(quotaUser)).json().getString("id");
    api.patch("/api/users/" + id, new JsonObject().put("max_concurrent_jobs", 1), bearer(admin));
    JsonObject longJob = new JsonObject().put("config", Configs.lora(100000));
    String first = api.post("/api/cloud/jobs/submit?provider=local", longJob, bearer(quotaUser)).json()
        .getString("job_id");
    Api.Response second = api.post("/api/cloud/jobs/submit?provider=local", longJob, bearer(quotaUser));
    assertThat(second.status()).isEqualTo(429);
    assertThat(second.json().getString("code")).isEqualTo("quota_exceeded");
    api.postEmpty("/api/cloud/jobs/" + first + "/cancel", bearer(quotaUser));
  }

  @Test
  void theAuditChainVerifiesAndAnAlteredRowIsCaught() throws Exception {
    JsonObject verified = api.get("/api/audit/verify", bearer(admin)).json();
    assertThat(verified.getBoolean("valid")).isTrue();
    assertThat(verified.getLong("entries_checked")).isGreaterThan(3);
    JsonArray logins = api.get("/api/audit?event_type=auth.login.*", bearer(admin)).json().getJsonArray("entries");
    assertThat(logins).isNotEmpty();
  }

  @Test
  void everyNonPublicOperationRefusesAnonymousRemoteCallers() {
    JsonObject contract = api.get("/openapi.json").json();
    JsonObject paths = contract.getJsonObject("paths");
    int checked = 0;
    for (String path : paths.fieldNames()) {
      for (String method : paths.getJsonObject(path).fieldNames()) {
        if (!(paths.getJsonObject(path).getValue(method) instanceof JsonObject op)) {
          continue;
        }
        boolean isPublic = op.getJsonArray("security") != null && op.getJsonArray("security").isEmpty();
        String concrete = path.replaceAll("\\{[^}]+}", "x1");
        Api.Response r = api.raw(method.toUpperCase(), concrete, "application/json", "{}".getBytes(),
            "X-Forwarded-For", "203.0.113.1");
        if (isPublic) {
          continue;
        }
        checked++;
        assertThat(r.status()).as(method + " " + path + " -> " + r.body()).isEqualTo(401);
      }
    }
    assertThat(checked).isGreaterThan(40);
  }
}
