package dev.simpletuner.cloud.server.auth;

import java.util.Set;

/**
 * Who is calling and what they may do: the user's role permissions, narrowed to the key's scopes
 * when they came with an API key.
 *
 * @param keyId    the API key used, or null
 * @param local    the machine's owner in single-user mode (no accounts yet)
 * @param sourceIp the peer address, for the audit trail
 */
public record Principal(String userId, String username, String role, Set<String> permissions, String keyId,
                        boolean local, String sourceIp) {
  public static final String KEY = "principal";

  public static Principal localAdmin(String sourceIp) {
    return new Principal("local", "local", Role.ADMIN.wireName(), Role.ADMIN.permissions(), null, true, sourceIp);
  }

  /** The server itself, acting on its own (an approval that expires): may do nothing through the API. */
  public static Principal system() {
    return new Principal("system", "system", "system", Set.of(), null, false, null);
  }

  public boolean can(String permission) {
    return permissions.contains(permission);
  }

  /** Holds {@code all}, or {@code own} for a resource of its own. */
  public boolean can(String own, String all, String ownerId) {
    return can(all) || can(own) && userId.equals(ownerId);
  }
}
