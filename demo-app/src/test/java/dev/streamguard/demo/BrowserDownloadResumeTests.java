package dev.streamguard.demo;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import dev.streamguard.source.ByteSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;
import reactor.core.publisher.Flux;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferFactory;
import org.springframework.http.ETag;
import org.springframework.http.HttpHeaders;
import org.springframework.util.FileSystemUtils;
import org.springframework.web.server.WebFilter;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A download in headless Chromium that the server breaks off: the browser's download manager
 * resumes it with {@code Range} and {@code If-Range} (the source's entity tag), and the file it
 * puts together is the source's bytes.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class BrowserDownloadResumeTests {

	private static final File CHROMIUM = new File("/usr/bin/chromium");

	private static final File CHROMEDRIVER = new File("/usr/bin/chromedriver");

	private static final int LENGTH = 4 * 1024 * 1024;

	/** Where the first answer breaks off. */
	private static final int CUT = 1024 * 1024;

	private static final ETag TAG = new ETag("broken-v1", false);

	@Autowired
	private Environment environment;

	@Autowired
	private Requests requests;

	private ChromeDriver driver;

	private Path profile;

	private Path downloads;

	@Test
	void browserResumesABrokenDownloadWithIfRange() throws Exception {
		requireBrowser();
		this.profile = Files.createTempDirectory("chromium-profile");
		this.downloads = Files.createTempDirectory("chromium-downloads");
		ChromeOptions options = new ChromeOptions();
		options.setBinary(CHROMIUM);
		options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
				"--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
				"--disable-sync", "--user-data-dir=" + this.profile);
		options.setExperimentalOption("prefs", Map.of("download.default_directory", this.downloads.toString(),
				"download.prompt_for_download", false));
		ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER)
			.usingAnyFreePort()
			.build();
		this.driver = new ChromeDriver(service, options);
		this.driver.executeCdpCommand("Browser.setDownloadBehavior",
				Map.of("behavior", "allow", "downloadPath", this.downloads.toString()));
		String port = this.environment.getRequiredProperty("local.server.port");
		this.driver.get("http://127.0.0.1:" + port + "/");
		// A link click, as a user starts a download.
		this.driver.executeScript("const a = document.createElement('a'); a.href = '/streams/broken';"
				+ " a.download = 'broken.bin'; document.body.appendChild(a); a.click();");
		Path file = this.downloads.resolve("broken.bin");
		new WebDriverWait(this.driver, Duration.ofSeconds(60)).pollingEvery(Duration.ofMillis(200))
			.until((browser) -> Files.exists(file) && size(file) == LENGTH);
		byte[] downloaded = Files.readAllBytes(file);
		for (int i = 0; i < LENGTH; i++) {
			if (downloaded[i] != (byte) (i % 251)) {
				throw new AssertionError("Byte " + i + " of the download differs from the source's");
			}
		}
		List<HttpHeaders> seen = this.requests.seen;
		assertThat(seen).hasSizeGreaterThanOrEqualTo(2);
		assertThat(seen.get(0).getFirst(HttpHeaders.RANGE)).isNull();
		HttpHeaders resumed = seen.get(seen.size() - 1);
		assertThat(resumed.getFirst(HttpHeaders.RANGE)).matches("bytes=[1-9]\\d*-");
		assertThat(resumed.getFirst(HttpHeaders.IF_RANGE)).isEqualTo(TAG.formattedTag());
	}

	private static long size(Path file) {
		try {
			return Files.size(file);
		}
		catch (IOException ex) {
			return -1;
		}
	}

	@AfterEach
	void quit() throws IOException {
		try {
			if (this.driver != null) {
				this.driver.quit();
			}
		}
		finally {
			for (Path directory : new Path[] { this.profile, this.downloads }) {
				if (directory != null) {
					FileSystemUtils.deleteRecursively(directory);
				}
			}
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

	/** The request headers of every download of the broken source, in order. */
	static class Requests {

		final List<HttpHeaders> seen = new CopyOnWriteArrayList<>();

	}

	@TestConfiguration(proxyBeanMethods = false)
	static class BrokenDownload {

		@Bean
		Requests requests() {
			return new Requests();
		}

		@Bean
		WebFilter recordBrokenDownloads(Requests requests) {
			return (exchange, chain) -> {
				if (exchange.getRequest().getPath().value().equals("/streams/broken")) {
					requests.seen.add(HttpHeaders.readOnlyHttpHeaders(exchange.getRequest().getHeaders()));
				}
				return chain.filter(exchange);
			};
		}

		/** The demo's pattern bytes, with an entity tag; the first answer breaks off. */
		@Bean
		ByteSource broken() {
			AtomicInteger opens = new AtomicInteger();
			return new ByteSource() {

				@Override
				public String name() {
					return "broken";
				}

				@Override
				public long length() {
					return LENGTH;
				}

				@Override
				public Optional<ETag> entityTag() {
					return Optional.of(TAG);
				}

				@Override
				public Flux<DataBuffer> open(long offset, long count, DataBufferFactory buffers) {
					boolean first = opens.getAndIncrement() == 0;
					long end = first ? Math.min(offset + count, CUT) : offset + count;
					Flux<DataBuffer> bytes = Flux.generate(() -> offset, (next, sink) -> {
						if (next >= end) {
							sink.complete();
							return next;
						}
						int length = (int) Math.min(64 * 1024, end - next);
						sink.next(buffers.wrap(BulkRequests.pattern(next, length)));
						return next + length;
					});
					return first ? bytes.concatWith(Flux.error(new IOException("Broken off for the test"))) : bytes;
				}

			};
		}

	}

}
