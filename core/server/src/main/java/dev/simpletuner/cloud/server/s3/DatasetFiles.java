package dev.simpletuner.cloud.server.s3;

import dev.simpletuner.cloud.server.store.OutputStore;
import dev.simpletuner.cloud.server.upload.DatasetRules;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeMap;

/**
 * The objects of a dataset bucket: the files of the dataset's folder that packaging would take
 * ({@link DatasetRules}), with what the trainer wrote to the bucket's scratch area over them. Keys
 * are paths below the folder, with {@code /}. Blocking file I/O: call it on a worker thread.
 */
final class DatasetFiles {
  private DatasetFiles() {
  }

  /** One object: the file with its bytes, and what clients are told about it. */
  record Found(Path file, long size, long modifiedAt, String etag, boolean scratch) {
  }

  /** Every object of the bucket, in key order; empty when the dataset's folder is gone or refused. */
  static List<OutputStore.Output> list(DatasetBuckets.Served served, Path scratch) {
    TreeMap<String, OutputStore.Output> all = new TreeMap<>();
    DatasetRules.Root root = DatasetRules.root(served.dir());
    if (root.ok()) {
      walk(root.real(), true, (key, found) -> all.put(key, output(served, key, found)));
    }
    if (Files.isDirectory(scratch, LinkOption.NOFOLLOW_LINKS)) {
      walk(scratch, false, (key, found) -> all.put(key, output(served, key, found)));
    }
    return List.copyOf(all.values());
  }

  /** The object at {@code key} (which passed {@link ObjectFiles#checkKey}): the trainer's own first, or null. */
  static Found find(DatasetBuckets.Served served, Path scratch, String key) {
    Found written = inScratch(scratch, key);
    return written != null ? written : inDataset(served, key);
  }

  /** What the trainer wrote at {@code key}, or null. */
  static Found inScratch(Path scratch, String key) {
    Path file = scratch.resolve(key);
    BasicFileAttributes a = attributes(file);
    return a != null && a.isRegularFile() ? found(key, file, a, false) : null;
  }

  /**
   * The dataset's own file at {@code key}, if the listing would show it: no hidden folder on the way,
   * no linked folder (the walk does not follow them either), and the file passes {@link DatasetRules#file}.
   */
  static Found inDataset(DatasetBuckets.Served served, String key) {
    DatasetRules.Root root = DatasetRules.root(served.dir());
    if (!root.ok()) {
      return null;
    }
    Path at = root.real();
    String[] segments = key.split("/");
    for (int i = 0; i < segments.length - 1; i++) {
      at = at.resolve(segments[i]);
      BasicFileAttributes a = attributes(at);
      if (a == null || !a.isDirectory() || DatasetRules.skipsFolder(at)) {
        return null;
      }
    }
    Path file = at.resolve(segments[segments.length - 1]);
    BasicFileAttributes a = attributes(file);
    if (a == null) {
      return null;
    }
    DatasetRules.FileCheck check = DatasetRules.file(root.real(), file, a);
    if (check.verdict() != DatasetRules.Verdict.INCLUDED) {
      return null;
    }
    BasicFileAttributes target = check.target().equals(file) ? a : attributes(check.target());
    return target == null ? null : found(key, check.target(), target, true);
  }

  private interface Visitor {
    void visit(String key, Found found);
  }

  /** Visits the files below {@code top}: with {@code dataset}, only those the dataset rules take. */
  private static void walk(Path top, boolean dataset, Visitor visitor) {
    try {
      Files.walkFileTree(top, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
          return dataset && !dir.equals(top) && DatasetRules.skipsFolder(dir) ? FileVisitResult.SKIP_SUBTREE
              : FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
          String key = key(top, file);
          if (key == null) {
            return FileVisitResult.CONTINUE;
          }
          if (!dataset) {
            if (attrs.isRegularFile()) {
              visitor.visit(key, found(key, file, attrs, false));
            }
            return FileVisitResult.CONTINUE;
          }
          DatasetRules.FileCheck check = DatasetRules.file(top, file, attrs);
          if (check.verdict() == DatasetRules.Verdict.INCLUDED) {
            BasicFileAttributes target = check.target().equals(file) ? attrs : attributes(check.target());
            if (target != null) {
              visitor.visit(key, found(key, check.target(), target, true));
            }
          }
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFileFailed(Path file, IOException e) {
          return FileVisitResult.CONTINUE; // unreadable, or gone since the folder was read: not listed
        }
      });
    } catch (IOException e) {
      // The folder vanished under the walk: list what was found.
    }
  }

  /** The key of a file below {@code top}, or null when no request could name it (see {@link ObjectFiles#checkKey}). */
  private static String key(Path top, Path file) {
    StringBuilder key = new StringBuilder();
    for (Path part : top.relativize(file)) {
      if (!key.isEmpty()) {
        key.append('/');
      }
      key.append(part);
    }
    try {
      ObjectFiles.checkKey(key.toString());
      return key.toString();
    } catch (S3Exception e) {
      return null;
    }
  }

  private static Found found(String key, Path file, BasicFileAttributes a, boolean dataset) {
    long modified = a.lastModifiedTime().toMillis();
    return new Found(file, a.size(), modified, etag(dataset ? "dataset" : "scratch", key, a.size(), modified),
        !dataset);
  }

  private static OutputStore.Output output(DatasetBuckets.Served served, String key, Found f) {
    return new OutputStore.Output(served.bucket(), key, served.jobId(), f.size(), f.etag(), null, null, null,
        f.modifiedAt());
  }

  /**
   * A stable ETag from where the object is, its size and modification time. Not the MD5 of the
   * bytes S3 would give: reading every image of a dataset for each listing would take far too long.
   * It changes whenever the file does, which is what clients rely on.
   */
  static String etag(String layer, String key, long size, long modifiedAt) {
    try {
      byte[] identity = (layer + "\n" + key + "\n" + size + "\n" + modifiedAt).getBytes(StandardCharsets.UTF_8);
      return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(identity));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static BasicFileAttributes attributes(Path file) {
    try {
      return Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (IOException e) {
      return null;
    }
  }
}
