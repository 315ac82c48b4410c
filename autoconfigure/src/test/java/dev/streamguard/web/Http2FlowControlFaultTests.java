package dev.streamguard.web;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.streamguard.stream.LiveStream;
import dev.streamguard.stream.TerminationReason;
import dev.streamguard.test.H2FrameClient;
import dev.streamguard.test.RecordingListener.Ended;
import dev.streamguard.test.TestServer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * HTTP/2 streams held back by flow control rather than by TCP. Over HTTP/2 a client that stops
 * reading a stream stops giving its window back: the server's bytes wait in the connection's
 * flow control, the socket stays drained and the stream's channel writable, so nothing below
 * the stream's own window tells a stalled stream from a quiet one. With the default 64 KB
 * connection window, a stream the client holds also freezes its siblings.
 * <p>
 * Each case runs with the stall timeout off first, which shows the fault (the stream is never
 * released), then on, which shows the cure within the bound.
 */
class Http2FlowControlFaultTests {

	private static final Duration STALL = Duration.ofSeconds(2);

	private static final Duration MARGIN = Duration.ofMillis(1500);

	// Longer than the bound of the cure in each case.
	private static final Duration HANG_OBSERVED = Duration.ofSeconds(4);

	private static final Duration CONNECTION_HANG_OBSERVED = Duration.ofSeconds(7);

	/**
	 * A feed of 1 KB events every 10 ms: one the client stops reading holds half its stream's
	 * window within half a second. (A feed of a few bytes a second takes minutes to; until then
	 * the client takes its bytes within the window it offered, as a TCP receive buffer would.)
	 */
	private static final String FAST_FEED = "/test/sse/feed?ms=10&size=1024";

	/** A browser's connection window: a held stream leaves its busy sibling room to run. */
	private static final int BROWSER_CONNECTION_WINDOW = 15 * 1024 * 1024;

	private static final String[] COMMON = { "server.http2.enabled=true", "streamguard.heartbeat.interval=0" };

	private final ListAppender<ILoggingEvent> logged = new ListAppender<>();

	@AfterEach
	void stopCapturingLogs() {
		root().detachAppender(this.logged);
	}

	/**
	 * A stream the guard ends is reset on its own: nothing went wrong that the server's log
	 * should warn of (its end line is INFO).
	 */
	private void assertNothingLoggedAboveInfo(TestServer server) {
		// The ended streams' responses are finished, the point at which WebFlux and Reactor
		// Netty log a failed response.
		Awaitility.await().atMost(Duration.ofSeconds(3)).until(() -> server.registry().openResponses() <= server.registry().size());
		assertThat(this.logged.list.stream().filter((event) -> event.getLevel().isGreaterOrEqual(Level.WARN)))
			.extracting((event) -> event.getLevel() + " " + event.getLoggerName() + ": " + event.getFormattedMessage())
			.isEmpty();
	}

	private static Logger root() {
		return (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
	}

	@Test
	void streamWhoseWindowIsNeverReopenedHangsWithoutTheStallTimeoutWhileItsSiblingIsBusy() throws Exception {
		try (TestServer server = start("streamguard.stall-timeout=0", "streamguard.window.high=256KB",
				"streamguard.window.low=64KB");
				H2FrameClient client = H2FrameClient.connect(server.port(), BROWSER_CONNECTION_WINDOW)) {
			H2FrameClient.Stream held = client.get("/test/bulk", false);
			H2FrameClient.Stream busy = client.get("/test/bulk", true);
			Map<String, LiveStream> streams = started(server, 2);
			long before = busy.received();
			assertThat(server.listener().pollEnd(HANG_OBSERVED)).as("a stream ended").isNull();
			assertThat(busy.received()).isGreaterThan(before);
			assertThat(held.received()).isLessThanOrEqualTo(65_535);
			assertThat(server.registry().size()).isEqualTo(2);
			// What the held stream keeps waiting is bounded by its write window (one 64 KB
			// element may cross the high mark), although the connection's flow control takes
			// writes without limit. (Often nothing waits: the stream channel turns unwritable
			// as soon as the stream's flow-control window is spent.)
			LiveStream heldOnServer = streams.values()
				.stream()
				.min(Comparator.comparingLong(LiveStream::bytesSent))
				.orElseThrow();
			assertThat(heldOnServer.pendingBytes()).isLessThanOrEqualTo((256 + 64) * 1024);
			assertThat(heldOnServer.writable()).isFalse();
		}
	}

	@Test
	void streamWhoseWindowIsNeverReopenedEndsStalledWhileItsBusySiblingGoesOn() throws Exception {
		try (TestServer server = start("streamguard.stall-timeout=" + STALL.toMillis() + "ms");
				H2FrameClient client = H2FrameClient.connect(server.port(), BROWSER_CONNECTION_WINDOW)) {
			H2FrameClient.Stream held = client.get("/test/bulk", false);
			H2FrameClient.Stream busy = client.get("/test/bulk", true);
			Map<String, LiveStream> streams = started(server, 2);
			Ended ended = server.listener().awaitEnd(STALL.plus(MARGIN).plusSeconds(3));
			assertThat(ended.reason()).isEqualTo(TerminationReason.STALLED);
			// A sibling at loopback speed keeps the connection's event loop busy, which delays
			// the ticks of the stall check.
			assertThat(Duration.ofNanos(ended.nanoTime() - held.lastDataNanos()))
				.as("from the held stream's last DATA to its end")
				.isLessThanOrEqualTo(STALL.plus(MARGIN).plusSeconds(2));
			// The sibling kept the connection busy all along: TCP was never idle.
			assertThat(busy.received()).as("bytes the busy sibling received meanwhile").isGreaterThan(64L * 1024 * 1024);
			Awaitility.await().atMost(Duration.ofSeconds(2)).until(held::reset);
			long after = busy.received();
			Awaitility.await().atMost(Duration.ofSeconds(2)).until(() -> busy.received() > after + 1024 * 1024);
			assertThat(server.registry().size()).isOne();
			assertNothingLoggedAboveInfo(server);
			assertThat(streams).hasSize(2);
		}
	}

	@Test
	void streamWhoseWindowIsNeverReopenedEndsStalledWhileItsSiblingKeepsTheKernelBusy() throws Exception {
		// The client reads its socket slowly: the kernel always holds the busy sibling's data,
		// acknowledged as it goes, so TCP's progress is no evidence for the held stream.
		try (TestServer server = start("streamguard.stall-timeout=" + STALL.toMillis() + "ms");
				H2FrameClient client = H2FrameClient.connect(server.port(), BROWSER_CONNECTION_WINDOW, true)) {
			H2FrameClient.Stream held = client.get("/test/bulk", false);
			H2FrameClient.Stream busy = client.get("/test/bulk", true);
			started(server, 2);
			Ended ended = server.listener().awaitEnd(STALL.plus(MARGIN).plusSeconds(5));
			assertThat(ended.reason()).isEqualTo(TerminationReason.STALLED);
			assertThat(ended.stream().bytesSent()).isLessThan(busyBytes(server, ended));
			assertThat(Duration.ofNanos(ended.nanoTime() - held.lastDataNanos()))
				.as("from the held stream's last DATA to its end")
				.isLessThanOrEqualTo(STALL.plus(MARGIN).plusSeconds(2));
			long after = busy.received();
			Awaitility.await().atMost(Duration.ofSeconds(3)).until(() -> busy.received() > after);
			assertThat(server.registry().size()).isOne();
			assertNothingLoggedAboveInfo(server);
		}
	}

	private static long busyBytes(TestServer server, Ended held) {
		return server.registry()
			.streams()
			.stream()
			.filter((stream) -> !stream.id().equals(held.stream().id()))
			.mapToLong(LiveStream::bytesSent)
			.findFirst()
			.orElseThrow();
	}

	@Test
	void connectionTheClientStopsReadingKeepsEveryStreamWithoutTheStallTimeout() throws Exception {
		try (TestServer server = start("streamguard.stall-timeout=0");
				H2FrameClient client = H2FrameClient.connect(server.port())) {
			client.get("/test/bulk", true);
			H2FrameClient.Stream feed = client.get(FAST_FEED, true);
			started(server, 2);
			Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> feed.received() > 100_000);
			client.stopReading();
			assertThat(server.listener().pollEnd(CONNECTION_HANG_OBSERVED)).as("a stream ended").isNull();
			assertThat(server.registry().size()).isEqualTo(2);
		}
	}

	@Test
	void connectionTheClientStopsReadingEndsEveryStreamStalled() throws Exception {
		try (TestServer server = start("streamguard.stall-timeout=" + STALL.toMillis() + "ms");
				H2FrameClient client = H2FrameClient.connect(server.port())) {
			client.get("/test/bulk", true);
			H2FrameClient.Stream feed = client.get(FAST_FEED, true);
			started(server, 2);
			Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> feed.received() > 100_000);
			client.stopReading();
			long stopped = System.nanoTime();
			// The stream the peer holds bytes of ends first; one that only waited behind it, one
			// stall timeout after the connection's window came back, at the latest.
			Duration bound = STALL.multipliedBy(2).plus(MARGIN).plusSeconds(1);
			List<Ended> ended = new ArrayList<>();
			for (int i = 0; i < 2; i++) {
				ended.add(server.listener().awaitEnd(bound.plusSeconds(2)));
			}
			assertThat(ended).allSatisfy((end) -> {
				assertThat(end.reason()).as(end.stream().route()).isEqualTo(TerminationReason.STALLED);
				assertThat(Duration.ofNanos(end.nanoTime() - stopped)).isLessThanOrEqualTo(bound);
			});
			assertThat(server.registry().size()).isZero();
			assertNothingLoggedAboveInfo(server);
		}
	}

	@Test
	void streamHeldByTheClientStarvesItsSiblingWithoutTheStallTimeout() throws Exception {
		try (TestServer server = start("streamguard.stall-timeout=0");
				H2FrameClient client = H2FrameClient.connect(server.port())) {
			H2FrameClient.Stream held = client.get("/test/bulk", false);
			H2FrameClient.Stream feed = client.get("/test/sse/feed?ms=100", true);
			started(server, 2);
			// The held stream takes the connection's window: whatever the feed got is all it gets.
			Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> held.received() + feed.received() >= 65_535);
			long starvedSince = System.nanoTime();
			long before = feed.received();
			assertThat(server.listener().pollEnd(HANG_OBSERVED)).as("a stream ended").isNull();
			assertThat(feed.received()).as("feed bytes while its sibling holds the connection's window")
				.isEqualTo(before);
			assertThat(feed.lastDataNanos()).isLessThan(starvedSince);
		}
	}

	@Test
	void streamHeldByTheClientStarvesItsSiblingNoLongerThanTheStallTimeout() throws Exception {
		try (TestServer server = start("streamguard.stall-timeout=" + STALL.toMillis() + "ms");
				H2FrameClient client = H2FrameClient.connect(server.port())) {
			H2FrameClient.Stream held = client.get("/test/bulk", false);
			H2FrameClient.Stream feed = client.get("/test/sse/feed?ms=100", true);
			started(server, 2);
			Ended ended = server.listener().awaitEnd(STALL.plus(MARGIN).plusSeconds(3));
			assertThat(ended.reason()).isEqualTo(TerminationReason.STALLED);
			assertThat(ended.stream().route()).isEqualTo("/test/bulk");
			assertThat(Duration.ofNanos(ended.nanoTime() - held.lastDataNanos())).isLessThanOrEqualTo(STALL.plus(MARGIN));
			long after = feed.received();
			Awaitility.await().atMost(Duration.ofSeconds(2)).until(() -> feed.received() > after);
			assertThat(server.listener().pollEnd(Duration.ofSeconds(3))).as("the feed ended").isNull();
			assertThat(server.registry().size()).isOne();
			assertNothingLoggedAboveInfo(server);
		}
	}

	// Logs are captured once the server has started: Spring Boot sets up logging anew then.
	private TestServer start(String... more) {
		List<String> properties = new ArrayList<>(List.of(COMMON));
		properties.addAll(List.of(more));
		properties.add("server.address=127.0.0.1");
		TestServer server = TestServer.start(properties.toArray(String[]::new));
		this.logged.start();
		root().addAppender(this.logged);
		return server;
	}

	private static Map<String, LiveStream> started(TestServer server, int count) throws InterruptedException {
		Map<String, LiveStream> streams = new HashMap<>();
		for (int i = 0; i < count; i++) {
			LiveStream stream = server.listener().awaitStart(Duration.ofSeconds(10));
			streams.put(stream.id(), stream);
		}
		return streams;
	}

}
