package dev.simpletuner.cloud.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simpletuner.cloud.server.support.Api;
import dev.simpletuner.cloud.server.support.Backend;
import dev.simpletuner.cloud.server.support.TestServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reference CLI's {@code auth} family (status, setup, users) against this server, from the
 * first admin to deleting an account, naming accounts by the integer ids it takes.
 */
class ReferenceCliAccountsTest {
  private static final String ADMIN_PASSWORD = "a long passphrase";
  @TempDir
  Path tmp;
  private TestServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private static ReferenceCli.Run ok(ReferenceCli cli, String... args) {
    ReferenceCli.Run run = cli.run(args);
    assertThat(run.exit()).as(run.toString()).isZero();
    return run;
  }

  private static String apiKey(Api api, String username, String password) {
    Api.Response login = api.post("/api/auth/login", new JsonObject().put("username", username)
        .put("password", password));
    assertThat(login.status()).as(login.body()).isEqualTo(200);
    Api.Response key = api.post("/api/cloud/auth/api-keys", new JsonObject().put("name", "cli"),
        "Authorization", "Bearer " + login.json().getString("token"));
    assertThat(key.status()).as(key.body()).isEqualTo(200);
    return key.json().getString("key");
  }

  @ParameterizedTest
  @EnumSource(Backend.class)
  void fromTheFirstAdminToDeletingAnAccount(Backend backend) {
    server = TestServer.start(backend, Map.of());
    Api api = server.api();
    ReferenceCli anonymous = new ReferenceCli(api.base(), null, tmp);

    assertThat(ok(anonymous, "auth", "status").out()).contains("[-] Authentication is NOT configured");
    assertThat(ok(anonymous, "auth", "setup", "--email", "admin@example.com", "--username", "admin", "--password",
        ADMIN_PASSWORD, "--display-name", "The Admin").out())
        .contains("[+] Admin account created successfully!").contains("User ID:   1");
    ReferenceCli.Run again = anonymous.run("auth", "setup", "--email", "b@example.com", "--username", "b",
        "--password", ADMIN_PASSWORD);
    assertThat(again.exit()).isEqualTo(1);
    assertThat(again.out()).contains("Error: Setup already completed.").contains("1 user(s) already exist.");

    ReferenceCli admin = anonymous.withKey(apiKey(api, "admin", ADMIN_PASSWORD));
    assertThat(ok(admin, "auth", "status").out()).contains("[+] Authentication is ENABLED")
        .contains("Users configured:     1");
    assertThat(ok(admin, "auth", "users", "me").out()).contains("ID:           1").contains("Username:     admin")
        .contains("Display Name: The Admin").contains("Admin:        yes").contains("Levels:       admin");

    assertThat(ok(admin, "auth", "users", "create", "--email", "rita@example.com", "--username", "rita",
        "--password", "rita's passphrase", "--levels", "researcher").out())
        .contains("User created successfully:").contains("ID:       2").contains("Username: rita");
    assertThat(ok(admin, "auth", "users", "list").out()).containsPattern("(?m)^2\\s+rita\\s+rita@example.com\\s+no\\s+yes");
    assertThat(ok(admin, "auth", "users", "get", "2").out()).contains("User 2").contains("Admin:        no")
        .contains("- researcher (priority: 10)").contains("- job.submit");
    String ritaKey = apiKey(api, "rita", "rita's passphrase");
    assertThat(api.get("/api/cloud/jobs", "X-API-Key", ritaKey).status()).isEqualTo(200);

    ok(admin, "auth", "users", "update", "2", "--admin", "true", "--display-name", "Rita R.");
    assertThat(ok(admin, "auth", "users", "get", "2").out()).contains("Admin:        yes")
        .contains("Display Name: Rita R.");
    ok(admin, "auth", "users", "assign-level", "2", "lead");
    assertThat(api.get("/api/users/2", "X-API-Key", admin.apiKey()).json().getString("role"))
        .as("levels add up: a lower one never demotes").isEqualTo("admin");
    assertThat(ok(admin, "auth", "users", "remove-level", "2", "admin").out()).contains("Level 'admin' removed from user 2.");
    ok(admin, "auth", "users", "assign-level", "2", "lead");
    assertThat(api.get("/api/users/2", "X-API-Key", admin.apiKey()).json().getString("role")).isEqualTo("lead");

    assertThat(ok(admin, "auth", "users", "deactivate", "2").out()).contains("User 2 deactivated.");
    assertThat(api.get("/api/cloud/jobs", "X-API-Key", ritaKey).status()).isEqualTo(401);
    assertThat(ok(admin, "auth", "users", "list").out()).doesNotContain("rita");
    assertThat(ok(admin, "auth", "users", "list", "--include-inactive").out()).containsPattern("(?m)^2\\s+rita.*no\\s*$");
    assertThat(ok(admin, "auth", "users", "activate", "2").out()).contains("User 2 activated.");
    assertThat(api.get("/api/cloud/jobs", "X-API-Key", ritaKey).status()).isEqualTo(200);

    ReferenceCli.Run self = admin.run("auth", "users", "deactivate", "1");
    assertThat(self.exit()).isEqualTo(1);
    assertThat(self.err()).contains("Error: You cannot demote or disable your own account");

    assertThat(ok(admin, "auth", "users", "permissions").out()).containsPattern("\\d+\\s+job\\.submit\\s+job\\s+Submit");
    assertThat(ok(admin, "auth", "users", "levels", "list").out()).containsPattern("4\\s+admin\\s+100\\s+yes");
    assertThat(ok(admin, "auth", "users", "auth-status").out()).contains("User Count:         2");

    assertThat(ok(admin, "auth", "audit", "list", "--event-type", "user.*").out())
        .containsPattern("user\\.created\\s+admin\\s+created").containsPattern("user\\.deactivated\\s+admin\\s+deactivated");
    assertThat(ok(admin, "auth", "audit", "list", "--target-type", "user", "--target-id", "2", "--since",
        "2020-01-01").out()).contains("user.activated").doesNotContain("api_key.");
    assertThat(ok(admin, "auth", "audit", "stats").out()).containsPattern("Total Entries:\\s+\\d+")
        .containsPattern("user\\.created\\s+2");
    assertThat(ok(admin, "auth", "audit", "types").out()).contains("user.created");
    assertThat(ok(admin, "auth", "audit", "security").out()).contains("auth.login");
    assertThat(ok(admin, "auth", "audit", "user", "1").out()).contains("user.created");
    ReferenceCli.Run verified = ok(admin, "auth", "audit", "verify");
    assertThat(verified.out()).contains("Valid:           Yes").containsPattern("First ID:\\s+1\\s");

    assertThat(ok(admin, "auth", "users", "delete", "2", "--force").out()).contains("User 2 deleted.");
    assertThat(api.get("/api/cloud/jobs", "X-API-Key", ritaKey).status()).isEqualTo(401);
    JsonArray users = api.get("/api/users", "X-API-Key", admin.apiKey()).json().getJsonArray("users");
    assertThat(users.size()).isEqualTo(1);
    ReferenceCli.Run gone = admin.run("auth", "users", "get", "2");
    assertThat(gone.exit()).isEqualTo(1);
    assertThat(gone.err()).contains("Error: No account 2.");
  }
}
