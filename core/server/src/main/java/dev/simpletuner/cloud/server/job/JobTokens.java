package dev.simpletuner.cloud.server.job;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Per-job credentials, derived from one server secret: the trainer callback token and the storage
 * endpoint's two secret keys (for the outputs the trainer sends home, and for the datasets served
 * to it). Nothing per job is stored, every instance sharing the database derives the same values,
 * and comparison is constant-time. They stop working when the job does (the
 * endpoints check the job's state), not when a key is rotated.
 */
public final class JobTokens {
  private static final int MAX_ACCESS_KEY = 100;
  // Looking up and keying a Mac costs more than the HMAC itself, and every trainer callback
  // derives its job's token: one keyed Mac per thread.
  private final ThreadLocal<Mac> macs;
  /** Derived values by purpose and job: every trainer event and storage request checks one. */
  private final Map<String, String> derived = new ConcurrentHashMap<>();

  public JobTokens(byte[] key) {
    if (key.length < 32) {
      throw new IllegalArgumentException("job token key too short");
    }
    SecretKeySpec spec = new SecretKeySpec(key.clone(), "HmacSHA256");
    this.macs = ThreadLocal.withInitial(() -> {
      try {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(spec);
        return mac;
      } catch (GeneralSecurityException e) {
        throw new IllegalStateException(e);
      }
    });
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

  /** What a pair of storage credentials reaches; the access key id starts with the kind's prefix. */
  public enum StorageKind {
    /** Keys below {@code <job id>/} of bucket {@code outputs}, read and write. */
    OUTPUTS("STJ-"),
    /** The job's dataset buckets: its datasets read-only, plus a scratch area for the trainer's caches. */
    DATASETS("STD-");

    private final String accessKeyPrefix;

    StorageKind(String accessKeyPrefix) {
      this.accessKeyPrefix = accessKeyPrefix;
    }
  }

  /** An access key id read back: which kind of credentials, for which job. */
  public record StorageKey(StorageKind kind, String jobId) {
  }

  /** The access key id of a job's output credentials; it names the job (it is not a secret). */
  public static String storageAccessKey(String jobId) {
    return StorageKind.OUTPUTS.accessKeyPrefix + jobId;
  }

  /** The access key id of a job's dataset credentials; it names the job (it is not a secret). */
  public static String datasetAccessKey(String jobId) {
    return StorageKind.DATASETS.accessKeyPrefix + jobId;
  }

  /** The kind and job an access key id names, or null when it is not one of ours. */
  public static StorageKey parseAccessKey(String accessKey) {
    if (accessKey == null || accessKey.length() >= MAX_ACCESS_KEY) {
      return null;
    }
    for (StorageKind kind : StorageKind.values()) {
      String prefix = kind.accessKeyPrefix;
      if (accessKey.startsWith(prefix) && accessKey.length() > prefix.length()) {
        return new StorageKey(kind, accessKey.substring(prefix.length()));
      }
    }
    return null;
  }

  /** The secret key of a job's output credentials. */
  public String storageSecret(String jobId) {
    return derive("storage-secret:", jobId);
  }

  /** The secret key of a job's dataset credentials. */
  public String datasetSecret(String jobId) {
    return derive("dataset-storage-secret:", jobId);
  }

  /** The secret key that goes with an access key id. */
  public String secretOf(StorageKey key) {
    return key.kind() == StorageKind.OUTPUTS ? storageSecret(key.jobId()) : datasetSecret(key.jobId());
  }

  private String derive(String purpose, String jobId) {
    String input = purpose + jobId;
    String known = derived.get(input);
    if (known != null) {
      return known;
    }
    if (derived.size() >= MAX_DERIVED) {
      derived.clear(); // job ids come from requests: the cache stays bounded whatever is sent
    }
    String value = Base64.getUrlEncoder().withoutPadding().encodeToString(macs.get().doFinal(
        input.getBytes(StandardCharsets.UTF_8)));
    derived.put(input, value);
    return value;
  }

  private static final int MAX_DERIVED = 10_000;
}
