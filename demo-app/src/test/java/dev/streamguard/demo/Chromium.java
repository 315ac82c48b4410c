package dev.streamguard.demo;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import org.springframework.util.FileSystemUtils;

/**
 * Headless Chromium for the browser tests, with a profile and a download directory of its own
 * that {@link #close()} removes.
 */
final class Chromium implements AutoCloseable {

	private static final File CHROMIUM = new File("/usr/bin/chromium");

	private static final File CHROMEDRIVER = new File("/usr/bin/chromedriver");

	private final Path profile;

	private final Path downloads;

	private final ChromeDriver driver;

	private Chromium(Path profile, Path downloads, ChromeDriver driver) {
		this.profile = profile;
		this.downloads = downloads;
		this.driver = driver;
	}

	/**
	 * Start a browser, or abort the test where none is installed (fail it under {@code CI=true}).
	 * @param arguments command-line switches beyond the ones every test needs
	 */
	static Chromium start(String... arguments) throws IOException {
		requireBrowser();
		Path profile = Files.createTempDirectory("chromium-profile");
		Path downloads = Files.createTempDirectory("chromium-downloads");
		ChromeOptions options = new ChromeOptions();
		options.setBinary(CHROMIUM);
		options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
				"--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
				"--disable-sync", "--user-data-dir=" + profile);
		options.addArguments(arguments);
		options.setExperimentalOption("prefs",
				Map.of("download.default_directory", downloads.toString(), "download.prompt_for_download", false));
		ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER)
			.usingAnyFreePort()
			.build();
		ChromeDriver driver = new ChromeDriver(service, options);
		// Headless Chromium downloads only where told to.
		driver.executeCdpCommand("Browser.setDownloadBehavior",
				Map.of("behavior", "allow", "downloadPath", downloads.toString()));
		return new Chromium(profile, downloads, driver);
	}

	ChromeDriver driver() {
		return this.driver;
	}

	Path downloads() {
		return this.downloads;
	}

	@Override
	public void close() throws IOException {
		try {
			this.driver.quit();
		}
		finally {
			FileSystemUtils.deleteRecursively(this.profile);
			FileSystemUtils.deleteRecursively(this.downloads);
		}
	}

	private static void requireBrowser() {
		if (CHROMIUM.canExecute() && CHROMEDRIVER.canExecute()) {
			return;
		}
		String message = "Browser test needs Debian's chromium and chromium-driver (/usr/bin/chromium, /usr/bin/chromedriver)";
		if ("true".equalsIgnoreCase(System.getenv("CI"))) {
			Assertions.fail(message + "; CI must install them (see .ci/run)");
		}
		Assumptions.abort(message);
	}

}
