package dev.simpletuner.cloud.delivery.huggingface;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;

/**
 * One file to put in the repository.
 *
 * @param path      path in the repository
 * @param file      where its bytes are on this machine
 * @param size      bytes
 * @param sha256    lowercase hex SHA-256 (the LFS oid)
 * @param jobOutput false for files this target made itself (the model card), which do not count
 *                  towards the job's bytes
 */
record UploadItem(String path, Path file, long size, String sha256, boolean jobOutput) {

  /** The preupload {@code sample}: base64 of the first 512 bytes. Blocking: call from a worker. */
  String sample() throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return Base64.getEncoder().encodeToString(in.readNBytes(512));
    }
  }

  /** The git blob id the Hub reports for regular files: sha1("blob " + size + "\0" + content). Blocking. */
  String gitBlobSha1() throws IOException {
    MessageDigest sha1 = digest("SHA-1");
    sha1.update(("blob " + size + "\0").getBytes(StandardCharsets.US_ASCII));
    byte[] buffer = new byte[64 * 1024];
    try (InputStream in = Files.newInputStream(file)) {
      for (int n; (n = in.read(buffer)) > 0; ) {
        sha1.update(buffer, 0, n);
      }
    }
    return HexFormat.of().formatHex(sha1.digest());
  }

  static String sha256(byte[] content) {
    return HexFormat.of().formatHex(digest("SHA-256").digest(content));
  }

  private static MessageDigest digest(String algorithm) {
    try {
      return MessageDigest.getInstance(algorithm);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(algorithm + " is part of every JDK", e);
    }
  }
}
