package dev.simpletuner.cloud.server.job;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Per-job tokens for trainer callbacks, derived from one server secret: nothing per job is
 * stored, every instance sharing the database derives the same token, and comparison is
 * constant-time.
 */
public final class CallbackTokens {
  private final byte[] key;

  public CallbackTokens(byte[] key) {
    if (key.length < 32) {
      throw new IllegalArgumentException("callback key too short");
    }
    this.key = key.clone();
  }

  public String tokenFor(String jobId) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      byte[] digest = mac.doFinal(("trainer-callback:" + jobId).getBytes(StandardCharsets.UTF_8));
      return "stcb_" + Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  public boolean verify(String jobId, String presented) {
    if (presented == null || jobId == null) {
      return false;
    }
    return MessageDigest.isEqual(tokenFor(jobId).getBytes(StandardCharsets.UTF_8),
        presented.strip().getBytes(StandardCharsets.UTF_8));
  }
}
