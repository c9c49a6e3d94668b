package dev.simpletuner.cloud.server.upload;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * What of a local dataset folder may leave the machine: which folders may be one at all (no system
 * directories, homes or roots, nothing inside .ssh and the like), and which files below it (no
 * hidden files or folders, nothing that looks like a secret, no links out of the folder). Packaging
 * ({@link DatasetScanner}) and serving datasets to cloud trainers apply the same rules. Blocking
 * file I/O: call it on a worker thread.
 */
public final class DatasetRules {
  private static final Set<String> SECRET_NAMES = Set.of(".env", "id_rsa", "id_ed25519", "id_ecdsa", "id_dsa",
      ".netrc", ".npmrc", ".pypirc", "credentials", ".htpasswd");
  private static final Set<String> SECRET_EXTENSIONS = Set.of("env", "pem", "key", "crt", "p12", "pfx", "jks",
      "keystore", "ovpn", "kdbx");
  private static final Set<String> SENSITIVE_DIRS = Set.of(".git", ".ssh", ".gnupg", ".aws", ".azure", ".config",
      ".kube", ".docker", "__pycache__", "node_modules", ".venv", "venv");
  private static final List<String> SYSTEM_ROOTS = List.of("/etc", "/var", "/usr", "/bin", "/sbin", "/lib", "/lib32",
      "/lib64", "/boot", "/dev", "/proc", "/sys", "/run", "/snap", "/private/etc", "/private/var", "/System",
      "/Library");

  private DatasetRules() {
  }

  /** A dataset folder: its real path when it may be used, or why not (a sentence about {@code dir}). */
  public record Root(Path real, String refusal) {
    public boolean ok() {
      return refusal == null;
    }
  }

  public static Root root(String dir) {
    Path root = Path.of(dir).toAbsolutePath().normalize();
    if (!Files.exists(root)) {
      return refused("the directory " + dir + " does not exist.");
    }
    if (!Files.isDirectory(root)) {
      return refused(dir + " is not a directory.");
    }
    if (!Files.isReadable(root)) {
      return refused("the directory " + dir + " cannot be read by the server.");
    }
    Path real;
    try {
      real = root.toRealPath();
    } catch (IOException e) {
      return refused("cannot resolve " + dir + ": " + e.getMessage());
    }
    String home = System.getProperty("user.home", "");
    for (String system : SYSTEM_ROOTS) {
      if ((real.toString().equals(system) || real.startsWith(system + "/")) && !(home.length() > 1
          && real.startsWith(home))) {
        return refused(dir + " is inside the system directory " + system + "; refusing to upload it.");
      }
    }
    if (real.getNameCount() == 0 || real.equals(Path.of(home))) {
      return refused(dir + " is a root or home directory; point instance_data_dir at the dataset itself.");
    }
    for (Path part : real) {
      if (SENSITIVE_DIRS.contains(part.toString())) {
        return refused(dir + " is inside a " + part + " directory; refusing to upload it.");
      }
    }
    return new Root(real, null);
  }

  private static Root refused(String why) {
    return new Root(null, why);
  }

  /** Whether a folder below the dataset's root is left out with everything in it (hidden folders). */
  public static boolean skipsFolder(Path folder) {
    return folder.getFileName().toString().startsWith(".");
  }

  /** Whether a left-out folder is one that often holds secrets or tooling (worth a count of its own). */
  public static boolean isSensitiveFolder(Path folder) {
    return SENSITIVE_DIRS.contains(folder.getFileName().toString());
  }

  /** What becomes of one file found below the root. */
  public enum Verdict {
    /** It goes: {@link FileCheck#target} is the file to read (a link's target). */
    INCLUDED,
    /** A hidden file: left out. */
    HIDDEN,
    /** It looks like a secret (a key, an .env file): never leaves, and packaging refuses the dataset. */
    SECRET,
    BROKEN_LINK,
    /** A link to something outside the dataset's folder. */
    LINK_OUTSIDE,
    /** A folder link, a device, a pipe: nothing to send. */
    NOT_A_FILE,
    UNREADABLE
  }

  /** The verdict on a file, and the file to read when it is included. */
  public record FileCheck(Verdict verdict, Path target) {
  }

  /**
   * @param real  the dataset's real root ({@link Root#real})
   * @param file  a file below it, as found (not resolved)
   * @param attrs its attributes, links not followed
   */
  public static FileCheck file(Path real, Path file, BasicFileAttributes attrs) {
    String name = file.getFileName().toString();
    if (SECRET_NAMES.contains(name.toLowerCase(Locale.ROOT)) || SECRET_EXTENSIONS.contains(DatasetScanner.ext(name))) {
      return new FileCheck(Verdict.SECRET, null);
    }
    if (name.startsWith(".")) {
      return new FileCheck(Verdict.HIDDEN, null);
    }
    Path target = file;
    if (attrs.isSymbolicLink()) {
      try {
        target = file.toRealPath();
      } catch (IOException e) {
        return new FileCheck(Verdict.BROKEN_LINK, null);
      }
      if (!target.startsWith(real)) {
        return new FileCheck(Verdict.LINK_OUTSIDE, target);
      }
      if (!Files.isRegularFile(target)) {
        return new FileCheck(Verdict.NOT_A_FILE, null);
      }
    } else if (!attrs.isRegularFile()) {
      return new FileCheck(Verdict.NOT_A_FILE, null);
    }
    if (!Files.isReadable(target)) {
      return new FileCheck(Verdict.UNREADABLE, null);
    }
    return new FileCheck(Verdict.INCLUDED, target);
  }
}
