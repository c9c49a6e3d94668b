package dev.simpletuner.cloud.server.upload;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;
import java.util.function.LongConsumer;
import net.lingala.zip4j.io.outputstream.ZipOutputStream;
import net.lingala.zip4j.model.ZipParameters;
import net.lingala.zip4j.model.enums.CompressionLevel;
import net.lingala.zip4j.model.enums.CompressionMethod;

/**
 * Streams dataset files into one zip on disk with zip4j: media that is already compressed is
 * stored as it is (compressing it again costs CPU and saves nothing), text is deflated. Memory use
 * is one copy buffer, whatever the dataset size. Blocking: run on a worker thread.
 */
final class ArchiveWriter {
  private static final int BUFFER = 256 * 1024;

  private ArchiveWriter() {
  }

  /**
   * @param progress  called with the bytes read so far, now and then
   * @param cancelled checked between chunks; when it turns true the write stops
   * @return the archive's size in bytes
   */
  static long write(List<DatasetScanner.Entry> entries, Path target, LongConsumer progress,
                    BooleanSupplier cancelled) throws IOException {
    byte[] buffer = new byte[BUFFER];
    long read = 0;
    try (OutputStream file = new BufferedOutputStream(Files.newOutputStream(target), BUFFER);
         ZipOutputStream zip = new ZipOutputStream(file)) {
      for (DatasetScanner.Entry entry : entries) {
        ZipParameters params = new ZipParameters();
        params.setFileNameInZip(entry.name());
        params.setLastModifiedFileTime(Files.getLastModifiedTime(entry.file()).toMillis());
        if (entry.compressed()) {
          params.setCompressionMethod(CompressionMethod.STORE);
          params.setEntrySize(entry.size());
        } else {
          params.setCompressionMethod(CompressionMethod.DEFLATE);
          params.setCompressionLevel(CompressionLevel.FAST);
        }
        zip.putNextEntry(params);
        try (InputStream in = Files.newInputStream(entry.file())) {
          int n;
          while ((n = in.read(buffer)) > 0) {
            zip.write(buffer, 0, n);
            read += n;
            if (cancelled.getAsBoolean()) {
              throw new CancellationException("cancelled");
            }
            progress.accept(read);
          }
        }
        zip.closeEntry();
      }
    }
    return Files.size(target);
  }
}
