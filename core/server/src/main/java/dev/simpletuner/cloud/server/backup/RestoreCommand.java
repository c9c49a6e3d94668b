package dev.simpletuner.cloud.server.backup;

import dev.simpletuner.cloud.server.error.AppException;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * {@code java -jar simpletuner-cloud.jar restore <backup folder> --state-dir <new dir>
 * [--database-url <empty db>] [--dry-run]}: a restore with no server running. The passphrase for
 * a sealed key comes from {@code SIMPLETUNER_BACKUP_PASSPHRASE}, never the command line (which
 * other users can see).
 */
public final class RestoreCommand {
  public static final String USAGE = """
      Usage: java -jar simpletuner-cloud.jar restore <backup folder> [options]
        <backup folder>         e.g. ~/.simpletuner/backups/bk_20260101T120000_0a1b2c3d
        --state-dir <dir>       a new or empty state directory (gets the SQLite database, and the key)
        --database-url <url>    an empty PostgreSQL database instead (postgresql://user:pass@host:port/db)
        --dry-run               say what would be restored, change nothing
      SIMPLETUNER_BACKUP_PASSPHRASE opens the encryption key when the backup holds it.
      Exit status: 0 done, 2 refused (bad input, non-empty target: the message says why), 1 failed.
      """;

  private RestoreCommand() {
  }

  /** @return the process's exit status */
  public static int run(List<String> args, Map<String, String> env) {
    Path backup = null;
    Path stateDir = null;
    String databaseUrl = null;
    boolean dryRun = false;
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      switch (a) {
        case "--state-dir" -> stateDir = Path.of(value(args, ++i, a)).toAbsolutePath().normalize();
        case "--database-url" -> databaseUrl = value(args, ++i, a);
        case "--dry-run" -> dryRun = true;
        case "--help", "-h" -> {
          System.out.print(USAGE);
          return 0;
        }
        default -> {
          if (a.startsWith("-") || backup != null) {
            System.err.print("Unknown argument: " + a + "\n" + USAGE);
            return 2;
          }
          backup = Path.of(a).toAbsolutePath().normalize();
        }
      }
    }
    if (backup == null || !Files.isRegularFile(backup.resolve(BackupDir.MANIFEST))) {
      System.err.print((backup == null ? "Name the backup folder." : "No " + BackupDir.MANIFEST + " in " + backup)
          + "\n" + USAGE);
      return 2;
    }
    Vertx vertx = Vertx.vertx();
    try {
      JsonObject result = new Restore(vertx).run(backup, new Restore.Target(stateDir, databaseUrl),
          env.get("SIMPLETUNER_BACKUP_PASSPHRASE"), dryRun).await();
      System.out.println(result.encodePrettily());
      return 0;
    } catch (AppException e) {
      System.err.println(e.getMessage());
      return e.code().httpStatus() < 500 ? 2 : 1;
    } catch (RuntimeException e) {
      System.err.println("The restore failed: " + e.getMessage());
      return 1;
    } finally {
      vertx.close().await();
    }
  }

  private static String value(List<String> args, int i, String option) {
    if (i >= args.size()) {
      throw new IllegalArgumentException("Option " + option + " needs a value.");
    }
    return args.get(i);
  }
}
