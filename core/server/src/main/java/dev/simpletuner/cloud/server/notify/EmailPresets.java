package dev.simpletuner.cloud.server.notify;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Optional;

/** Common mail services' SMTP settings, as the reference's {@code /presets} lists them. */
public final class EmailPresets {
  private record Preset(String id, String name, String smtpHost, int smtpPort, String imapHost, String instructions,
                        String docsUrl) {
    JsonObject toJson() {
      return new JsonObject().put("id", id).put("name", name).put("smtp_host", smtpHost).put("smtp_port", smtpPort)
          .put("smtp_use_tls", true).put("imap_host", imapHost).put("imap_port", 993).put("imap_use_ssl", true)
          .put("instructions", instructions).put("docs_url", docsUrl);
    }
  }

  private static final List<Preset> ALL = List.of(
      new Preset("gmail", "Gmail / Google Workspace", "smtp.gmail.com", 587, "imap.gmail.com",
          "Use an app password (Google account, Security, App passwords) as the SMTP password.",
          "https://support.google.com/mail/answer/7126229"),
      new Preset("outlook", "Outlook / Microsoft 365", "smtp.office365.com", 587, "outlook.office365.com",
          "SMTP AUTH must be allowed for the mailbox in the Microsoft 365 admin center.",
          "https://support.microsoft.com/office/pop-imap-and-smtp-settings-8361e398-8af4-4e97-b147-6c6c4ac95353"),
      new Preset("fastmail", "Fastmail", "smtp.fastmail.com", 587, "imap.fastmail.com",
          "Create an app password with SMTP access.", "https://www.fastmail.help/hc/en-us/articles/1500000278342"),
      new Preset("sendgrid", "SendGrid", "smtp.sendgrid.net", 587, null,
          "User name 'apikey', password an API key with Mail Send access.",
          "https://www.twilio.com/docs/sendgrid/for-developers/sending-email/integrating-with-the-smtp-api"),
      new Preset("ses", "Amazon SES (us-east-1)", "email-smtp.us-east-1.amazonaws.com", 587, null,
          "Use SES SMTP credentials (not IAM access keys); change the region in the host as needed.",
          "https://docs.aws.amazon.com/ses/latest/dg/smtp-connect.html"));

  private EmailPresets() {
  }

  public static JsonObject list() {
    JsonArray out = new JsonArray();
    ALL.forEach(p -> out.add(p.toJson()));
    return new JsonObject().put("presets", out);
  }

  public static Optional<JsonObject> get(String id) {
    return ALL.stream().filter(p -> p.id().equals(id)).findFirst().map(Preset::toJson);
  }
}
