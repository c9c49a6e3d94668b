package dev.simpletuner.cloud.server.approval;

import dev.simpletuner.cloud.server.auth.Role;
import dev.simpletuner.cloud.server.store.ApprovalStore.Rule;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/** Evaluates approval rules against a submission. Runs on every submit. */
public final class ApprovalRules {
  public static final List<String> CONDITIONS = List.of("cost_exceeds", "hardware_matches", "provider_is", "always");

  private ApprovalRules() {
  }

  /** What a submission looks like to the rules. */
  public record Submission(double estimatedCost, String hardware, String provider, String role) {
  }

  /** A rule that matched, and why in words. */
  public record Match(String ruleId, String reason) {
  }

  /** The matching rules; empty when the job needs no approval. */
  public static List<Match> matches(List<Rule> rules, Submission s) {
    List<Match> reasons = new ArrayList<>();
    for (Rule rule : rules) {
      if (!rule.active() || exempt(rule, s.role())) {
        continue;
      }
      String why = switch (rule.conditionType()) {
        case "cost_exceeds" -> s.estimatedCost() > Double.parseDouble(rule.threshold())
            ? String.format(Locale.ROOT, "the estimated cost $%.2f exceeds $%s", s.estimatedCost(), rule.threshold())
            : null;
        case "hardware_matches" -> s.hardware() != null && glob(rule.threshold()).matcher(s.hardware()).matches()
            ? "hardware " + s.hardware() + " matches " + rule.threshold() : null;
        case "provider_is" -> rule.threshold().equals(s.provider()) ? "provider is " + s.provider() : null;
        case "always" -> "every job needs approval";
        default -> null;
      };
      if (why != null) {
        reasons.add(new Match(rule.ruleId(), why + " (rule '" + rule.name() + "')"));
      }
    }
    return reasons;
  }

  private static boolean exempt(Rule rule, String role) {
    Role exempt = Role.parse(rule.exemptRole());
    Role actual = Role.parse(role);
    return exempt != null && actual != null && actual.ordinal() >= exempt.ordinal();
  }

  static Pattern glob(String glob) {
    StringBuilder regex = new StringBuilder();
    for (char c : glob.toCharArray()) {
      switch (c) {
        case '*' -> regex.append(".*");
        case '?' -> regex.append('.');
        default -> regex.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return Pattern.compile(regex.toString(), Pattern.CASE_INSENSITIVE);
  }
}
