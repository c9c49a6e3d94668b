package dev.simpletuner.cloud.server.artifact;

import dev.simpletuner.cloud.server.config.ServerConfig;
import dev.simpletuner.cloud.server.error.AppException;
import dev.simpletuner.cloud.server.error.ErrorCode;
import dev.simpletuner.cloud.server.job.Job;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The output folder a local job's trainer wrote its model into (its {@code file://} output URL,
 * reported by the local provider), read for listing and download. Nothing leaves the folder: a
 * requested path is relative, has no {@code ..}, and neither it nor any folder on its way is a
 * symbolic link; listings skip links too; and a folder that would expose the server's own state is
 * not read (see {@link #permitted}). Every method but {@link #of} blocks (worker threads).
 */
public final class OutputFolder {
  /** A listing stops here: a folder this large is not browsed file by file. */
  public static final int MAX_FILES = 5_000;
  private final Path root;
  private final Path stateDir;
  private final Path jobDir;

  private OutputFolder(Path root, Path stateDir, Path jobDir) {
    this.root = root;
    this.stateDir = stateDir;
    this.jobDir = jobDir;
  }

  /** One regular file below the folder; {@code path} uses {@code /}. */
  public record Entry(String path, long size, long modifiedAt) {
  }

  /**
   * The folder of a job that ran on this machine's local provider, on this host; empty for any other
   * job (a cloud or worker job's output URL names a place elsewhere).
   */
  public static Optional<OutputFolder> of(Job job, String hostId, ServerConfig config) {
    String url = job.outputUrl();
    if (!"local".equals(job.provider()) || url == null || !url.startsWith("file:")
        || job.hostId() != null && !job.hostId().equals(hostId)) {
      return Optional.empty();
    }
    try {
      return Optional.of(new OutputFolder(Path.of(URI.create(url)).toAbsolutePath().normalize(), config.stateDir(),
          config.providersDir().resolve("local").resolve("jobs").resolve(job.jobId())));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  /**
   * Whether the folder may be read at all. A config's {@code --output_dir} may name any folder; the
   * server's state (its database, its secret key, other jobs' files) is never served through it:
   * inside the state folder only the job's own work folder counts, and a folder holding the state
   * folder (say "/" or a home) is refused. Real paths, so a link cannot dress one up as the other.
   */
  private boolean permitted() {
    try {
      Path real = root.toRealPath();
      Path state = stateDir.toRealPath();
      if (real.startsWith(state)) {
        return Files.isDirectory(jobDir) && real.startsWith(jobDir.toRealPath());
      }
      return !state.startsWith(real);
    } catch (IOException e) {
      return false;
    }
  }

  public Path root() {
    return root;
  }

  /** The regular files below the folder, sorted by path (at most {@link #MAX_FILES}); none when it is gone. */
  public List<Entry> list() {
    if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS) || !permitted()) {
      return List.of();
    }
    List<Entry> out = new ArrayList<>();
    // Files.walk does not follow links: a linked folder is one (skipped) entry, never descended.
    try (Stream<Path> walk = Files.walk(root)) {
      walk.filter(p -> !p.equals(root)).sorted().forEachOrdered(p -> {
        if (out.size() >= MAX_FILES) {
          return;
        }
        try {
          BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
          if (a.isRegularFile()) {
            out.add(new Entry(root.relativize(p).toString().replace('\\', '/'), a.size(),
                a.lastModifiedTime().toMillis()));
          }
        } catch (IOException e) {
          // gone or unreadable since the walk saw it: not listed
        }
      });
    } catch (IOException | UncheckedIOException e) {
      return out; // the trainer is still writing, or the folder went away mid-walk: what was seen
    }
    return out;
  }

  /** The file at {@code path} below the folder; NOT_FOUND for anything else (also for links). */
  public Entry file(String path) {
    Path p = resolve(path);
    if (!permitted()) {
      throw missing(path);
    }
    try {
      BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      if (a.isRegularFile() && noLinkOnTheWay(p)) {
        return new Entry(path, a.size(), a.lastModifiedTime().toMillis());
      }
    } catch (NoSuchFileException e) {
      // answered below
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    throw missing(path);
  }

  /** Where {@code path} (as {@link #file} accepted it) lies on disk. */
  public Path pathOf(Entry entry) {
    return resolve(entry.path());
  }

  private Path resolve(String path) {
    if (path == null || path.isEmpty() || path.startsWith("/") || path.contains("\\") || path.indexOf('\0') >= 0) {
      throw missing(path);
    }
    for (String part : path.split("/", -1)) {
      if (part.isEmpty() || part.equals(".") || part.equals("..")) {
        throw missing(path);
      }
    }
    Path p = root.resolve(path).normalize();
    if (!p.startsWith(root) || p.equals(root)) {
      throw missing(path);
    }
    return p;
  }

  /** Whether every folder between the root and {@code p} is a real folder, not a link. */
  private boolean noLinkOnTheWay(Path p) {
    for (Path dir = p.getParent(); dir != null && !dir.equals(root); dir = dir.getParent()) {
      if (Files.isSymbolicLink(dir)) {
        return false;
      }
    }
    return !Files.isSymbolicLink(root);
  }

  private static AppException missing(String path) {
    return new AppException(ErrorCode.NOT_FOUND, "The job's output folder has no file '" + path + "'.",
        new JsonObject().put("field", "path"));
  }
}
