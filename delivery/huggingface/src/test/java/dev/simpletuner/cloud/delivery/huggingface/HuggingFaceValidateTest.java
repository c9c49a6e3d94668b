package dev.simpletuner.cloud.delivery.huggingface;

import static org.assertj.core.api.Assertions.assertThat;

import dev.simpletuner.cloud.spi.CredentialStatus;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checking the saved token against whoami-v2. */
class HuggingFaceValidateTest {
  @TempDir
  Path dir;
  HubTestKit kit;
  HuggingFaceDelivery target;

  @BeforeEach
  void setUp() {
    kit = new HubTestKit(dir);
    target = kit.target();
  }

  @AfterEach
  void tearDown() {
    target.close();
    kit.close();
  }

  @Test
  void aWriteTokenIsValidForItsUser() throws Exception {
    CredentialStatus status = kit.await(target::validate);

    assertThat(status).isEqualTo(CredentialStatus.ok("alice"));
  }

  @Test
  void anUnknownTokenIsInvalid() throws Exception {
    kit.settings.put("token", "hf_nobodyKnowsThisOne");

    CredentialStatus status = kit.await(target::validate);

    assertThat(status.valid()).isFalse();
    assertThat(status.error()).contains("401").contains("invalid token").doesNotContain("hf_nobodyKnowsThisOne");
  }

  @Test
  void aReadOnlyTokenIsInvalidForDelivery() throws Exception {
    kit.settings.put("token", HubTestKit.READ_TOKEN);

    CredentialStatus status = kit.await(target::validate);

    assertThat(status.valid()).isFalse();
    assertThat(status.error()).contains("read-only token").contains("write");
  }

  @Test
  void noTokenIsInvalidWithoutAsking() throws Exception {
    kit.settings.remove("token");

    CredentialStatus status = kit.await(target::validate);

    assertThat(status.valid()).isFalse();
    assertThat(status.error()).startsWith("No Hugging Face token: set HF_TOKEN or save one");
    assertThat(kit.hub.requests(FakeHub.WHOAMI)).isZero();
  }

  @Test
  void aRateLimitedCheckIsRetried() throws Exception {
    kit.hub.rateLimitNext(FakeHub.WHOAMI, 1, 0);

    assertThat(kit.await(target::validate).valid()).isTrue();
    assertThat(kit.hub.requests(FakeHub.WHOAMI)).isEqualTo(2);
  }
}
