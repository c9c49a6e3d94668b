package dev.simpletuner.cloud.server.s3;

import dev.simpletuner.cloud.server.store.OutputStore;
import java.nio.file.Path;
import java.util.UUID;

/**
 * Where the storage endpoint keeps things under {@code <state>/cloud_outputs}: objects at
 * {@code <bucket>/<key>}, bodies being received in {@code .incoming/} (same file system, so the
 * final move is atomic), and multipart parts in {@code .multipart/<upload id>/<part number>} or at
 * their place in {@code .multipart/<upload id>/data}. A key
 * that cannot be a file there (a folder marker {@code dir/}, {@code a//b}, or {@code ckpt} beside
 * {@code ckpt/x}) lives in {@code .objects/<random name>}, recorded with the object.
 */
final class ObjectFiles {
  private static final int MAX_KEY_BYTES = 1024;
  private final Path root;

  ObjectFiles(Path root) {
    this.root = root.toAbsolutePath().normalize();
  }

  Path root() {
    return root;
  }

  /** The file of an object; the key must have passed {@link #checkKey}. */
  Path object(String bucket, String key) {
    Path file = root.resolve(bucket).resolve(key).normalize();
    if (!file.startsWith(root.resolve(bucket))) {
      throw S3Exception.accessDenied("The key leaves the bucket.");
    }
    return file;
  }

  /** The file of a key at its natural place, or null when the key cannot be a file there. */
  Path natural(String bucket, String key) {
    for (String segment : key.split("/", -1)) {
      if (segment.isEmpty()) {
        return null;
      }
    }
    return object(bucket, key);
  }

  /** A place for a key that cannot sit at its natural one. */
  Path elsewhere() {
    return root.resolve(".objects").resolve(UUID.randomUUID().toString());
  }

  /** The path recorded with an object: null for its natural place, else relative to the root. */
  String recorded(String bucket, String key, Path file) {
    return file.equals(natural(bucket, key)) ? null : root.relativize(file).toString();
  }

  Path incoming() {
    return root.resolve(".incoming").resolve(UUID.randomUUID().toString());
  }

  Path uploadDir(String uploadId) {
    return root.resolve(".multipart").resolve(uploadId);
  }

  Path part(String uploadId, int number) {
    return uploadDir(uploadId).resolve(String.valueOf(number));
  }

  /** The file that parts written in place share ({@link PartSlots}); no part number can be its name. */
  Path partData(String uploadId) {
    return uploadDir(uploadId).resolve("data");
  }

  /** Where a part's bytes are: its own file, or its range of the upload's data file. */
  Path bytesOf(String uploadId, OutputStore.Part part) {
    return part.offset() == null ? part(uploadId, part.number()) : partData(uploadId);
  }

  /**
   * Keys are names of files to deliveries, so no {@code .} or {@code ..} segments, no backslashes
   * or control characters, at most 1024 bytes. Empty segments are fine (they live elsewhere).
   */
  static void checkKey(String key) {
    if (key.isEmpty() || key.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_KEY_BYTES) {
      throw new S3Exception(400, "KeyTooLongError", "Object keys must be 1 to 1024 bytes long.");
    }
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      if (c < 0x20 || c == 0x7f || c == '\\') {
        throw S3Exception.invalidArgument("Object keys must not contain control characters or backslashes.");
      }
    }
    for (String segment : key.split("/", -1)) {
      if (segment.equals(".") || segment.equals("..")) {
        throw S3Exception.accessDenied("Object keys must be plain relative paths: no '.' or '..' segments.");
      }
    }
  }
}
