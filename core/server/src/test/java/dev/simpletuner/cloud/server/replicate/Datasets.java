package dev.simpletuner.cloud.server.replicate;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import javax.imageio.ImageIO;

/** Real image datasets for tests: JPEG and PNG files with caption files. */
final class Datasets {
  private Datasets() {
  }

  static Path images(Path dir, int count, int size) throws IOException {
    Files.createDirectories(dir);
    Random random = new Random(42);
    for (int i = 0; i < count; i++) {
      BufferedImage image = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
      Graphics2D g = image.createGraphics();
      for (int y = 0; y < size; y += 8) {
        for (int x = 0; x < size; x += 8) {
          g.setColor(new Color(random.nextInt(0xffffff)));
          g.fillRect(x, y, 8, 8);
        }
      }
      g.dispose();
      String format = i % 2 == 0 ? "jpg" : "png";
      ImageIO.write(image, format, dir.resolve("photo" + i + "." + format).toFile());
      Files.writeString(dir.resolve("photo" + i + ".txt"), "a photo of sks dog, number " + i);
    }
    return dir;
  }
}
