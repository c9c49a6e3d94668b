package dev.simpletuner.cloud.server.http;

/**
 * Who is calling. Until user accounts exist, the only principal is the machine's owner calling
 * from loopback.
 *
 * @param userId    owner id recorded on jobs
 * @param username  shown in the UI and the audit trail
 * @param admin     may see and change everything
 */
public record Principal(String userId, String username, boolean admin) {
  public static final Principal LOCAL_ADMIN = new Principal("local", "local", true);
  static final String KEY = "principal";
}
