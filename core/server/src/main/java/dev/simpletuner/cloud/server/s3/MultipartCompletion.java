package dev.simpletuner.cloud.server.s3;

import dev.simpletuner.cloud.server.store.OutputStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.zip.Checksum;

/** Checks a CompleteMultipartUpload request against the received parts and joins them into one file. */
final class MultipartCompletion {
  private static final int BUFFER = 1024 * 1024;
  private final Vertx vertx;
  private final ObjectFiles files;

  MultipartCompletion(Vertx vertx, ObjectFiles files) {
    this.vertx = vertx;
    this.files = files;
  }

  /**
   * The parts to join, in order, and the object's ETag ({@code <md5 of the part MD5s>-<count>}).
   *
   * @param checksum  the upload's checksum, or null
   * @param composite the object's COMPOSITE checksum (known before joining), or null
   * @param declared  the request's own checksum of the object, or null
   */
  record Plan(List<OutputStore.Part> parts, String etag, MultipartChecksum checksum, String composite,
              String declared) {
    /** The parts' checksums in order, when the upload has a checksum; else null. */
    JsonArray partChecksums() {
      if (checksum == null) {
        return null;
      }
      JsonArray out = new JsonArray();
      parts.forEach(p -> out.add(p.checksum()));
      return out;
    }
  }

  /** @param checksum the object's {algorithm, value, type}, or null when its upload had none */
  record Joined(long size, String sha256, JsonObject checksum) {
  }

  /**
   * @param checksum the upload's checksum, or null: then a part listed with its checksum must list
   *                 the one it was received with, and {@code declared} (the request's own checksum of
   *                 the object, or null) must be the composite one
   */
  static Plan check(List<S3Xml.RequestedPart> requested, List<OutputStore.Part> stored, long minPartBytes,
                    MultipartChecksum checksum, String declared) {
    Map<Integer, OutputStore.Part> byNumber = stored.stream()
        .collect(Collectors.toMap(OutputStore.Part::number, Function.identity()));
    List<OutputStore.Part> parts = new ArrayList<>();
    int previous = 0;
    MessageDigest md5 = md5();
    for (S3Xml.RequestedPart r : requested) {
      if (r.number() <= previous) {
        throw new S3Exception(400, "InvalidPartOrder", "The list of parts was not in ascending order. Parts must be "
            + "ordered by part number.");
      }
      previous = r.number();
      OutputStore.Part part = byNumber.get(r.number());
      if (part == null || !part.etag().equalsIgnoreCase(r.etag())) {
        throw invalidPart();
      }
      if (checksum != null) {
        String listed = r.checksums().get(checksum.algorithm());
        // A part may be listed without its checksum (RGW takes that, the suite relies on it), not with another one.
        if (part.checksum() == null || listed != null && !listed.equals(part.checksum())) {
          throw S3Exception.badDigest("checksum of part " + r.number());
        }
      }
      parts.add(part);
      md5.update(HexFormat.of().parseHex(part.etag()));
    }
    for (int i = 0; i < parts.size() - 1; i++) {
      if (parts.get(i).size() < minPartBytes) {
        throw new S3Exception(400, "EntityTooSmall", "Your proposed upload is smaller than the minimum allowed object "
            + "size. Each part must be at least 5 MB in size, except the last part.");
      }
    }
    String composite = checksum == null || !checksum.composite() ? null
        : checksum.composite(parts.stream().map(OutputStore.Part::checksum).toList());
    if (composite != null && declared != null && !declared.strip().equals(composite)) {
      throw S3Exception.badDigest(checksum.wireName() + " checksum");
    }
    return new Plan(parts, HexFormat.of().formatHex(md5.digest()) + "-" + parts.size(), checksum, composite,
        declared);
  }

  /**
   * Joins the parts into {@code target} and hashes the whole object, the two side by side on worker
   * threads. The joined file is on disk when this succeeds. Parts still being written in place are
   * waited for first: nothing may write to the data file once it is the object.
   */
  Future<Joined> join(String uploadId, Plan plan, Path target) {
    return PartSlots.of(vertx).close(uploadId).compose(v -> {
      Future<Long> copied = vertx.executeBlocking(() -> inPlace(plan) ? adopt(uploadId, plan, target)
          : concatenate(uploadId, plan, target), false);
      Checksum crc = plan.checksum() == null || plan.checksum().composite() ? null : plan.checksum().fullObjectCrc();
      Future<String> hashed = vertx.executeBlocking(() -> sha256(uploadId, plan, crc), false);
      return Future.all(copied, hashed).map(all -> new Joined(copied.result(), hashed.result(),
          objectChecksum(plan, crc)));
    });
  }

  /**
   * Whether the upload's data file can be the object: the parts are 1 to N, all of the first one's
   * size but the last (no larger), and those written in place sit where that puts them.
   */
  private static boolean inPlace(Plan plan) {
    List<OutputStore.Part> parts = plan.parts();
    long size = parts.get(0).size();
    boolean any = false;
    for (int i = 0; i < parts.size(); i++) {
      OutputStore.Part part = parts.get(i);
      boolean fits = i == parts.size() - 1 ? part.size() <= size : part.size() == size;
      if (part.number() != i + 1 || !fits || part.offset() != null && part.offset() != i * size) {
        return false;
      }
      any |= part.offset() != null;
    }
    return any;
  }

  /**
   * Makes the data file the object: parts of their own are copied to their places in it, the rest
   * cut off. {@code target} becomes a second name of it, so a complete that fails later can be retried.
   */
  private long adopt(String uploadId, Plan plan, Path target) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER);
    long partSize = plan.parts().get(0).size();
    long size = 0;
    Path data = files.partData(uploadId);
    try (FileChannel out = FileChannel.open(data, StandardOpenOption.WRITE)) {
      for (int i = 0; i < plan.parts().size(); i++) {
        OutputStore.Part part = plan.parts().get(i);
        if (part.offset() == null) {
          try (FileChannel in = open(uploadId, part)) {
            copy(in, 0, part.size(), out, i * partSize, buffer);
          }
        }
        size += part.size();
      }
      if (out.size() < size) {
        throw invalidPart();
      }
      out.truncate(size);
      out.force(true);
    }
    java.nio.file.Files.createLink(target, data);
    return size;
  }

  /** The object's checksum; a FULL_OBJECT one, known only now, must be the one the request gave. */
  private static JsonObject objectChecksum(Plan plan, Checksum crc) {
    MultipartChecksum checksum = plan.checksum();
    if (checksum == null) {
      return null;
    }
    String value = checksum.composite() ? plan.composite() : Checksums.encode(crc);
    if (!checksum.composite() && plan.declared() != null && !plan.declared().strip().equals(value)) {
      throw S3Exception.badDigest(checksum.wireName() + " checksum");
    }
    return checksum.toJson().put("value", value);
  }

  private long concatenate(String uploadId, Plan plan, Path target) throws IOException {
    ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER);
    long size = 0;
    try (FileChannel out = FileChannel.open(target, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      for (OutputStore.Part part : plan.parts()) {
        try (FileChannel in = open(uploadId, part)) {
          size += copy(in, start(part), part.size(), out, size, buffer);
        }
      }
      out.force(true);
    }
    return size;
  }

  /**
   * A part's bytes, checked to be all there: a part acknowledged but lost with the page cache (power
   * loss) must not join silently.
   */
  private FileChannel open(String uploadId, OutputStore.Part part) throws IOException {
    FileChannel in = FileChannel.open(files.bytesOf(uploadId, part), StandardOpenOption.READ);
    if (part.offset() == null ? in.size() != part.size() : in.size() < part.offset() + part.size()) {
      in.close();
      throw invalidPart();
    }
    return in;
  }

  private static long start(OutputStore.Part part) {
    return part.offset() == null ? 0 : part.offset();
  }

  /** A plain read/write loop: on JDK 17 transferTo between files maps them, which costs far more. */
  private static long copy(FileChannel in, long from, long length, FileChannel out, long to, ByteBuffer buffer)
      throws IOException {
    long copied = 0;
    while (copied < length) {
      buffer.clear().limit((int) Math.min(buffer.capacity(), length - copied));
      int read = in.read(buffer, from + copied);
      if (read < 0) {
        throw invalidPart();
      }
      buffer.flip();
      while (buffer.hasRemaining()) {
        copied += out.write(buffer, to + copied);
      }
    }
    return copied;
  }

  /** The whole object's SHA-256, and its CRC into {@code crc} when there is one. */
  private String sha256(String uploadId, Plan plan, Checksum crc) throws IOException, NoSuchAlgorithmException {
    MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
    ByteBuffer buffer = ByteBuffer.allocate(BUFFER);
    for (OutputStore.Part part : plan.parts()) {
      try (FileChannel in = open(uploadId, part)) {
        hash(in, start(part), part.size(), sha256, crc, buffer);
      }
    }
    return HexFormat.of().formatHex(sha256.digest());
  }

  /**
   * What {@link #join} would know of an object that was joined elsewhere (the backing upload of a
   * shared bucket), from a local copy of it; runs on a worker thread.
   */
  Future<Joined> digest(Plan plan, Path file) {
    return vertx.executeBlocking(() -> {
      MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
      Checksum crc = plan.checksum() == null || plan.checksum().composite() ? null : plan.checksum().fullObjectCrc();
      try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
        long size = in.size();
        hash(in, 0, size, sha256, crc, ByteBuffer.allocate(BUFFER));
        return new Joined(size, HexFormat.of().formatHex(sha256.digest()), objectChecksum(plan, crc));
      }
    }, false);
  }

  private static void hash(FileChannel in, long from, long size, MessageDigest sha256, Checksum crc, ByteBuffer buffer)
      throws IOException {
    long done = 0;
    while (done < size) {
      buffer.clear().limit((int) Math.min(buffer.capacity(), size - done));
      int read = in.read(buffer, from + done);
      if (read < 0) {
        throw invalidPart();
      }
      done += read;
      buffer.flip();
      if (crc != null) {
        crc.update(buffer.array(), buffer.arrayOffset() + buffer.position(), buffer.remaining());
      }
      sha256.update(buffer);
    }
  }

  private static S3Exception invalidPart() {
    return new S3Exception(400, "InvalidPart", "One or more of the specified parts could not be found. The part may "
        + "not have been uploaded, or the specified entity tag may not match the part's entity tag.");
  }

  private static MessageDigest md5() {
    try {
      return MessageDigest.getInstance("MD5");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
