package dev.simpletuner.cloud.server.s3;

import dev.simpletuner.cloud.spi.s3.SigV4;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * CopyObject and UploadPartCopy: the {@code x-amz-copy-source} they name, and the copy of (a range
 * of) its file with the digests a received body would have. Runs on a worker thread.
 */
final class ObjectCopy {
  private static final int BUFFER = 1024 * 1024;

  private ObjectCopy() {
  }

  /** The bucket and key of {@code x-amz-copy-source} ({@code [/]bucket/key[?versionId=...]}, URL-encoded). */
  record Source(String bucket, String key) {
  }

  static Source source(String header) {
    String s = header.strip();
    int query = s.indexOf('?');
    if (query >= 0) {
      String version = s.substring(query + 1);
      s = s.substring(0, query);
      if (version.startsWith("versionId=") && !version.equals("versionId=null")) {
        throw new S3Exception(404, "NoSuchVersion", "The specified version does not exist.");
      }
    }
    s = SigV4.percentDecode(s);
    if (s.startsWith("/")) {
      s = s.substring(1);
    }
    int slash = s.indexOf('/');
    if (slash <= 0 || slash == s.length() - 1) {
      throw S3Exception.invalidArgument("Copy Source must mention the source bucket and key: sourcebucket/sourcekey");
    }
    return new Source(s.substring(0, slash), s.substring(slash + 1));
  }

  /** {@code x-amz-copy-source-range: bytes=first-last} within a source of {@code size} bytes, or null. */
  static ByteRange range(String header, long size) {
    if (header == null) {
      return null;
    }
    String h = header.strip();
    int dash = h.indexOf('-');
    try {
      if (!h.startsWith("bytes=") || dash < 0) {
        throw new NumberFormatException();
      }
      long first = Long.parseLong(h.substring(6, dash).strip());
      long last = Long.parseLong(h.substring(dash + 1).strip());
      if (first < 0 || last < first || last >= size) {
        throw new NumberFormatException();
      }
      return new ByteRange(first, last);
    } catch (NumberFormatException e) {
      throw new S3Exception(400, "InvalidRange", "Range specified is not valid for source object of size: " + size);
    }
  }

  /** Copies {@code length} bytes from {@code offset} of {@code from} into {@code to}, forced to disk. */
  static Checksums.Result copy(Path from, long offset, long length, Path to, String algorithm) throws IOException {
    Checksums sums = new Checksums(algorithm, true);
    ByteBuffer buffer = ByteBuffer.allocate(BUFFER);
    try (FileChannel in = FileChannel.open(from, StandardOpenOption.READ);
         FileChannel out = FileChannel.open(to, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
             StandardOpenOption.TRUNCATE_EXISTING)) {
      long position = offset;
      long left = length;
      while (left > 0) {
        buffer.clear().limit((int) Math.min(BUFFER, left));
        int n = in.read(buffer, position);
        if (n < 0) {
          throw new IOException("The source object is shorter than recorded");
        }
        buffer.flip();
        sums.update(buffer);
        while (buffer.hasRemaining()) {
          out.write(buffer);
        }
        position += n;
        left -= n;
      }
      out.force(true);
    }
    return sums.finish();
  }
}
