package dev.simpletuner.cloud.server.s3;

import io.vertx.core.Vertx;
import io.vertx.core.shareddata.Shareable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The scratch areas that cloud trainers' writes to dataset buckets land in, and how much of its
 * allowance each job uses. The usage is counted from disk once, then kept up to date by the writes
 * and deletes themselves (walking the area on every write would cost a walk per cache file). One
 * instance per Vert.x instance, shared by all HTTP verticles, so that a job's concurrent writes see
 * one another. Every method blocks (file I/O under the job's lock): call them on worker threads.
 */
final class ScratchSpace implements Shareable {
  private final Map<Path, Usage> jobs = new ConcurrentHashMap<>();

  static ScratchSpace of(Vertx vertx) {
    return vertx.sharedData().<String, ScratchSpace>getLocalMap("storage.dataset-scratch")
        .computeIfAbsent("space", k -> new ScratchSpace());
  }

  /** One job's bytes on disk ({@code -1} until counted) and the bytes set aside for writes under way. */
  private static final class Usage {
    long stored = -1;
    long reserved;
  }

  /**
   * Sets aside room for a write of {@code bytes} ({@code -1}: not declared, so all that is left) to
   * {@code target}; an object it replaces does not count against it. Returns the bytes set aside:
   * the most the body may be. Give them back with {@link #commit} or {@link #release}.
   */
  long reserve(Path jobDir, Path target, long bytes, long limit) {
    Usage u = jobs.computeIfAbsent(jobDir, k -> new Usage());
    synchronized (u) {
      if (u.stored < 0) {
        u.stored = treeSize(jobDir);
      }
      long free = limit - u.stored - u.reserved + fileSize(target);
      if (bytes < 0 ? free <= 0 : bytes > free) {
        throw overAllowance(limit);
      }
      long held = bytes < 0 ? free : bytes;
      u.reserved += held;
      return held;
    }
  }

  static S3Exception overAllowance(long limit) {
    return new S3Exception(400, "EntityTooLarge", "This write would take the job's dataset scratch space (what the "
        + "trainer writes beside its datasets) over its limit of " + limit / (1024 * 1024) + " MiB; "
        + "storage.dataset_scratch_mb in the server's config raises it.");
  }

  /** Moves a received body into place as {@code target} and gives back what was set aside for it. */
  void commit(Path jobDir, Path received, Path target, long held) {
    Usage u = jobs.computeIfAbsent(jobDir, k -> new Usage());
    synchronized (u) {
      try {
        Files.createDirectories(target.getParent());
        long replaced = fileSize(target);
        Files.move(received, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        if (u.stored >= 0) {
          u.stored += Files.size(target) - replaced;
        }
      } catch (IOException e) {
        throw new S3Exception(409, "InvalidArgument", "The key conflicts with an existing object or folder of the "
            + "same name.");
      } finally {
        u.reserved -= held;
      }
    }
  }

  /** Gives back room set aside for a write that failed. */
  void release(Path jobDir, long held) {
    Usage u = jobs.computeIfAbsent(jobDir, k -> new Usage());
    synchronized (u) {
      u.reserved -= held;
    }
  }

  /** Deletes a scratch object; false when there is none at {@code target}. */
  boolean delete(Path jobDir, Path target) {
    Usage u = jobs.computeIfAbsent(jobDir, k -> new Usage());
    synchronized (u) {
      long size = fileSize(target);
      try {
        if (!Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS) || !Files.deleteIfExists(target)) {
          return false;
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      if (u.stored >= 0) {
        u.stored -= size;
      }
      // Folders left empty would otherwise stand in the way of an object of the same name.
      for (Path dir = target.getParent(); dir != null && dir.startsWith(jobDir) && !dir.equals(jobDir);
           dir = dir.getParent()) {
        try {
          Files.delete(dir);
        } catch (IOException e) {
          break; // not empty (or gone): the folders above are not empty either
        }
      }
      return true;
    }
  }

  /** Removes a job's whole scratch area and forgets its usage. */
  void deleteAll(Path jobDir) {
    Usage u = jobs.computeIfAbsent(jobDir, k -> new Usage());
    synchronized (u) {
      if (Files.exists(jobDir, LinkOption.NOFOLLOW_LINKS)) {
        try (Stream<Path> walk = Files.walk(jobDir)) {
          for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
            Files.deleteIfExists(p);
          }
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
      jobs.remove(jobDir);
    }
  }

  private static long treeSize(Path dir) {
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      return 0;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      return walk.mapToLong(ScratchSpace::fileSize).sum();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static long fileSize(Path file) {
    try {
      BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      return a.isRegularFile() ? a.size() : 0;
    } catch (IOException e) {
      return 0;
    }
  }
}
