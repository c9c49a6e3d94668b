package dev.simpletuner.cloud.provider.kubernetes;

/**
 * Where a job lives in the cluster, as its external id: {@code job:<namespace>/<name>} or
 * {@code trainjob:<namespace>/<name>}. Everything is in the id, so any instance can act on it.
 */
record KubeObject(boolean trainJob, String namespace, String name) {

  static KubeObject parse(String externalId) {
    int colon = externalId.indexOf(':');
    int slash = externalId.indexOf('/');
    if (colon < 0 || slash < colon) {
      throw new IllegalArgumentException("Not a Kubernetes job id: " + externalId);
    }
    String kind = externalId.substring(0, colon);
    if (!kind.equals("job") && !kind.equals("trainjob")) {
      throw new IllegalArgumentException("Not a Kubernetes job id: " + externalId);
    }
    return new KubeObject(kind.equals("trainjob"), externalId.substring(colon + 1, slash),
        externalId.substring(slash + 1));
  }

  String id() {
    return (trainJob ? "trainjob:" : "job:") + namespace + "/" + name;
  }

  String kind() {
    return trainJob ? "TrainJob" : "Job";
  }

  @Override
  public String toString() {
    return kind() + " " + namespace + "/" + name;
  }
}
