package dev.streamguard.demo;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

import dev.streamguard.stream.LiveStream;
import dev.streamguard.stream.StreamRegistry;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.env.Environment;
import org.springframework.test.context.ActiveProfiles;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Ten {@code EventSource}s on one page in headless Chromium, against the demo's {@code h2}
 * profile (h2 over TLS with the certificate it makes at startup). Over HTTP/1.1 Chromium opens
 * six connections to one origin and four streams wait for one of them to end; over HTTP/2 all
 * ten share one connection, are live at once, and each resumes after its rotation with no gap
 * and no duplicate.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
		properties = { "demo.ticks.period=50ms", "streamguard.routes[/streams/ticks].max-duration=2s" })
@ActiveProfiles(DemoCertificate.PROFILE)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BrowserHttp2Tests {

	private static final int STREAMS = 10;

	/** Chromium's limit of HTTP/1.1 connections to one origin. */
	private static final int HTTP1_CONNECTIONS = 6;

	private static final Duration WAIT = Duration.ofSeconds(15);

	@Autowired
	private Environment environment;

	@Autowired
	private StreamRegistry registry;

	private Chromium chromium;

	private WebDriver driver;

	@Test
	@Order(1)
	void overHttp1TenEventSourcesHoldFourWaiting() throws Exception {
		open("--disable-http2");
		assertThat(page().get("protocol")).isEqualTo("http/1.1");
		until(() -> number("live") == HTTP1_CONNECTIONS);
		// Before any stream ended: six live, on six connections, and four waiting.
		assertThat(page().get("firstEndAt")).isNull();
		assertThat(states()).containsEntry("open", (long) HTTP1_CONNECTIONS)
			.containsEntry("connecting", (long) (STREAMS - HTTP1_CONNECTIONS));
		assertThat(connections()).hasSize(HTTP1_CONNECTIONS);
		// The four opened only once streams ended and gave up their connections.
		until(() -> feeds().stream().allMatch((feed) -> feed.get("firstOpenAt") != null));
		assertThat(number("maxLive")).isEqualTo(HTTP1_CONNECTIONS);
		assertThat(number("waited")).isEqualTo(STREAMS - HTTP1_CONNECTIONS);
	}

	@Test
	@Order(2)
	void overHttp2TenEventSourcesAreLiveAtOnceAndEachResumesWithoutGapOrDuplicate() throws Exception {
		open();
		assertThat(page().get("protocol")).isEqualTo("h2");
		until(() -> number("live") == STREAMS);
		assertThat(page().get("firstEndAt")).isNull();
		// All ten guarded on the server, on one connection.
		assertThat(connections()).hasSize(1);
		assertThat(streams()).hasSize(STREAMS);
		// Each stream ends after max-duration and resumes from its Last-Event-ID.
		until(() -> feeds().stream().allMatch((feed) -> !((List<?>) feed.get("resumes")).isEmpty()));
		assertThat(number("maxLive")).isEqualTo(STREAMS);
		assertThat(number("waited")).isZero();
		for (Map<?, ?> feed : feeds()) {
			String name = "stream " + feed.get("index");
			assertThat(((Number) feed.get("gaps")).longValue()).as(name).isZero();
			assertThat(((Number) feed.get("duplicates")).longValue()).as(name).isZero();
			assertThat((List<?>) feed.get("ends")).as(name)
				.isNotEmpty()
				.allSatisfy((end) -> assertThat(end).isEqualTo("max-duration"));
			// One stream carries about 2 s / 50 ms = 40 ticks: the resume is past the first stream.
			for (Object resume : (List<?>) feed.get("resumes")) {
				List<?> lastAndNext = (List<?>) resume;
				long last = ((Number) lastAndNext.get(0)).longValue();
				assertThat(((Number) lastAndNext.get(1)).longValue()).as(name + " resumed after " + last)
					.isEqualTo(last + 1);
				assertThat(last).as(name).isGreaterThan(10);
			}
		}
	}

	@AfterEach
	void quit() throws IOException {
		if (this.chromium != null) {
			this.chromium.close();
		}
	}

	private void open(String... arguments) throws IOException {
		// The other test's browser is gone, and so are its streams.
		Awaitility.await().atMost(WAIT).until(() -> streams().isEmpty());
		// The demo's certificate is self-signed, made at startup.
		String[] all = new String[arguments.length + 1];
		all[0] = "--ignore-certificate-errors";
		System.arraycopy(arguments, 0, all, 1, arguments.length);
		this.chromium = Chromium.start(all);
		this.driver = this.chromium.driver();
		this.driver.get("https://localhost:" + this.environment.getProperty("local.server.port") + "/many.html?n="
				+ STREAMS);
	}

	private void until(BooleanSupplier condition) {
		new WebDriverWait(this.driver, WAIT).pollingEvery(Duration.ofMillis(50))
			.until((page) -> condition.getAsBoolean());
	}

	private List<LiveStream> streams() {
		return this.registry.streams().stream().filter((stream) -> stream.route().equals("/streams/ticks")).toList();
	}

	/** The peers of the guarded tick streams: one per connection. */
	private Set<InetSocketAddress> connections() {
		return streams().stream()
			.map(LiveStream::remoteAddress)
			.flatMap(Optional::stream)
			.collect(Collectors.toSet());
	}

	private Map<?, ?> page() {
		return (Map<?, ?>) ((JavascriptExecutor) this.driver).executeScript("return window.streams");
	}

	private List<Map<?, ?>> feeds() {
		return ((List<?>) page().get("feeds")).stream().<Map<?, ?>>map((feed) -> (Map<?, ?>) feed).toList();
	}

	private Map<String, Long> states() {
		return feeds().stream().collect(Collectors.groupingBy((feed) -> (String) feed.get("state"), Collectors.counting()));
	}

	private long number(String name) {
		Object value = ((JavascriptExecutor) this.driver)
			.executeScript("return window.streams === undefined ? -1 : window.streams[arguments[0]]", name);
		return ((Number) value).longValue();
	}

}
