package dev.simpletuner.cloud.server.ui;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * axe-core (Deque's accessibility engine, the npm package) run in the page. The package is fetched
 * once with npm's own client into target/axe (no build step, nothing vendored) and injected as a
 * script; {@link #serious} answers the violations of impact serious or critical.
 */
final class Axe {
  static final String VERSION = "4.14.1";
  private static final Path DIR = Path.of("target/axe");
  private static String source;

  private Axe() {
  }

  private static synchronized String source() throws IOException, InterruptedException {
    if (source != null) {
      return source;
    }
    Path script = DIR.resolve("package/axe.min.js");
    if (!Files.exists(script)) {
      Files.createDirectories(DIR);
      run("npm", "pack", "axe-core@" + VERSION, "--silent", "--pack-destination", DIR.toString());
      run("tar", "-xzf", DIR.resolve("axe-core-" + VERSION + ".tgz").toString(), "-C", DIR.toString());
    }
    source = Files.readString(script, StandardCharsets.UTF_8);
    return source;
  }

  private static void run(String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException(String.join(" ", command) + " failed: " + out);
    }
  }

  /** "rule-id (impact): target, target" for every serious or critical violation on the page as it is. */
  @SuppressWarnings("unchecked")
  static List<String> serious(Browser b) throws IOException, InterruptedException {
    b.js(source() + "\n;window.__axeLoaded = true;");
    Object result = ((org.openqa.selenium.JavascriptExecutor) b.driver()).executeAsyncScript(
        "const done = arguments[arguments.length - 1];"
            + "axe.run(document, {resultTypes: ['violations']}).then(r => done(r.violations"
            + ".filter(v => v.impact === 'serious' || v.impact === 'critical')"
            + ".map(v => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '))))"
            + ".catch(e => done(['axe failed: ' + e]));");
    return (List<String>) result;
  }
}
