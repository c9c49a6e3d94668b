package dev.simpletuner.cloud.delivery.huggingface;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The fake's own wire behaviour, where other modules' tests rely on it. */
class FakeHubTest {
  private static final String TOKEN = "hf_fakeHubSelfTest";
  Vertx vertx;
  FakeHub hub;
  WebClient web;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    hub = new FakeHub(vertx).addToken(TOKEN, "carol", "write").start().await();
    web = WebClient.create(vertx);
  }

  @AfterEach
  void tearDown() {
    web.close();
    hub.stop().await();
    vertx.close().await();
  }

  private HttpResponse<Buffer> post(String path, String contentType, Buffer body) {
    return web.postAbs(hub.endpoint() + path).bearerTokenAuthentication(TOKEN).putHeader("Content-Type", contentType)
        .putHeader("Accept", "application/vnd.git-lfs+json").sendBuffer(body).await();
  }

  @Test
  void createAnswers409WithTheUrlWhenTheRepoExists() {
    JsonObject body = new JsonObject().put("name", "m").put("private", true);
    assertThat(post("/api/repos/create", "application/json", body.toBuffer()).statusCode()).isEqualTo(200);

    HttpResponse<Buffer> again = post("/api/repos/create", "application/json", body.toBuffer());

    assertThat(again.statusCode()).isEqualTo(409);
    assertThat(again.bodyAsJsonObject().getString("url")).isEqualTo(hub.endpoint() + "/carol/m");
    assertThat(hub.isPrivate("carol/m")).isTrue();
  }

  @Test
  void preuploadSaysHowEachFileGoes() {
    hub.createRepo("carol/m", true);
    String text = Base64.getEncoder().encodeToString("hello".getBytes(StandardCharsets.UTF_8));
    JsonObject body = new JsonObject().put("files", new JsonArray()
        .add(new JsonObject().put("path", "a.txt").put("sample", text).put("size", 5))
        .add(new JsonObject().put("path", "w.safetensors").put("sample", text).put("size", 5))
        .add(new JsonObject().put("path", "big.txt").put("sample", text).put("size", 5_000_000))
        .add(new JsonObject().put("path", ".gitattributes").put("sample", text).put("size", 5)));

    JsonObject answer = post("/api/models/carol/m/preupload/main", "application/json", body.toBuffer())
        .bodyAsJsonObject();

    JsonArray files = answer.getJsonArray("files");
    assertThat(files.getJsonObject(0).getString("uploadMode")).isEqualTo("regular");
    assertThat(files.getJsonObject(1).getString("uploadMode")).isEqualTo("lfs");
    assertThat(files.getJsonObject(2).getString("uploadMode")).isEqualTo("lfs");
    assertThat(files.getJsonObject(0).getBoolean("shouldIgnore")).isFalse();
    assertThat(files.getJsonObject(3).getString("oid")).hasSize(40); // existing file: its git blob id
    assertThat(answer.getString("commitOid")).isEqualTo(hub.head("carol/m"));
  }

  @Test
  void aCommitNamingAnLfsObjectThatWasNeverUploadedIsRefused() {
    hub.createRepo("carol/m", true);
    String ndjson = "{\"key\":\"header\",\"value\":{\"summary\":\"x\"}}\n"
        + "{\"key\":\"lfsFile\",\"value\":{\"path\":\"w.bin\",\"algo\":\"sha256\",\"oid\":\"" + "ab".repeat(32)
        + "\",\"size\":3}}\n";

    HttpResponse<Buffer> answer = post("/api/models/carol/m/commit/main", "application/x-ndjson", Buffer.buffer(ndjson));

    assertThat(answer.statusCode()).isEqualTo(422);
    assertThat(hub.commitCount("carol/m")).isEqualTo(1);
  }

  @Test
  void theHeaderMustComeFirstAndAStaleParentIsRefused() {
    hub.createRepo("carol/m", true);
    String fileLine = "{\"key\":\"file\",\"value\":{\"path\":\"a.txt\",\"content\":\"aGk=\",\"encoding\":\"base64\"}}\n";
    String header = "{\"key\":\"header\",\"value\":{\"summary\":\"x\",\"parentCommit\":\"" + "0".repeat(40) + "\"}}\n";

    assertThat(post("/api/models/carol/m/commit/main", "application/x-ndjson",
        Buffer.buffer(fileLine + header)).statusCode()).isEqualTo(400);
    assertThat(post("/api/models/carol/m/commit/main", "application/x-ndjson",
        Buffer.buffer(header + fileLine)).statusCode()).isEqualTo(412);
  }

  @Test
  void presignedUrlsCheckTheirSignatureAndRefuseAnAuthorizationHeader() {
    hub.createRepo("carol/m", true);
    byte[] content = "abc".getBytes(StandardCharsets.UTF_8);
    String oid = HubTestKit.sha256(content);
    JsonObject batch = new JsonObject().put("operation", "upload").put("transfers", new JsonArray().add("basic"))
        .put("objects", new JsonArray().add(new JsonObject().put("oid", oid).put("size", 3)));
    String href = post("/carol/m.git/info/lfs/objects/batch", "application/vnd.git-lfs+json", batch.toBuffer())
        .bodyAsJsonObject().getJsonArray("objects").getJsonObject(0).getJsonObject("actions")
        .getJsonObject("upload").getString("href");

    assertThat(web.putAbs(href.replaceAll("Signature=.*", "Signature=00")).sendBuffer(Buffer.buffer(content))
        .await().statusCode()).isEqualTo(403);
    assertThat(web.putAbs(href).bearerTokenAuthentication(TOKEN).sendBuffer(Buffer.buffer(content)).await()
        .statusCode()).isEqualTo(400);
    HttpResponse<Buffer> put = web.putAbs(href).sendBuffer(Buffer.buffer(content)).await();
    assertThat(put.statusCode()).isEqualTo(200);
    assertThat(put.getHeader("ETag")).isNotBlank();
    assertThat(hub.lfsObjectCount("carol/m")).isEqualTo(1);
  }
}
