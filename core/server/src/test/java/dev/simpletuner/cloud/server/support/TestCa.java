package dev.simpletuner.cloud.server.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A certificate authority made for one test with the openssl command, and a server certificate
 * it signed for 127.0.0.1 and localhost: what a corporate CA and its TLS-inspecting proxy or a
 * private endpoint look like to the server.
 *
 * @param caPem     the CA's certificate (what ssl_ca_bundle points at)
 * @param certPem   the server's certificate, signed by the CA
 * @param keyPem    the server's private key (PKCS#8)
 */
public record TestCa(Path caPem, Path certPem, Path keyPem) {

  public static TestCa create(Path dir) {
    try {
      Files.createDirectories(dir);
      Path caKey = dir.resolve("ca.key");
      Path ca = dir.resolve("ca.pem");
      Path key = dir.resolve("server.key");
      Path csr = dir.resolve("server.csr");
      Path cert = dir.resolve("server.pem");
      Path ext = Files.writeString(dir.resolve("server.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
          + "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n");
      openssl(dir, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", caKey.toString(), "-out", ca.toString(),
          "-days", "2", "-subj", "/CN=SimpleTuner Test CA", "-addext", "basicConstraints=critical,CA:TRUE",
          "-addext", "keyUsage=critical,keyCertSign,cRLSign");
      openssl(dir, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", key.toString(), "-out", csr.toString(),
          "-subj", "/CN=127.0.0.1");
      openssl(dir, "x509", "-req", "-in", csr.toString(), "-CA", ca.toString(), "-CAkey", caKey.toString(),
          "-CAcreateserial", "-out", cert.toString(), "-days", "2", "-extfile", ext.toString());
      return new TestCa(ca, cert, key);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void openssl(Path dir, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of("openssl"));
    command.addAll(List.of(args));
    Process p;
    try {
      p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
          .redirectOutput(dir.resolve("openssl.log").toFile()).start();
    } catch (IOException e) {
      throw new IllegalStateException("The TLS tests need the openssl command: apt-get install -y openssl", e);
    }
    try {
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        p.destroyForcibly();
        throw new IllegalStateException("openssl " + String.join(" ", args) + " failed:\n"
            + Files.readString(dir.resolve("openssl.log")));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
