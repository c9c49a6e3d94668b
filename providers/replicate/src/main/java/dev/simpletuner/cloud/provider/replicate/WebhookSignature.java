package dev.simpletuner.cloud.provider.replicate;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Standard Webhooks signatures, as Replicate sends them: HMAC-SHA256 over
 * {@code id + "." + timestamp + "." + body} with the base64 key after {@code whsec_}; the header
 * lists {@code v1,<base64>} entries and any one may match. Timestamps more than five minutes off
 * are refused (replays).
 */
final class WebhookSignature {
  static final long TOLERANCE_SECONDS = 300;

  private WebhookSignature() {
  }

  static String sign(String secret, String id, long timestamp, String body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key(secret), "HmacSHA256"));
      byte[] digest = mac.doFinal((id + "." + timestamp + "." + body).getBytes(StandardCharsets.UTF_8));
      return "v1," + Base64.getEncoder().encodeToString(digest);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Null when valid, else why not. */
  static String check(String secret, String id, String timestamp, String signatures, String body, long nowSeconds) {
    if (id == null || timestamp == null || signatures == null) {
      return "missing webhook-id, webhook-timestamp or webhook-signature header";
    }
    long ts;
    try {
      ts = Long.parseLong(timestamp.strip());
    } catch (NumberFormatException e) {
      return "webhook-timestamp is not a number";
    }
    if (Math.abs(nowSeconds - ts) > TOLERANCE_SECONDS) {
      return "webhook-timestamp is more than " + TOLERANCE_SECONDS + " seconds off";
    }
    byte[] expected = sign(secret, id, ts, body).substring(3).getBytes(StandardCharsets.UTF_8);
    for (String candidate : signatures.strip().split(" ")) {
      int comma = candidate.indexOf(',');
      if (comma > 0 && candidate.substring(0, comma).equals("v1")
          && MessageDigest.isEqual(expected, candidate.substring(comma + 1).getBytes(StandardCharsets.UTF_8))) {
        return null;
      }
    }
    return "signature does not match";
  }

  private static byte[] key(String secret) {
    String encoded = secret.startsWith("whsec_") ? secret.substring(6) : secret;
    return Base64.getDecoder().decode(encoded.strip());
  }
}
