package dev.simpletuner.cloud.server.notify;

import dev.simpletuner.cloud.server.error.AppException;
import dev.simpletuner.cloud.server.secret.SecretBox;
import dev.simpletuner.cloud.server.store.NotificationStore.Channel;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * A channel's settings as the reference's API names them ({@code ChannelCreateRequest}): checked,
 * secrets sealed for storage (SMTP password, webhook secret, the Slack URL, which is itself the
 * credential), shown masked, opened only to send.
 */
public final class ChannelSettings {
  public static final String EMAIL = "email";
  public static final String WEBHOOK = "webhook";
  public static final String SLACK = "slack";
  public static final Set<String> TYPES = Set.of(EMAIL, WEBHOOK, SLACK);
  /** Keys kept sealed; the rest are stored as given. */
  static final Set<String> SECRETS = Set.of("smtp_password", "webhook_secret", "slack_url");
  private static final Set<String> GENERAL = Set.of("channel_type", "name", "is_enabled");
  private static final Map<String, Set<String>> FIELDS = Map.of(
      EMAIL, Set.of("smtp_host", "smtp_port", "smtp_username", "smtp_password", "smtp_use_tls", "smtp_use_ssl",
          "smtp_from_address", "smtp_from_name"),
      WEBHOOK, Set.of("webhook_url", "webhook_secret"),
      SLACK, Set.of("webhook_url"));
  /** The reference also takes IMAP settings (approve by e-mail reply); accepted only while off. */
  private static final Set<String> IMAP = Set.of("imap_enabled", "imap_host", "imap_port", "imap_username",
      "imap_password", "imap_use_ssl", "imap_folder");
  private static final SecureRandom RANDOM = new SecureRandom();

  private ChannelSettings() {
  }

  /** What a create or update stores: the checked settings with secrets sealed, and a secret made for it. */
  public record Checked(String name, boolean enabled, JsonObject settings, String madeSecret) {
  }

  /**
   * Checks a create ({@code current} null) or an update of {@code current}; fields an update leaves
   * out keep their value, and a secret given empty keeps the stored one.
   */
  public static Checked check(SecretBox box, JsonObject body, Channel current) {
    String type = current != null ? current.type() : body.getValue("channel_type") instanceof String s ? s : null;
    if (type == null || !TYPES.contains(type)) {
      throw AppException.invalid("channel_type", "channel_type must be one of email, webhook, slack.");
    }
    if (current != null && body.containsKey("channel_type") && !type.equals(body.getValue("channel_type"))) {
      throw AppException.invalid("channel_type", "A channel's type cannot change; create a new channel.");
    }
    // Another type's fields are left alone: the reference's CLI sends smtp_port and smtp_use_tls defaults
    // with every channel it creates. Fields no channel has are refused.
    for (String key : body.fieldNames()) {
      if (!GENERAL.contains(key) && !IMAP.contains(key) && FIELDS.values().stream().noneMatch(f -> f.contains(key))) {
        throw AppException.invalid(key, "Unknown field '" + key + "'; a " + type + " channel takes "
            + new java.util.TreeSet<>(FIELDS.get(type)) + " besides name and is_enabled.");
      }
    }
    if (Boolean.TRUE.equals(body.getValue("imap_enabled"))) {
      throw AppException.invalid("imap_enabled", "Approving by e-mail reply (IMAP) is not served by this server.");
    }
    String name = current != null ? current.name() : null;
    if (body.containsKey("name") || current == null) {
      name = text(body, "name", 100, true);
    }
    boolean enabled = current == null || current.enabled();
    if (body.containsKey("is_enabled")) {
      enabled = bool(body, "is_enabled");
    }
    JsonObject settings = current != null ? current.settings().copy()
        : new JsonObject().put("seal_id", UUID.randomUUID().toString());
    String made = null;
    switch (type) {
      case EMAIL -> email(box, body, settings, current == null);
      case WEBHOOK -> made = webhook(box, body, settings, current == null);
      default -> slack(box, body, settings, current == null);
    }
    return new Checked(name, enabled, settings, made);
  }

  private static void email(SecretBox box, JsonObject body, JsonObject settings, boolean creating) {
    if (creating || body.containsKey("smtp_host")) {
      String host = text(body, "smtp_host", 255, true);
      if (!host.matches("[A-Za-z0-9.:\\[\\]-]+")) {
        throw AppException.invalid("smtp_host", "smtp_host must be a host name or address.");
      }
      settings.put("smtp_host", host);
    }
    if (body.containsKey("smtp_port") || creating) {
      Object port = body.getValue("smtp_port", 587);
      if (!(port instanceof Number n) || n.doubleValue() != n.intValue() || n.intValue() < 1 || n.intValue() > 65535) {
        throw AppException.invalid("smtp_port", "smtp_port must be a whole number from 1 to 65535.");
      }
      settings.put("smtp_port", n.intValue());
    }
    if (body.containsKey("smtp_username")) {
      settings.put("smtp_username", text(body, "smtp_username", 255, false));
    }
    secret(box, body, settings, "smtp_password", "smtp_password");
    settings.put("smtp_use_tls", body.containsKey("smtp_use_tls") ? bool(body, "smtp_use_tls")
        : settings.getBoolean("smtp_use_tls", true));
    settings.put("smtp_use_ssl", body.containsKey("smtp_use_ssl") ? bool(body, "smtp_use_ssl")
        : settings.getBoolean("smtp_use_ssl", false));
    if (creating || body.containsKey("smtp_from_address")) {
      String from = text(body, "smtp_from_address", 255, true);
      if (!from.matches("[^@\\s<>]+@[^@\\s<>]+")) {
        throw AppException.invalid("smtp_from_address", "smtp_from_address must be an e-mail address.");
      }
      settings.put("smtp_from_address", from);
    }
    if (body.containsKey("smtp_from_name")) {
      settings.put("smtp_from_name", text(body, "smtp_from_name", 100, false));
    }
  }

  private static String webhook(SecretBox box, JsonObject body, JsonObject settings, boolean creating) {
    if (creating || body.containsKey("webhook_url")) {
      settings.put("webhook_url", url(body));
    }
    String given = body.getValue("webhook_secret") instanceof String s ? s.strip() : null;
    if (given != null && !given.isEmpty()) {
      if (!validSecret(given)) {
        throw AppException.invalid("webhook_secret", "webhook_secret must be a Standard Webhooks secret: whsec_ "
            + "followed by the base64 of 24 to 64 random bytes. Leave it out and one is made for you.");
      }
      secret(box, body, settings, "webhook_secret", "webhook_secret");
      return null;
    }
    if (!creating) {
      return null;
    }
    byte[] key = new byte[32];
    RANDOM.nextBytes(key);
    String made = "whsec_" + Base64.getEncoder().encodeToString(key);
    settings.put("webhook_secret", box.seal(sealName(settings, "webhook_secret"), made));
    return made;
  }

  private static void slack(SecretBox box, JsonObject body, JsonObject settings, boolean creating) {
    if (creating || body.containsKey("webhook_url")) {
      String url = url(body);
      URI uri = URI.create(url);
      settings.put("slack_url", box.seal(sealName(settings, "slack_url"), url))
          .put("slack_url_hint", uri.getScheme() + "://" + uri.getAuthority() + "/****");
    }
  }

  private static boolean validSecret(String secret) {
    if (!secret.startsWith("whsec_")) {
      return false;
    }
    try {
      int bytes = Base64.getDecoder().decode(secret.substring(6)).length;
      return bytes >= 24 && bytes <= 64;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static String url(JsonObject body) {
    String url = text(body, "webhook_url", 2000, true);
    try {
      URI uri = URI.create(url);
      if (uri.getHost() == null || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
        throw new IllegalArgumentException();
      }
    } catch (IllegalArgumentException e) {
      throw AppException.invalid("webhook_url", "webhook_url must be an http:// or https:// URL with a host.");
    }
    return url;
  }

  private static void secret(SecretBox box, JsonObject body, JsonObject settings, String field, String key) {
    if (body.getValue(field) instanceof String s && !s.isEmpty()) {
      if (s.length() > 1000) {
        throw AppException.invalid(field, field + " is longer than 1000 characters.");
      }
      settings.put(key, box.seal(sealName(settings, key), s));
    } else if (body.containsKey(field) && body.getValue(field) != null && !(body.getValue(field) instanceof String)) {
      throw AppException.invalid(field, field + " must be a string.");
    }
  }

  /** Secrets are bound to their channel: a sealed value copied to another channel does not open. */
  private static String sealName(JsonObject settings, String key) {
    return "notifications/" + settings.getString("seal_id") + "/" + key;
  }

  /** The stored secret in the clear, for sending only; null when not set (or sealed under another key). */
  public static String open(SecretBox box, Channel channel, String key) {
    String sealed = channel.settings().getString(key);
    return sealed == null ? null : box.open(sealName(channel.settings(), key), sealed);
  }

  /** The channel as the API shows it: secrets as whether they are set, the Slack URL masked. */
  public static JsonObject view(Channel c) {
    JsonObject s = c.settings();
    JsonObject out = new JsonObject().put("id", c.id()).put("channel_type", c.type()).put("name", c.name())
        .put("is_enabled", c.enabled());
    switch (c.type()) {
      case EMAIL -> out.put("smtp_host", s.getString("smtp_host")).put("smtp_port", s.getInteger("smtp_port"))
          .put("smtp_username", s.getString("smtp_username")).put("smtp_use_tls", s.getBoolean("smtp_use_tls"))
          .put("smtp_use_ssl", s.getBoolean("smtp_use_ssl"))
          .put("smtp_from_address", s.getString("smtp_from_address"))
          .put("smtp_from_name", s.getString("smtp_from_name"))
          .put("smtp_password_set", s.getString("smtp_password") != null);
      case WEBHOOK -> out.put("webhook_url", s.getString("webhook_url"))
          .put("webhook_secret_set", s.getString("webhook_secret") != null);
      default -> out.put("webhook_url", s.getString("slack_url_hint"));
    }
    return out.put("imap_enabled", false)
        .put("created_at", Instant.ofEpochMilli(c.createdAt()).toString())
        .put("updated_at", Instant.ofEpochMilli(c.updatedAt()).toString());
  }

  private static String text(JsonObject body, String field, int max, boolean required) {
    Object value = body.getValue(field);
    if (value == null && !required) {
      return null;
    }
    if (!(value instanceof String s) || (required && s.isBlank()) || s.length() > max) {
      throw AppException.invalid(field, field + (required ? " is required: " : " must be ") + "a string of at most "
          + max + " characters.");
    }
    return s.strip();
  }

  private static boolean bool(JsonObject body, String field) {
    if (!(body.getValue(field) instanceof Boolean b)) {
      throw AppException.invalid(field, field + " must be true or false.");
    }
    return b;
  }
}
