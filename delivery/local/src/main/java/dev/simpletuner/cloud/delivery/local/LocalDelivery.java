package dev.simpletuner.cloud.delivery.local;

import dev.simpletuner.cloud.spi.delivery.DeliveryContext;
import dev.simpletuner.cloud.spi.delivery.DeliveryJob;
import dev.simpletuner.cloud.spi.delivery.DeliveryPlan;
import dev.simpletuner.cloud.spi.delivery.DeliveryProgress;
import dev.simpletuner.cloud.spi.delivery.DeliveryRequest;
import dev.simpletuner.cloud.spi.delivery.DeliveryResult;
import dev.simpletuner.cloud.spi.delivery.DeliveryTarget;
import dev.simpletuner.cloud.spi.delivery.OutputFile;
import io.vertx.core.Future;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The files already are on this machine once the trainer sent them; this target reports them and,
 * when the operator configured {@code copy_to}, copies them there.
 */
final class LocalDelivery implements DeliveryTarget {
  private final DeliveryContext context;

  LocalDelivery(DeliveryContext context) {
    this.context = context;
  }

  @Override
  public Future<DeliveryPlan> plan(DeliveryRequest request) {
    if (!request.outputsComeHome()) {
      return Future.failedFuture(new IllegalArgumentException("The trained model can only come back to this machine "
          + "when the trainer can reach it: set the Webhook URL (a public tunnel URL such as ngrok's) in Settings, "
          + "or SIMPLETUNER_PUBLIC_URL."));
    }
    String copyTo = context.settings().get(LocalDeliveryFactory.COPY_TO);
    return Future.succeededFuture(DeliveryPlan.byServer(copyTo == null ? null : Path.of(copyTo)
        .resolve(request.jobId()).toString(), null));
  }

  @Override
  public Future<DeliveryResult> deliver(DeliveryJob job, DeliveryProgress progress) {
    if (job.files().isEmpty()) {
      return Future.failedFuture(new IllegalStateException("No files were received from the trainer."));
    }
    String copyTo = context.settings().get(LocalDeliveryFactory.COPY_TO);
    String note = job.files().size() + (job.files().size() == 1 ? " file" : " files");
    if (copyTo == null || copyTo.isBlank()) {
      return Future.succeededFuture(new DeliveryResult(job.outputsUrl(), job.totalBytes(), note));
    }
    return context.vertx().executeBlocking(() -> {
      Path root = Path.of(copyTo).toAbsolutePath().normalize().resolve(job.jobId());
      long done = 0;
      for (OutputFile file : job.files()) {
        Path to = root.resolve(file.path()).normalize();
        if (!to.startsWith(root)) {
          throw new IllegalStateException("Refusing to copy " + file.path() + " outside " + root);
        }
        try {
          Files.createDirectories(to.getParent());
          Files.copy(file.file(), to, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
          throw new UncheckedIOException("Copying " + file.path() + " to " + to + " failed: " + e.getMessage(), e);
        }
        done += file.size();
        progress.bytesDone(done, job.totalBytes());
      }
      return new DeliveryResult(root.toUri().toString(), done, note + ", copied to " + root);
    }, false);
  }
}
