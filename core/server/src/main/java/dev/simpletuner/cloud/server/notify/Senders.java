package dev.simpletuner.cloud.server.notify;

import dev.simpletuner.cloud.server.secret.SecretBox;
import dev.simpletuner.cloud.server.store.NotificationStore.Channel;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.PemTrustOptions;
import dev.simpletuner.cloud.server.outbound.NetworkSettings;
import io.vertx.ext.mail.LoginOption;
import io.vertx.ext.mail.MailClient;
import io.vertx.ext.mail.MailConfig;
import io.vertx.ext.mail.MailMessage;
import io.vertx.ext.mail.StartTLSOptions;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Sends one message over a channel: a signed webhook (Standard Webhooks headers), a Slack incoming
 * webhook ({@code text} plus {@code blocks}, as api.slack.com/messaging/webhooks documents), or an
 * e-mail over SMTP (STARTTLS or TLS, with login when a user name is set). Never fails: every
 * problem is an {@link Outcome}.
 */
public final class Senders {
  private final Vertx vertx;
  private final SecretBox box;
  private final long timeoutMs;
  private final WebClient web;
  private final NetworkSettings network;

  /** @param network the server's outbound defaults (proxy, CA bundle, TLS verification), as provider calls use */
  public Senders(Vertx vertx, SecretBox box, long timeoutMs, NetworkSettings network) {
    this.vertx = vertx;
    this.box = box;
    this.timeoutMs = timeoutMs;
    this.network = network;
    this.web = WebClient.create(vertx, new WebClientOptions(network.clientOptions()).setFollowRedirects(false)
        .setConnectTimeout((int) Math.min(timeoutMs, Integer.MAX_VALUE)).setUserAgent("simpletuner-cloud-notify"));
  }

  /** With the server's own outbound defaults from its environment. */
  public static Senders of(Vertx vertx, dev.simpletuner.cloud.server.ServerContext ctx, DeliveryRules rules) {
    return new Senders(vertx, ctx.secrets(), rules.timeoutMs(), NetworkSettings.of(java.util.Map.of(),
        dev.simpletuner.cloud.server.outbound.NetworkDefaults.fromEnv(ctx.env())));
  }

  /**
   * @param messageId the id receivers may deduplicate by: the same on every retry of one message
   * @param recipient the e-mail address (e-mail channels only)
   */
  public Future<Outcome> send(Channel channel, String messageId, String recipient, JsonObject payload) {
    long started = System.nanoTime();
    Future<Outcome> sent;
    try {
      sent = switch (channel.type()) {
        case ChannelSettings.WEBHOOK -> webhook(channel, messageId, payload, started);
        case ChannelSettings.SLACK -> slack(channel, payload, started);
        default -> email(channel, recipient, payload);
      };
    } catch (RuntimeException e) {
      sent = Future.failedFuture(e);
    }
    return sent.map(o -> o.latencyMs() >= 0 ? o : new Outcome(o.delivered(), o.statusCode(), o.error(),
            millisSince(started), o.permanent(), o.retryAfterMs()))
        .recover(e -> Future.succeededFuture(Outcome.ofFailure(e, millisSince(started))));
  }

  private Future<Outcome> webhook(Channel channel, String messageId, JsonObject payload, long started) {
    String secret = ChannelSettings.open(box, channel, "webhook_secret");
    if (secret == null) {
      return Future.succeededFuture(new Outcome(false, null, "The channel's webhook secret cannot be read (was the "
          + "server's secret key changed, or does this instance have another?). Set a new one.", -1, false));
    }
    String body = payload.copy().put("type", payload.getString("event_type")).encode();
    long timestamp = System.currentTimeMillis() / 1000;
    return web.postAbs(channel.settings().getString("webhook_url")).timeout(timeoutMs)
        .putHeader("content-type", "application/json")
        .putHeader("webhook-id", messageId)
        .putHeader("webhook-timestamp", String.valueOf(timestamp))
        .putHeader("webhook-signature", StandardWebhooks.sign(secret, messageId, timestamp, body))
        .sendBuffer(Buffer.buffer(body))
        .map(r -> Outcome.ofStatus(r.statusCode(), r.bodyAsString(), millisSince(started),
            r.getHeader("retry-after")));
  }

  private Future<Outcome> slack(Channel channel, JsonObject payload, long started) {
    String url = ChannelSettings.open(box, channel, "slack_url");
    if (url == null) {
      return Future.succeededFuture(new Outcome(false, null, "The channel's Slack URL cannot be read (was the "
          + "server's secret key changed, or does this instance have another?). Set it again.", -1, false));
    }
    return web.postAbs(url).timeout(timeoutMs).sendJsonObject(slackBody(payload))
        .map(r -> Outcome.ofStatus(r.statusCode(), r.bodyAsString(), millisSince(started),
            r.getHeader("retry-after")));
  }

  /** Slack's incoming-webhook message: {@code text} is the fallback, {@code blocks} the layout. */
  static JsonObject slackBody(JsonObject payload) {
    JsonObject data = payload.getJsonObject("data", new JsonObject());
    JsonArray blocks = new JsonArray()
        .add(new JsonObject().put("type", "header").put("text", new JsonObject().put("type", "plain_text")
            .put("text", truncate(payload.getString("title"), 150))))
        .add(new JsonObject().put("type", "section").put("text", new JsonObject().put("type", "mrkdwn")
            .put("text", truncate(payload.getString("message"), 3000))));
    if (data.getString("link") != null) {
      blocks.add(new JsonObject().put("type", "context").put("elements", new JsonArray().add(new JsonObject()
          .put("type", "mrkdwn").put("text", "<" + data.getString("link") + "|Open the job>"))));
    }
    return new JsonObject().put("text", payload.getString("title") + "\n" + payload.getString("message"))
        .put("blocks", blocks);
  }

  private Future<Outcome> email(Channel channel, String recipient, JsonObject payload) {
    JsonObject s = channel.settings();
    MailConfig config = new MailConfig().setHostname(s.getString("smtp_host")).setPort(s.getInteger("smtp_port"))
        .setSsl(s.getBoolean("smtp_use_ssl", false))
        .setStarttls(s.getBoolean("smtp_use_ssl", false) ? StartTLSOptions.DISABLED
            : s.getBoolean("smtp_use_tls", true) ? StartTLSOptions.REQUIRED : StartTLSOptions.DISABLED)
        .setKeepAlive(false);
    config.setConnectTimeout((int) Math.min(timeoutMs, Integer.MAX_VALUE));
    if (!network.sslVerify()) {
      config.setTrustAll(true);
    } else {
      config.setHostnameVerificationAlgorithm("HTTPS");
      if (network.caBundle() != null) {
        config.setTrustOptions(new PemTrustOptions().addCertPath(network.caBundle()));
      }
    }
    String user = s.getString("smtp_username");
    if (user != null && !user.isBlank()) {
      String password = ChannelSettings.open(box, channel, "smtp_password");
      config.setLogin(LoginOption.REQUIRED).setUsername(user).setPassword(password == null ? "" : password);
    } else {
      config.setLogin(LoginOption.DISABLED);
    }
    String fromName = s.getString("smtp_from_name");
    String from = fromName == null || fromName.isBlank() ? s.getString("smtp_from_address")
        : fromName.replaceAll("[\"<>\\r\\n]", "") + " <" + s.getString("smtp_from_address") + ">";
    MailMessage mail = new MailMessage().setFrom(from).setTo(List.of(recipient))
        .setSubject(payload.getString("title")).setText(payload.getString("message"));
    MailClient client = MailClient.create(vertx, config);
    return client.sendMail(mail).timeout(timeoutMs, TimeUnit.MILLISECONDS)
        .map(result -> new Outcome(true, 250, null, -1, false))
        .eventually(client::close);
  }

  private static String truncate(String text, int max) {
    return text == null ? "" : text.length() <= max ? text : text.substring(0, max - 1) + "…";
  }

  private static long millisSince(long startedNanos) {
    return (System.nanoTime() - startedNanos) / 1_000_000;
  }

  public void close() {
    web.close();
  }
}
