package dev.simpletuner.cloud.server;

import dev.simpletuner.cloud.server.config.ConfigException;
import dev.simpletuner.cloud.server.config.ServerConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.HexFormat;

/** Prepares the state directory and the identity of this host. Runs once, before Vert.x starts. */
final class StateDir {
  private StateDir() {
  }

  static void prepare(ServerConfig config) {
    try {
      boolean fresh = !Files.exists(config.stateDir());
      Files.createDirectories(config.stateDir());
      if (fresh && posix()) {
        // Secrets and the database live here: owner only.
        Files.setPosixFilePermissions(config.stateDir(), PosixFilePermissions.fromString("rwx------"));
      }
      for (Path dir : new Path[] {config.cloudDir(), config.outputsDir(), config.providersDir()}) {
        Files.createDirectories(dir);
      }
    } catch (IOException e) {
      throw new ConfigException("Cannot create the state directory " + config.stateDir() + ": " + e.getMessage()
          + ". Set SIMPLETUNER_STATE_DIR or --state-dir to a writable directory.", e);
    }
  }

  /** A stable id for this host and state directory, created on first start. */
  static String hostId(ServerConfig config) {
    Path file = config.stateDir().resolve("host_id");
    try {
      if (Files.exists(file)) {
        String id = Files.readString(file).strip();
        if (!id.isEmpty()) {
          return id;
        }
      }
      String host;
      try {
        host = InetAddress.getLocalHost().getHostName().replaceAll("[^A-Za-z0-9.-]", "");
      } catch (IOException e) {
        host = "host";
      }
      byte[] random = new byte[4];
      new SecureRandom().nextBytes(random);
      String id = (host.isEmpty() ? "host" : host) + "-" + HexFormat.of().formatHex(random);
      Files.writeString(file, id + "\n");
      return id;
    } catch (IOException e) {
      throw new ConfigException("Cannot write " + file + ": " + e.getMessage(), e);
    }
  }

  private static boolean posix() {
    return FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
  }
}
