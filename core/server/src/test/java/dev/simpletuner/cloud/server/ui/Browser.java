package dev.simpletuner.cloud.server.ui;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.ExpectedCondition;
import org.openqa.selenium.support.ui.WebDriverWait;

/** Real headless Chromium (Debian's chromium and chromedriver), with screenshots and the console. */
final class Browser implements AutoCloseable {
  private static final Path SHOTS = Path.of("target/ui-screenshots");
  private final WebDriver driver;
  private final Path profile;
  private final List<String> consoleErrors = new ArrayList<>();
  private int shot;

  Browser(int width, int height) {
    try {
      profile = Files.createTempDirectory("chromium-");
      Files.createDirectories(SHOTS);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    ChromeOptions options = new ChromeOptions();
    options.setBinary("/usr/bin/chromium");
    options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-dev-shm-usage", "--window-size=" + width + "," + height, "--user-data-dir=" + profile);
    options.setCapability("goog:loggingPrefs", Map.of(LogType.BROWSER, "ALL"));
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(new File("/usr/bin/chromedriver")).usingAnyFreePort().build();
    driver = new ChromeDriver(service, options);
    driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(20));
  }

  WebDriver driver() {
    return driver;
  }

  void open(String url) {
    driver.get(url);
  }

  WebElement find(String css) {
    return waitFor(d -> {
      List<WebElement> found = d.findElements(By.cssSelector(css));
      return found.isEmpty() || !found.get(0).isDisplayed() ? null : found.get(0);
    }, "element " + css);
  }

  List<WebElement> all(String css) {
    return driver.findElements(By.cssSelector(css));
  }

  <T> T waitFor(ExpectedCondition<T> condition, String what) {
    // Live views replace elements as updates arrive: a stale element just means "look again".
    return new WebDriverWait(driver, Duration.ofSeconds(30)).withMessage("waiting for " + what)
        .ignoring(org.openqa.selenium.StaleElementReferenceException.class).until(condition);
  }

  /** The alert or confirm dialog the page opened, once it is open. */
  org.openqa.selenium.Alert alert() {
    return waitFor(d -> {
      try {
        return d.switchTo().alert();
      } catch (org.openqa.selenium.NoAlertPresentException e) {
        return null;
      }
    }, "a dialog of the page");
  }

  Object js(String script, Object... args) {
    return ((JavascriptExecutor) driver).executeScript(script, args);
  }

  /** Writes target/ui-screenshots/NN-name.png. */
  void screenshot(String name) {
    byte[] png = ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES);
    try {
      Files.write(SHOTS.resolve(String.format("%02d-%s.png", ++shot, name)), png);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Console errors seen so far (warnings and the favicon's 404 are not errors of the page). */
  List<String> consoleErrors() {
    for (LogEntry entry : driver.manage().logs().get(LogType.BROWSER)) {
      if (entry.getLevel().intValue() >= Level.SEVERE.intValue()) {
        consoleErrors.add(entry.getMessage());
      }
    }
    return consoleErrors;
  }

  @Override
  public void close() {
    driver.quit();
    dev.simpletuner.cloud.server.support.TestServer.deleteTree(profile);
  }
}
