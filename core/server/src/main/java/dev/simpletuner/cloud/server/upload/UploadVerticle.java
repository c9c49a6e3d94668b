package dev.simpletuner.cloud.server.upload;

import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.bus.Addresses;
import dev.simpletuner.cloud.server.bus.Bus;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Dataset work on worker threads: the pre-submit upload summary (scan) now; packaging and upload
 * for cloud providers build on the same scan.
 */
public final class UploadVerticle extends VerticleBase {
  private final ServerContext ctx;

  public UploadVerticle(ServerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public Future<?> start() {
    return Bus.serve(vertx, Addresses.UPLOAD_SUMMARY, this::summary);
  }

  /** @param message {@code {dataloader_config, upload_limit_bytes, local}} */
  private Future<JsonObject> summary(JsonObject message) {
    JsonArray dataloader = message.getJsonArray("dataloader_config", new JsonArray());
    long limit = message.getLong("upload_limit_bytes", 0L);
    boolean local = message.getBoolean("local", false);
    return vertx.executeBlocking(() -> DatasetScanner.scan(dataloader, limit).summary(), false)
        .map(summary -> local ? summary.put("requires_upload", false).put("note",
            "Jobs on this machine read the datasets in place; nothing is uploaded.") : summary);
  }
}
