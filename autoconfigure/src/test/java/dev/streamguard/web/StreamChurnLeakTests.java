package dev.streamguard.web;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.streamguard.test.RawHttp;
import dev.streamguard.test.TestServer;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Clients that leave at random moments, under Netty's paranoid leak detector: every buffer a
 * stream allocated is released, whether it was written, parked, or produced after the cancel.
 * Netty reports a leak when it finds a buffer that was collected unreleased, so the test forces
 * collections between rounds and allocates afterwards to make the detector look.
 */
class StreamChurnLeakTests {

	private static final String[] PATHS = { "/test/writer/records", "/test/sse/fast", "/test/bulk" };

	private static final int STREAMS_PER_ROUND = 60;

	private static final int ROUNDS = 5;

	private static final int CONCURRENT = 20;

	private final ListAppender<ILoggingEvent> leaks = new ListAppender<>();

	private final Logger leakLogger = (Logger) LoggerFactory.getLogger(ResourceLeakDetector.class);

	private ResourceLeakDetector.Level previousLevel;

	@BeforeEach
	void detectEveryLeak() {
		this.previousLevel = ResourceLeakDetector.getLevel();
		ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
	}

	/**
	 * Listen to the detector's log; only once the server runs, because Spring Boot resets the
	 * logging system when an application starts.
	 */
	private void listenForLeaks() {
		// Leaks of earlier tests in this JVM are theirs: let the detector report them first.
		collectAndReport();
		this.leaks.start();
		this.leakLogger.addAppender(this.leaks);
	}

	@AfterEach
	void restoreLeakDetection() {
		this.leakLogger.detachAppender(this.leaks);
		ResourceLeakDetector.setLevel(this.previousLevel);
	}

	@Test
	void streamsCutByTheirClientsLeaveNoBufferBehindWithTheGuard() throws Exception {
		churn("streamguard.heartbeat.interval=0");
	}

	@Test
	@Disabled("Leaks in WebFlux and Reactor Netty themselves, where the guard is not there to prevent it: "
			+ "a group of buffers (SSE, NDJSON) that WebFlux holds while it commits, or that Reactor Netty's "
			+ "prefetch queue holds when the transport cancels, is dropped as a publisher, which no buffer "
			+ "hook releases")
	void streamsCutByTheirClientsLeaveNoBufferBehindWithoutTheGuard() throws Exception {
		churn("streamguard.enabled=false");
	}

	private void churn(String property) throws Exception {
		long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
		int streams = 0;
		try (TestServer server = TestServer.start(property, "streamguard.max-streams-per-client=0")) {
			listenForLeaks();
			ExecutorService clients = Executors.newFixedThreadPool(CONCURRENT);
			try {
				for (int round = 0; round < ROUNDS && System.nanoTime() < deadline; round++) {
					List<Future<?>> cuts = new ArrayList<>();
					for (int i = 0; i < STREAMS_PER_ROUND; i++) {
						String path = PATHS[i % PATHS.length];
						cuts.add(clients.submit(() -> openAndCut(server.port(), path)));
					}
					for (Future<?> cut : cuts) {
						cut.get(30, TimeUnit.SECONDS);
					}
					streams += cuts.size();
					collectAndReport();
				}
			}
			finally {
				clients.shutdownNow();
			}
			// The last streams may end a moment after their clients left.
			Thread.sleep(500);
			collectAndReport();
		}
		assertThat(streams).isGreaterThanOrEqualTo(3 * STREAMS_PER_ROUND);
		assertThat(this.leaks.list).extracting(ILoggingEvent::getFormattedMessage)
			.as("leaks reported after %d streams", streams)
			.noneMatch((message) -> message.contains("LEAK"));
	}

	/**
	 * Open a stream, read a random amount of it for at most half a second, and leave with RST
	 * or FIN.
	 */
	private static Void openAndCut(int port, String path) throws IOException, InterruptedException {
		ThreadLocalRandom random = ThreadLocalRandom.current();
		try (RawHttp client = RawHttp.get(port, path, 8 * 1024)) {
			long leaveAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(random.nextInt(0, 500));
			int reads = random.nextInt(0, 40);
			try {
				for (int i = 0; i < reads && System.nanoTime() < leaveAt; i++) {
					if (client.readSome(random.nextInt(1, 16 * 1024)) < 0) {
						break;
					}
				}
			}
			catch (SocketTimeoutException ex) {
				// A stream that sends nothing is cut all the same.
			}
			if (random.nextBoolean()) {
				client.reset();
			}
		}
		return null;
	}

	private static void collectAndReport() {
		for (int i = 0; i < 3; i++) {
			System.gc();
			try {
				Thread.sleep(50);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return;
			}
			// The detector looks for collected, unreleased buffers whenever one is allocated.
			for (ByteBufAllocator allocator : new ByteBufAllocator[] { ByteBufAllocator.DEFAULT }) {
				for (int j = 0; j < 64; j++) {
					ByteBuf buffer = allocator.buffer(16);
					buffer.release();
				}
			}
		}
	}

}
