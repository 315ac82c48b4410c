package dev.streamguard.demo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import dev.streamguard.source.ByteSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.chrome.ChromeDriver;
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
import org.springframework.web.server.WebFilter;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A download in headless Chromium that the server breaks off: the browser's download manager
 * resumes it with {@code Range} and {@code If-Range} (the source's entity tag), and the file it
 * puts together is the source's bytes.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class BrowserDownloadResumeTests {

	private static final int LENGTH = 4 * 1024 * 1024;

	/** Where the first answer breaks off. */
	private static final int CUT = 1024 * 1024;

	private static final ETag TAG = new ETag("broken-v1", false);

	@Autowired
	private Environment environment;

	@Autowired
	private Requests requests;

	private Chromium chromium;

	@Test
	void browserResumesABrokenDownloadWithIfRange() throws Exception {
		this.chromium = Chromium.start();
		ChromeDriver driver = this.chromium.driver();
		String port = this.environment.getRequiredProperty("local.server.port");
		driver.get("http://127.0.0.1:" + port + "/");
		// A link click, as a user starts a download.
		driver.executeScript("const a = document.createElement('a'); a.href = '/streams/broken';"
				+ " a.download = 'broken.bin'; document.body.appendChild(a); a.click();");
		Path file = this.chromium.downloads().resolve("broken.bin");
		new WebDriverWait(driver, Duration.ofSeconds(60)).pollingEvery(Duration.ofMillis(200))
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
		if (this.chromium != null) {
			this.chromium.close();
		}
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
					if (opens.getAndIncrement() > 0) {
						return DemoSources.pattern(offset, count, buffers);
					}
					return DemoSources.pattern(offset, Math.max(0, Math.min(count, CUT - offset)), buffers)
						.concatWith(Flux.error(new IOException("Broken off for the test")));
				}

			};
		}

	}

}
