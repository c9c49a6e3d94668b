package dev.simpletuner.cloud.server.job;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Per-job credentials, derived from one server secret: the trainer callback token and the storage
 * endpoint's secret key. Nothing per job is stored, every instance sharing the database derives
 * the same values, and comparison is constant-time. They stop working when the job does (the
 * endpoints check the job's state), not when a key is rotated.
 */
public final class JobTokens {
  private static final String STORAGE_ACCESS_PREFIX = "STJ-";
  private final byte[] key;

  public JobTokens(byte[] key) {
    if (key.length < 32) {
      throw new IllegalArgumentException("job token key too short");
    }
    this.key = key.clone();
  }

  public String callbackToken(String jobId) {
    return "stcb_" + derive("trainer-callback:", jobId);
  }

  public boolean verifyCallback(String jobId, String presented) {
    if (presented == null || jobId == null) {
      return false;
    }
    return MessageDigest.isEqual(callbackToken(jobId).getBytes(StandardCharsets.UTF_8),
        presented.strip().getBytes(StandardCharsets.UTF_8));
  }

  /** The access key id of a job's storage credentials; it names the job (it is not a secret). */
  public static String storageAccessKey(String jobId) {
    return STORAGE_ACCESS_PREFIX + jobId;
  }

  /** The job an access key id names, or null when it is not one of ours. */
  public static String jobOfAccessKey(String accessKey) {
    return accessKey != null && accessKey.startsWith(STORAGE_ACCESS_PREFIX)
        && accessKey.length() > STORAGE_ACCESS_PREFIX.length() && accessKey.length() < 100
        ? accessKey.substring(STORAGE_ACCESS_PREFIX.length()) : null;
  }

  /** The secret key of a job's storage credentials. */
  public String storageSecret(String jobId) {
    return derive("storage-secret:", jobId);
  }

  private String derive(String purpose, String jobId) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      byte[] digest = mac.doFinal((purpose + jobId).getBytes(StandardCharsets.UTF_8));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
