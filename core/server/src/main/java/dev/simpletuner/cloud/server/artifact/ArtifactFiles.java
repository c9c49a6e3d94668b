package dev.simpletuner.cloud.server.artifact;

import dev.simpletuner.cloud.server.config.ServerConfig;
import dev.simpletuner.cloud.server.error.AppException;
import dev.simpletuner.cloud.server.error.ErrorCode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.file.FileSystem;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Where artifact files live: {@code <state>/cloud/artifacts/<job id>/<artifact id>.<ext>}, and
 * files being written in {@code .incoming/} (same file system, so the final move is atomic). Ids
 * are checked before they become a path, so no path leaves the folder.
 */
public final class ArtifactFiles {
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9_.-]{1,128}");
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String INCOMING = ".incoming";
  private final Path root;

  public ArtifactFiles(ServerConfig config) {
    this.root = config.cloudDir().resolve("artifacts").toAbsolutePath().normalize();
  }

  /** The artifacts folder (it may not exist yet: it is made with the first artifact). */
  public Path root() {
    return root;
  }

  /** The file of one artifact. */
  public Path file(String jobId, String artifactId, String contentType) {
    checkId("artifact_id", artifactId);
    return inside(jobDir(jobId).resolve(artifactId + "." + extension(contentType)));
  }

  /** The folder of a job's artifacts. */
  public Path jobDir(String jobId) {
    checkId("job_id", jobId);
    return inside(root.resolve(jobId));
  }

  /**
   * Where files are written before they are moved into place. May not exist yet; whoever writes
   * creates it (off the event loop).
   */
  public Path incomingDir() {
    return root.resolve(INCOMING);
  }

  /** Removes the job's folder and everything in it; nothing to do when there is none. */
  public Future<Void> deleteJob(Vertx vertx, String jobId) {
    String dir;
    try {
      dir = jobDir(jobId).toString();
    } catch (AppException e) {
      return Future.failedFuture(e);
    }
    FileSystem fs = vertx.fileSystem();
    return fs.exists(dir).compose(exists -> exists ? fs.deleteRecursive(dir) : Future.succeededFuture());
  }

  /** A new artifact id: {@code art_} and 24 random URL-safe characters (144 bits). */
  public static String newArtifactId() {
    byte[] bytes = new byte[18];
    RANDOM.nextBytes(bytes);
    return "art_" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /** The file name extension for a content type; {@code bin} for types not known here. */
  public static String extension(String contentType) {
    String type = contentType == null ? "" : contentType.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
    return switch (type) {
      case "image/png" -> "png";
      case "image/jpeg", "image/jpg" -> "jpg";
      case "image/webp" -> "webp";
      case "image/gif" -> "gif";
      case "video/mp4" -> "mp4";
      default -> "bin";
    };
  }

  /**
   * Ids become file names: 1 to 128 of {@code A-Z a-z 0-9 _ . -}, no {@code ..}, and no leading dot
   * (so {@code .} or {@code .incoming} can never name a job's folder).
   */
  public static void checkId(String field, String id) {
    if (id == null || !ID.matcher(id).matches() || id.contains("..") || id.startsWith(".")) {
      throw new AppException(ErrorCode.INVALID_INPUT, "The " + field + " must be 1 to 128 letters, digits, '_', '.' "
          + "or '-', not start with '.' and not contain '..'.", new JsonObject().put("field", field));
    }
  }

  private Path inside(Path path) {
    Path normal = path.normalize();
    if (!normal.startsWith(root) || normal.equals(root)) {
      throw new AppException(ErrorCode.INVALID_INPUT, "The path leaves the artifacts folder.");
    }
    return normal;
  }
}
