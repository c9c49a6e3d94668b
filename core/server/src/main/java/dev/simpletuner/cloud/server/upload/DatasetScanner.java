package dev.simpletuner.cloud.server.upload;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Looks at the local datasets of a dataloader config before anything is packaged: what would be
 * uploaded, how big, and what must not be (system directories, secrets, links out of the
 * dataset: {@link DatasetRules}). Blocking file I/O: run it on a worker thread.
 */
public final class DatasetScanner {
  /** Media that is already compressed: stored in the archive as it is. */
  static final Set<String> COMPRESSED = Set.of("jpg", "jpeg", "png", "webp", "gif", "avif", "heic", "mp4", "mov",
      "webm", "mkv", "avi", "zip", "gz", "safetensors", "npz");
  static final Set<String> IMAGES = Set.of("jpg", "jpeg", "png", "webp", "gif", "bmp", "tif", "tiff", "avif", "heic",
      "jxl");
  static final Set<String> VIDEOS = Set.of("mp4", "mov", "webm", "mkv", "avi");
  static final Set<String> CAPTIONS = Set.of("txt", "caption", "json", "jsonl", "csv");
  /** Estimated deflate ratio of captions and other text. */
  private static final double TEXT_RATIO = 0.45;
  /** Zip local header + central directory entry, roughly, plus the name. */
  private static final int ENTRY_OVERHEAD = 110;

  /** What a summary says when the trainer reads the datasets from this server instead of an upload. */
  public static final String SERVED_NOTE = "Nothing is uploaded before the job starts: its trainer reads these files "
      + "from this server's storage endpoint as it runs, so keep the server and its public URL up until it ends.";

  private DatasetScanner() {
  }

  /** One file that would go into the archive. */
  public record Entry(Path file, String name, long size, boolean compressed) {
  }

  /** What a scan found: the summary the API shows, and the files to package. */
  public record Scan(JsonObject summary, List<Entry> entries, boolean ok) {
  }

  /** Whether a dataset entry points at local files that must travel with a cloud job. */
  public static boolean isLocal(JsonObject dataset) {
    String type = dataset.getString("type", "local");
    return "local".equals(type) && dataset.getValue("instance_data_dir") instanceof String dir && !dir.isBlank();
  }

  public static Scan scan(JsonArray dataloader, long limitBytes) {
    JsonArray datasets = new JsonArray();
    List<Entry> entries = new ArrayList<>();
    JsonArray errors = new JsonArray();
    JsonArray warnings = new JsonArray();
    long files = 0;
    long bytes = 0;
    long estimate = 22;
    for (Object item : dataloader) {
      if (!(item instanceof JsonObject dataset) || !isLocal(dataset)) {
        continue;
      }
      DatasetSummary s = scanOne(dataset.getString("id"), dataset.getString("instance_data_dir"),
          dataset.getString("caption_strategy"));
      datasets.add(s.toJson());
      s.errors.forEach(e -> errors.add("Dataset '" + s.id + "': " + e));
      s.warnings.forEach(w -> warnings.add("Dataset '" + s.id + "': " + w));
      entries.addAll(s.entries);
      files += s.entries.size();
      bytes += s.bytes;
      estimate += s.estimate;
    }
    if (limitBytes > 0 && estimate > limitBytes) {
      errors.add(String.format(Locale.ROOT, "The archive would be about %.1f MiB, over the provider's %.0f MiB "
          + "upload limit. Use fewer or smaller files, or a remote dataset.", estimate / 1048576.0,
          limitBytes / 1048576.0));
    }
    JsonObject summary = new JsonObject()
        .put("requires_upload", !entries.isEmpty())
        .put("datasets", datasets)
        .put("total_files", files)
        .put("total_bytes", bytes)
        .put("total_size_mb", Math.round(bytes / 1048576.0 * 100) / 100.0)
        .put("archive_estimate_bytes", entries.isEmpty() ? 0 : estimate)
        .put("upload_limit_bytes", limitBytes > 0 ? limitBytes : null)
        .put("warnings", warnings)
        .put("errors", errors);
    return new Scan(summary, entries, errors.isEmpty());
  }

  private static final class DatasetSummary {
    final String id;
    final String path;
    final List<Entry> entries = new ArrayList<>();
    final List<String> errors = new ArrayList<>();
    final List<String> warnings = new ArrayList<>();
    long bytes;
    long estimate;
    int images;
    int videos;
    int captions;
    int hidden;
    int sensitiveDirs;

    DatasetSummary(String id, String path) {
      this.id = id;
      this.path = path;
    }

    JsonObject toJson() {
      return new JsonObject().put("id", id).put("instance_data_dir", path).put("file_count", entries.size())
          .put("total_bytes", bytes).put("total_size_mb", Math.round(bytes / 1048576.0 * 100) / 100.0)
          .put("images", images).put("videos", videos).put("captions", captions).put("skipped_hidden", hidden)
          .put("archive_estimate_bytes", estimate).put("errors", new JsonArray(errors))
          .put("warnings", new JsonArray(warnings));
    }
  }

  private static DatasetSummary scanOne(String id, String dir, String captionStrategy) {
    DatasetSummary s = new DatasetSummary(id, dir);
    DatasetRules.Root root = DatasetRules.root(dir);
    if (!root.ok()) {
      s.errors.add(root.refusal());
      return s;
    }
    Path real = root.real();
    String prefix = (id.replaceAll("[^A-Za-z0-9._-]", "_")) + "/";
    try {
      Files.walkFileTree(real, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) {
          if (!d.equals(real) && DatasetRules.skipsFolder(d)) {
            s.hidden++;
            if (DatasetRules.isSensitiveFolder(d)) {
              s.sensitiveDirs++;
            }
            return FileVisitResult.SKIP_SUBTREE;
          }
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
          String name = file.getFileName().toString();
          String rel = real.relativize(file).toString();
          DatasetRules.FileCheck check = DatasetRules.file(real, file, attrs);
          if (check.verdict() != DatasetRules.Verdict.INCLUDED) {
            noteLeftOut(s, check, rel);
            return FileVisitResult.CONTINUE;
          }
          Path target = check.target();
          long size = Files.size(target);
          String extension = ext(name);
          boolean compressed = COMPRESSED.contains(extension);
          s.entries.add(new Entry(target, prefix + rel.replace('\\', '/'), size, compressed));
          s.bytes += size;
          s.estimate += ENTRY_OVERHEAD + 2L * (prefix.length() + rel.length())
              + (compressed ? size : (long) Math.ceil(size * TEXT_RATIO));
          if (IMAGES.contains(extension)) {
            s.images++;
          } else if (VIDEOS.contains(extension)) {
            s.videos++;
          } else if (CAPTIONS.contains(extension)) {
            s.captions++;
          }
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFileFailed(Path file, IOException e) {
          s.errors.add("cannot read " + real.relativize(file) + ": " + e.getMessage());
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException e) {
      s.errors.add("cannot scan " + dir + ": " + e.getMessage());
    }
    if (s.entries.isEmpty() && s.errors.isEmpty()) {
      s.warnings.add("the directory " + dir + " has no files to upload.");
    }
    if ("textfile".equals(captionStrategy) && s.images + s.videos > 0 && s.captions < s.images + s.videos) {
      s.warnings.add((s.images + s.videos - s.captions) + " image/video file(s) have no caption file "
          + "(caption_strategy textfile).");
    }
    if (s.hidden > 0) {
      s.warnings.add(s.hidden + " hidden file(s) or folder(s) are left out.");
    }
    return s;
  }

  private static void noteLeftOut(DatasetSummary s, DatasetRules.FileCheck check, String rel) {
    switch (check.verdict()) {
      case SECRET -> s.errors.add("it contains " + rel + ", which looks like a secret; move it out of the dataset.");
      case HIDDEN -> s.hidden++;
      case BROKEN_LINK -> s.errors.add("the link " + rel + " is broken.");
      case LINK_OUTSIDE -> s.errors.add("the link " + rel + " points outside the dataset (" + check.target() + ").");
      case UNREADABLE -> s.errors.add("the file " + rel + " cannot be read by the server.");
      default -> {
        // not a file (a folder link, a device): nothing to say
      }
    }
  }

  static String ext(String name) {
    int dot = name.lastIndexOf('.');
    return dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
  }

}
