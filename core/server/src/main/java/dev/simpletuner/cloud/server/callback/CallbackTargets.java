package dev.simpletuner.cloud.server.callback;

import dev.simpletuner.cloud.server.ServerContext;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** Builds the {@code webhook_config} a trainer posts its progress to (SPEC.md 4.1). */
public final class CallbackTargets {
  private CallbackTargets() {
  }

  /**
   * @param base the URL the trainer can reach this server at: our own address for local jobs, the
   *             public (tunnel) URL for cloud jobs; null when there is none
   */
  public static JsonArray webhookConfig(ServerContext ctx, String jobId, String base) {
    if (base == null) {
      return null;
    }
    return new JsonArray().add(new JsonObject()
        .put("webhook_type", "raw")
        .put("callback_url", base + "/api/webhooks/trainer/" + jobId)
        .put("auth_token", ctx.tokens().callbackToken(jobId)));
  }

  /**
   * The base of a user-given public URL: {@code https://abc.ngrok.io/api/...} and
   * {@code https://abc.ngrok.io/} both mean {@code https://abc.ngrok.io}; a proxy path prefix is kept.
   */
  public static String baseOf(String url) {
    if (url == null || url.isBlank()) {
      return null;
    }
    String u = url.strip();
    int api = u.indexOf("/api/");
    if (api > 0) {
      u = u.substring(0, api);
    }
    while (u.endsWith("/")) {
      u = u.substring(0, u.length() - 1);
    }
    return u;
  }
}
