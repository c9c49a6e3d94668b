package dev.simpletuner.cloud.provider.local;

import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Starts trainers in their own session (so the whole tree can be signalled at once, and so the
 * trainer outlives a crashed server) and signals them. Blocking methods: call on worker threads.
 */
final class ProcessGroups {
  private static final boolean HAS_SETSID = onPath("setsid");

  private ProcessGroups() {
  }

  /** The command line that runs {@code script} with sh, in a new session when possible. */
  static List<String> command(String script) {
    List<String> cmd = new ArrayList<>();
    if (HAS_SETSID) {
      cmd.add("setsid");
    }
    cmd.add("sh");
    cmd.add(script);
    return cmd;
  }

  /**
   * Sends {@code signal} (TERM or KILL) to the process, its group, and every process it started,
   * also those in sessions of their own: {@code simpletuner train} starts {@code accelerate launch}
   * with {@code os.setsid} (cli/train.py), which a signal to our group does not reach. The tree is
   * taken before signalling and added to {@code known}, because once the leader is gone its
   * children are no longer its descendants.
   */
  static void signal(ProcessHandle leader, Set<ProcessHandle> known, String signal) {
    leader.descendants().forEach(known::add);
    boolean force = "KILL".equals(signal);
    if (!HAS_SETSID || !killGroup(leader.pid(), signal)) {
      destroy(leader, force);
    }
    for (ProcessHandle p : known) {
      if (p.isAlive()) {
        destroy(p, force);
      }
    }
  }

  private static boolean killGroup(long pgid, String signal) {
    try {
      Process kill = new ProcessBuilder("kill", "-s", signal, "--", "-" + pgid)
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .start();
      return kill.waitFor() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static void destroy(ProcessHandle handle, boolean force) {
    if (force) {
      handle.destroyForcibly();
    } else {
      handle.destroy();
    }
  }

  private static boolean onPath(String program) {
    String path = System.getenv("PATH");
    if (path == null) {
      return false;
    }
    for (String dir : path.split(File.pathSeparator)) {
      if (new File(dir, program).canExecute()) {
        return true;
      }
    }
    return false;
  }
}
