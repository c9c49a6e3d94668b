package dev.simpletuner.cloud.server.replicate;

import java.io.IOException;
import java.nio.file.Path;

/** Test datasets for other test packages. */
public final class DatasetsAccess {
  private DatasetsAccess() {
  }

  public static Path images(Path dir, int count, int size) throws IOException {
    return Datasets.images(dir, count, size);
  }
}
