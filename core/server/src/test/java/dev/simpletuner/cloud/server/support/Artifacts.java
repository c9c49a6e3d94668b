package dev.simpletuner.cloud.server.support;

import dev.simpletuner.cloud.server.ServerContext;
import dev.simpletuner.cloud.server.artifact.ArtifactFiles;
import dev.simpletuner.cloud.server.store.ArtifactStore;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import javax.imageio.ImageIO;

/**
 * Puts artifacts in place on a running server the way its writer does: the file written in the
 * incoming folder and moved into place, then its record added to the real store.
 */
public final class Artifacts {
  private Artifacts() {
  }

  public static ArtifactStore.Artifact record(ServerContext ctx, String jobId, Long step, String label, String prompt,
                                              String contentType, byte[] bytes, long createdAt) {
    ArtifactFiles files = new ArtifactFiles(ctx.config());
    String id = ArtifactFiles.newArtifactId();
    try {
      Files.createDirectories(files.incomingDir());
      Path incoming = Files.write(files.incomingDir().resolve(id), bytes);
      Path target = files.file(jobId, id, contentType);
      Files.createDirectories(target.getParent());
      Files.move(incoming, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    ArtifactStore.Artifact a = new ArtifactStore.Artifact(id, jobId, ArtifactStore.VALIDATION_IMAGE, step, label,
        prompt, contentType, bytes.length, sha256(bytes), createdAt);
    ctx.store().artifacts().add(a).await();
    return a;
  }

  /** A real PNG of one colour. */
  public static byte[] png(int width, int height, Color color) {
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    var g = image.createGraphics();
    g.setColor(color);
    g.fillRect(0, 0, width, height);
    g.dispose();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      ImageIO.write(image, "png", out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  public static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
