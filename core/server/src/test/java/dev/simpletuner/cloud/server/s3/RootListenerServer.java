package dev.simpletuner.cloud.server.s3;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simpletuner.cloud.server.job.JobTokens;
import dev.simpletuner.cloud.server.support.Api;
import dev.simpletuner.cloud.server.support.Backend;
import dev.simpletuner.cloud.server.support.Configs;
import dev.simpletuner.cloud.server.support.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** A test server with the root S3 listener ({@code storage.s3_port}) and a running job to sign with. */
record RootListenerServer(TestServer server, Path config, int s3Port, String job) implements AutoCloseable {
  static RootListenerServer start() throws IOException {
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    Path config = Files.createTempFile("st-s3", ".yaml");
    Files.writeString(config, "storage:\n  s3_port: " + port + "\n");
    TestServer server = TestServer.start(Backend.SQLITE, Map.of("SIMPLETUNER_LOCAL_COMMAND", "sleep 600",
        "SIMPLETUNER_CONFIG", config.toString()));
    Api.Response r = server.api().post("/api/cloud/jobs/submit?provider=local", new JsonObject()
        .put("config", Configs.lora()).put("dataloader_config", new JsonArray()));
    assertThat(r.status()).as(r.body()).isEqualTo(200);
    return new RootListenerServer(server, config, port, r.json().getString("job_id"));
  }

  String accessKey() {
    return JobTokens.storageAccessKey(job);
  }

  String secret() {
    return server.server().context().tokens().storageSecret(job);
  }

  @Override
  public void close() throws IOException {
    server.api().postEmpty("/api/cloud/jobs/" + job + "/cancel");
    server.close();
    Files.deleteIfExists(config);
  }
}
