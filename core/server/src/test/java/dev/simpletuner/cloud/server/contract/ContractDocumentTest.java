package dev.simpletuner.cloud.server.contract;

import dev.simpletuner.cloud.server.api.HttpVerticle;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.SchemaRepository;
import io.vertx.openapi.contract.OpenAPIVersion;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The published contract as a document: valid OpenAPI 3.1 (checked against the official OAS 3.1
 * schema that vertx-json-schema ships, the whole document, raw-protocol paths included), and
 * documenting on every operation the statuses the server's shared machinery sends.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ContractDocumentTest {
  private final Vertx vertx = Vertx.vertx();

  @AfterAll
  void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private static JsonObject published() throws Exception {
    return HttpVerticle.parseContract().get(30, TimeUnit.SECONDS).published();
  }

  private OutputUnit validate(JsonObject contract) throws Exception {
    SchemaRepository repository = OpenAPIVersion.V3_1.getRepository(vertx, "app://")
        .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    return OpenAPIVersion.V3_1.validateContract(vertx, repository, contract)
        .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @Test
  void thePublishedDocumentIsValidOpenApi31() throws Exception {
    OutputUnit result = validate(published());
    assertThat(result.getValid()).as(String.valueOf(result.getErrors())).isTrue();
  }

  @Test
  void theValidatorRefusesAResponseThatAnUnquotedDescriptionBroke() throws Exception {
    // `description: S3 XML error (AccessDenied, SignatureDoesNotMatch, ...)` in a flow mapping is
    // read as more keys of the response object: the document is no longer OpenAPI.
    JsonObject broken = published();
    broken.getJsonObject("paths").getJsonObject("/api/configs").getJsonObject("get").getJsonObject("responses")
        .put("403", new JsonObject().put("description", "S3 XML error (AccessDenied").putNull("SignatureDoesNotMatch"));
    assertThat(validate(broken).getValid()).isFalse();
  }

  @Test
  void everyOperationDocumentsTheStatusesTheServerSends() throws Exception {
    JsonObject contract = published();
    assertThat(ContractCheck.problems(contract)).isEmpty();

    JsonObject getJob = contract.getJsonObject("paths").getJsonObject("/api/cloud/jobs/{job_id}").getJsonObject("get");
    getJob.getJsonObject("responses").remove("401");
    JsonObject submit = contract.getJsonObject("paths").getJsonObject("/api/cloud/jobs/submit").getJsonObject("post");
    submit.getJsonObject("responses").remove("415");
    submit.getJsonObject("responses").remove("429");
    assertThat(ContractCheck.problems(contract)).containsExactlyInAnyOrder("getJob lacks 401",
        "submitJob lacks 415, 429");
    assertThatThrownBy(() -> ContractCheck.verify(contract)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("getJob lacks 401");
  }

  @Test
  void publicOperationsWithoutInputNeedNoErrorStatuses() throws Exception {
    JsonObject contract = published();
    JsonObject live = contract.getJsonObject("paths").getJsonObject("/api/cloud/health/live").getJsonObject("get");
    assertThat(live.getJsonObject("responses").fieldNames()).containsExactly("200");
    assertThat(ContractCheck.problems(contract)).noneMatch(p -> p.startsWith("getLiveness"));
  }
}
