package dev.simpletuner.cloud.server.upload;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Upload sizes as people read them (a 3 KiB dataset was "0.0 MiB"). */
class SizesTest {

  @Test
  void eachSizeInTheUnitThatFitsIt() {
    assertThat(Sizes.human(0)).isEqualTo("0 B");
    assertThat(Sizes.human(1023)).isEqualTo("1023 B");
    assertThat(Sizes.human(3 * 1024)).isEqualTo("3.0 KiB");
    assertThat(Sizes.human(5L * 1024 * 1024 + 512 * 1024)).isEqualTo("5.5 MiB");
    assertThat(Sizes.human(3L * 1024 * 1024 * 1024)).isEqualTo("3.0 GiB");
  }
}
