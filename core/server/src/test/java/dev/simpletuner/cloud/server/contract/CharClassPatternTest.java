package dev.simpletuner.cloud.server.contract;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Random;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The table test of a one-class pattern answers as the whole-value regex does; other patterns are left to the regex. */
class CharClassPatternTest {
  private static final List<String> SIMPLE = List.of("^[A-Za-z0-9_.-]+$", "^[a-z0-9_-]{1,40}$", "^[a-c]*$",
      "^[\\.x]+$", "^[0-9]{2,3}$");
  private static final String ALPHABET = "abcxyzABZ0189_.-/ \n\t\\%é😀";

  @Test
  void answersAsTheRegexOnTheWholeValue() {
    Random random = new Random(20);
    for (String pattern : SIMPLE) {
      Predicate<String> table = CharClassPattern.of(pattern);
      assertThat(table).as(pattern).isNotNull();
      Pattern regex = Pattern.compile(pattern);
      for (int n = 0; n < 5000; n++) {
        StringBuilder s = new StringBuilder();
        int length = random.nextInt(n % 50 == 0 ? 60 : 6);
        for (int k = 0; k < length; k++) {
          s.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
        }
        String value = s.toString();
        assertThat(table.test(value)).as("%s on %s", pattern, value).isEqualTo(regex.matcher(value).matches());
      }
      // Java's $ lets a final line break through; the contract's (ECMAScript) does not.
      assertThat(table.test("abc\n")).isFalse();
    }
  }

  @Test
  void otherPatternsAreNotTakenFor() {
    for (String pattern : List.of("\\S", "^[^a]+$", "^[\\d]+$", "^[0-9]{1,12}(\\.[0-9]{1,6})?$",
        "^[A-Za-z0-9][A-Za-z0-9._-]*$", "^[a-z]{3}$", "[a-z]+", "^[a-\\]]+$", "^[é]+$")) {
      assertThat(CharClassPattern.of(pattern)).as(pattern).isNull();
    }
  }
}
