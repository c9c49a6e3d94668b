package dev.simpletuner.cloud.server.plugin;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/** Builds plugin jars during the test run: compiled against the SPI, packaged like a third party would. */
public final class TestPlugins {
  private TestPlugins() {
  }

  /**
   * @param sources   fully qualified class name to source text
   * @param services  lines of META-INF/services/dev.simpletuner.cloud.spi.Plugin
   * @param classpath extra jars the sources compile against
   */
  public static Path jar(Path target, Map<String, String> sources, List<String> services, List<Path> classpath) {
    try {
      Path work = Files.createTempDirectory("plugin-src-");
      Path classes = Files.createDirectories(work.resolve("classes"));
      List<String> files = new ArrayList<>();
      for (Map.Entry<String, String> source : sources.entrySet()) {
        Path file = work.resolve("src").resolve(source.getKey().replace('.', '/') + ".java");
        Files.createDirectories(file.getParent());
        Files.writeString(file, source.getValue());
        files.add(file.toString());
      }
      StringBuilder cp = new StringBuilder(System.getProperty("java.class.path"));
      classpath.forEach(p -> cp.append(java.io.File.pathSeparator).append(p));
      JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
      List<String> args = new ArrayList<>(List.of("-d", classes.toString(), "-cp", cp.toString(), "--release", "17"));
      args.addAll(files);
      if (javac.run(null, null, System.err, args.toArray(String[]::new)) != 0) {
        throw new IllegalStateException("plugin sources did not compile");
      }
      Files.createDirectories(target.getParent());
      try (OutputStream out = Files.newOutputStream(target); JarOutputStream jar = new JarOutputStream(out)) {
        try (Stream<Path> walk = Files.walk(classes)) {
          for (Path f : walk.filter(Files::isRegularFile).toList()) {
            jar.putNextEntry(new JarEntry(classes.relativize(f).toString().replace('\\', '/')));
            jar.write(Files.readAllBytes(f));
            jar.closeEntry();
          }
        }
        jar.putNextEntry(new JarEntry("META-INF/services/dev.simpletuner.cloud.spi.Plugin"));
        jar.write((String.join("\n", services) + "\n").getBytes(StandardCharsets.UTF_8));
        jar.closeEntry();
      }
      return target;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The sources of a module directory ({@code src/main/java}), by class name. */
  static Map<String, String> sourcesOf(Path module) {
    Path root = module.resolve("src/main/java");
    Map<String, String> sources = new java.util.LinkedHashMap<>();
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path f : walk.filter(p -> p.toString().endsWith(".java")).toList()) {
        String name = root.relativize(f).toString().replace('/', '.').replaceAll("\\.java$", "");
        sources.put(name, Files.readString(f));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return sources;
  }

  /** A one-provider plugin whose parts are given as code snippets. */
  static Map<String, String> plugin(String pkg, String pluginName, int spiMajor, String providerId, String displayName,
                                    String createBody, String hardwareLabel) {
    String header = "package " + pkg + ";\nimport dev.simpletuner.cloud.spi.*;\nimport io.vertx.core.Future;\n"
        + "import java.util.List;\n";
    return Map.of(
        pkg + ".P", header + "public final class P implements Plugin {\n"
            + "  public String name() { return \"" + pluginName + "\"; }\n"
            + "  public String version() { return \"0.1\"; }\n"
            + "  public int spiMajor() { return " + spiMajor + "; }\n"
            + "  public List<ProviderFactory> providerFactories() { return List.of(new F()); }\n}\n",
        pkg + ".F", header + "public final class F implements ProviderFactory {\n"
            + "  public String id() { return \"" + providerId + "\"; }\n"
            + "  public String displayName() { return " + displayName + "; }\n"
            + "  public Provider create(ProviderContext ctx) { " + createBody + " }\n}\n",
        pkg + ".Q", header + "public final class Q implements Provider {\n"
            + "  public List<HardwareOffer> hardware() { return List.of(new HardwareOffer(\"gpu\", " + hardwareLabel
            + ", 0.0)); }\n"
            + "  public Future<SubmittedJob> submit(JobSpec spec) { return Future.succeededFuture("
            + "new SubmittedJob(spec.jobId(), ProviderStatus.RUNNING, \"gpu\")); }\n"
            + "  public Future<ProviderJobStatus> status(String id) { return Future.succeededFuture("
            + "ProviderJobStatus.of(id, ProviderStatus.RUNNING)); }\n"
            + "  public Future<Void> cancel(String id) { return Future.succeededFuture(); }\n}\n");
  }
}
