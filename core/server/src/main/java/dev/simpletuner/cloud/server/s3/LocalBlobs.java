package dev.simpletuner.cloud.server.s3;

import dev.simpletuner.cloud.server.store.OutputStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/** Objects as files under {@code <state>/cloud_outputs} ({@link ObjectFiles}); the default. */
final class LocalBlobs implements ObjectBlobs {
  private final Vertx vertx;
  private final ObjectFiles files;

  LocalBlobs(Vertx vertx, ObjectFiles files) {
    this.vertx = vertx;
    this.files = files;
  }

  @Override
  public Future<String> keep(String bucket, String key, Path received, String sha256) {
    return vertx.executeBlocking(() -> files.recorded(bucket, key, place(bucket, key, received)), false);
  }

  /** Moves {@code temp} to the key's natural file, or elsewhere when it cannot be there; blocking. */
  private Path place(String bucket, String key, Path temp) throws IOException {
    Path natural = files.natural(bucket, key);
    if (natural != null) {
      try {
        Files.createDirectories(natural.getParent());
        Files.move(temp, natural, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return natural;
      } catch (IOException e) {
        // a file where a folder of the key would be, or a folder where its file would be
      }
    }
    Path elsewhere = files.elsewhere();
    Files.createDirectories(elsewhere.getParent());
    Files.move(temp, elsewhere, StandardCopyOption.ATOMIC_MOVE);
    return elsewhere;
  }

  @Override
  public Future<Incoming> incoming(long length) {
    return Future.succeededFuture(); // received into a file of .incoming, then moved into place
  }

  @Override
  public Future<Void> delete(OutputStore.Output o) {
    return vertx.fileSystem().delete(o.file(files.root()).toString()).recover(e -> Future.succeededFuture());
  }

  @Override
  public Future<Void> deleteBlobs(List<String> filePaths) {
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> send(HttpServerResponse response, OutputStore.Output o, long offset, long length,
                           boolean zeroCopy) {
    return ObjectBody.send(response, o.file(files.root()), offset, length, zeroCopy);
  }

  @Override
  public Future<LocalFile> local(OutputStore.Output o, Path dir) {
    return Future.succeededFuture(new LocalFile(o.file(files.root()), false));
  }

  @Override
  public Future<Void> abandon(List<OutputStore.Upload> uploads) {
    return Future.succeededFuture(); // their parts are files of the upload's directory
  }

  @Override
  public Backing backing() {
    return null;
  }
}
