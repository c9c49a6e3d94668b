package dev.simpletuner.cloud.server.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simpletuner.cloud.server.support.Api;
import dev.simpletuner.cloud.server.support.Backend;
import dev.simpletuner.cloud.server.support.ServerPerBackend;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What the contract promises and the server does alike: 405 with {@code Allow} for a method a path
 * does not have, the rules the schema states refused as 400, and single-user mode that stays
 * consistent until the first admin exists. Each server here never gets an account.
 */
class ContractBehaviourTest extends ServerPerBackend {
  private static final byte[] NONE = new byte[0];

  private static void assertError(Api.Response r, int status, String code) {
    assertThat(r.status()).as(r.body()).isEqualTo(status);
    assertThat(r.json().getBoolean("success")).isFalse();
    assertThat(r.json().getString("code")).isEqualTo(code);
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void aMethodThePathDoesNotHaveGets405WithAllow(Backend backend) {
    Api api = api(backend);
    for (String method : new String[] {"PATCH", "TRACE", "DELETE", "QUERY"}) {
      Api.Response r = api.raw(method, "/api/configs", null, NONE);
      assertError(r, 405, "method_not_allowed");
      assertThat(r.header("Allow")).isEqualTo("GET, POST");
      assertThat(r.json().getJsonObject("details").getJsonArray("allowed").getList()).containsExactly("GET", "POST");
    }
    Api.Response templated = api.raw("PATCH", "/api/cloud/jobs/no-such-job", "application/json", "{}".getBytes());
    assertError(templated, 405, "method_not_allowed");
    assertThat(templated.header("Allow")).isEqualTo("GET, DELETE");
    assertThat(api.raw("PUT", "/api/cloud/jobs/", null, NONE).header("Allow")).isEqualTo("GET");
    // A literal path outranks a template: this is the submit path without its method, not a job "submit".
    Api.Response literal = api.get("/api/cloud/jobs/submit");
    assertError(literal, 405, "method_not_allowed");
    assertThat(literal.header("Allow")).isEqualTo("POST");

    Api.Response options = api.raw("OPTIONS", "/api/cloud/providers/local", null, NONE);
    assertThat(options.status()).isEqualTo(204);
    assertThat(options.header("Allow")).isEqualTo("GET, PUT");

    // Paths the contract does not have are still 404, without Allow.
    Api.Response unknown = api.raw("PATCH", "/api/no-such-thing", null, NONE);
    assertError(unknown, 404, "not_found");
    assertThat(unknown.header("Allow")).isNull();
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void theStorageEndpointAnswersAnUnknownMethodWith405AndAllowBeforeAuthentication(Backend backend) {
    Api api = api(backend);
    Api.Response r = api.raw("PATCH", "/api/cloud/storage/outputs/job/file.bin", null, NONE);
    assertThat(r.status()).isEqualTo(405);
    assertThat(r.header("Allow")).isEqualTo("GET, HEAD, PUT, POST, DELETE");
    assertThat(r.body()).contains("<Code>MethodNotAllowed</Code>");
    // A method it has, unsigned: refused as before, the S3 way.
    Api.Response unsigned = api.raw("GET", "/api/cloud/storage/outputs/job/file.bin", null, NONE);
    assertThat(unsigned.status()).isEqualTo(403);
    assertThat(unsigned.header("Allow")).isNull();
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void beforeTheFirstAdminNeitherKeysNorOtherAccountsCanBeMade(Backend backend) {
    Api api = api(backend);
    assertError(api.post("/api/cloud/auth/api-keys", new JsonObject().put("name", "ci")), 409, "setup_required");
    Api.Response user = api.post("/api/users", new JsonObject().put("username", "rita")
        .put("password", "password-rita").put("role", "researcher"));
    assertError(user, 409, "setup_required");
    // Still single-user mode: setup is still to do, and requests from loopback still need no login.
    JsonObject status = api.get("/api/auth/setup/status").json();
    assertThat(status.getBoolean("needs_setup")).isTrue();
    assertThat(status.getBoolean("has_users")).isFalse();
    assertThat(api.get("/api/configs").status()).isEqualTo(200);
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void rulesTheSchemaStatesAreRefused(Backend backend) {
    Api api = api(backend);
    // A submission needs a config, inline or by (non-blank) name.
    assertError(api.post("/api/cloud/jobs/submit?provider=local", "{\"dataloader_config\": []}"), 400, "invalid_input");
    assertError(api.post("/api/cloud/jobs/submit?provider=local", "{\"config_name_to_load\": \"  \"}"), 400,
        "invalid_input");
    // The preview needs none.
    assertThat(api.post("/api/cloud/jobs/upload-summary?provider=local", "{\"dataloader_config\": []}").status())
        .isEqualTo(200);
    // An approval rule's threshold, as its condition needs it.
    for (String body : new String[] {"{\"name\": \"big\", \"condition\": \"cost_exceeds\"}",
        "{\"name\": \"big\", \"condition\": \"cost_exceeds\", \"threshold\": \"NaN\"}",
        "{\"name\": \"big\", \"condition\": \"cost_exceeds\", \"threshold\": \"-5\"}",
        "{\"name\": \"big\", \"condition\": \"cost_exceeds\", \"threshold\": \"1e3\"}",
        "{\"name\": \"h100\", \"condition\": \"hardware_matches\", \"threshold\": \"   \"}",
        "{\"name\": \"p\", \"condition\": \"provider_is\"}"}) {
      Api.Response r = api.post("/api/approvals/rules", body);
      assertError(r, 400, "invalid_input");
      assertThat(r.json().getString("error")).as(body).contains("threshold");
    }
    Api.Response made = api.post("/api/approvals/rules", "{\"name\": \"big\", \"condition\": \"cost_exceeds\", "
        + "\"threshold\": \"25.5\"}");
    assertThat(made.status()).as(made.body()).isEqualTo(200);
    assertThat(made.json().getJsonObject("rule").getString("threshold")).isEqualTo("25.5");
    String always = "{\"name\": \"all\", \"condition\": \"always\"}";
    assertThat(api.post("/api/approvals/rules", always).status()).isEqualTo(200);
    // Rules apply to every later submission: remove them again (the class's other tests submit nothing, but be tidy).
    api.get("/api/approvals/rules").json().getJsonArray("rules").forEach(rule ->
        api.delete("/api/approvals/rules/" + ((JsonObject) rule).getString("id")));
  }
}
