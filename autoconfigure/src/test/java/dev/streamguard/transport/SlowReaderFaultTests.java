package dev.streamguard.transport;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.streamguard.stream.LiveStream;
import dev.streamguard.stream.TerminationReason;
import dev.streamguard.test.Capabilities;
import dev.streamguard.test.NetNs;
import dev.streamguard.test.RecordingListener.Ended;
import dev.streamguard.test.SendQueues;
import dev.streamguard.test.TestServer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Live readers, however slow, over clean and lossy links and through a brief outage, are never
 * cut; a reader that stops reading is ended by the stall timeout, and one that vanishes by the
 * user timeout. The user timeout is short here (3 s) so that a wrong cut shows within the test:
 * the slow readers' window stays closed far longer than that, and their kernels hold megabytes
 * that take them minutes to read.
 */
class SlowReaderFaultTests {

	private static final Duration USER_TIMEOUT = Duration.ofSeconds(3);

	/**
	 * The default: longer than a slow reader keeps its window closed. Linux reopens a closed
	 * window only once a sixteenth of its receive buffer is free, and these readers' buffers
	 * grow to tens of megabytes (tcp_rmem up to 32 MB): up to 45 s at 20 KB/s was measured.
	 */
	private static final Duration STALL_TIMEOUT = Duration.ofMinutes(2);

	/** For the reader that stops: short, so that the test does not wait two minutes. */
	private static final Duration SHORT_STALL_TIMEOUT = Duration.ofSeconds(10);

	private static final Duration READING = Duration.ofSeconds(30);

	private static final String[] GUARDED = { "streamguard.transport.user-timeout=" + USER_TIMEOUT.toSeconds() + "s",
			"streamguard.stall-timeout=" + STALL_TIMEOUT.toSeconds() + "s", "streamguard.heartbeat.interval=0",
			"streamguard.max-streams-per-client=0" };

	@RepeatedTest(2)
	void slowLiveReadersAreNeverCut() throws Exception {
		Capabilities.requireEpoll();
		try (NetNs clean = NetNs.createOrSkip();
				NetNs lossy = NetNs.createOrSkip();
				NetNs outage = NetNs.createOrSkip();
				TestServer server = TestServer.start(with(GUARDED, "server.address=0.0.0.0"))) {
			lossy.dropAtRandom(3);
			Map<String, LiveStream> readers = new LinkedHashMap<>();
			Map<String, Process> clients = new LinkedHashMap<>();
			for (String rate : new String[] { "20k", "50k", "200k", "1m" }) {
				read(clean, server, rate, "clean " + rate, readers, clients);
			}
			for (String rate : new String[] { "50k", "200k" }) {
				read(lossy, server, rate, "3% loss " + rate, readers, clients);
			}
			read(outage, server, "200k", "outage 200k", readers, clients);
			long start = System.nanoTime();
			Thread.sleep(READING.toMillis() / 3);
			// Shorter than the user timeout: a live peer that comes back in time keeps its stream.
			outage.cut();
			Thread.sleep(USER_TIMEOUT.toMillis() / 2);
			outage.restore();
			Ended cut = server.listener().pollEnd(READING.minus(Duration.ofNanos(System.nanoTime() - start)));
			assertThat(cut).as("a live reader was cut: %s", (cut != null) ? describe(readers, cut) : "").isNull();
			readers.forEach((name, stream) -> {
				assertThat(stream.terminationReason()).as(name).isEmpty();
				// The reader reads on from its kernel's buffer, which may hold it for a while.
				assertThat(clients.get(name).isAlive()).as(name + " still reading").isTrue();
			});
		}
	}

	@Test
	void readerThatStopsReadingIsStalledByTheStallTimeoutNotCutByTheUserTimeout() throws Exception {
		Capabilities.requireEpoll();
		try (NetNs ns = NetNs.createOrSkip();
				TestServer server = TestServer.start(with(GUARDED, "server.address=" + ns.hostAddress(),
						"streamguard.stall-timeout=" + SHORT_STALL_TIMEOUT.toSeconds() + "s"))) {
			Process curl = ns.start("curl", "-sN", "--max-time", "120", "-o", "/dev/null", url(ns, server));
			LiveStream stream = server.listener().awaitStart(Duration.ofSeconds(15));
			waitForBytes(stream, 4 * 1024 * 1024);
			NetNs.pause(curl);
			long paused = System.nanoTime();
			Ended ended = server.listener().awaitEnd(SHORT_STALL_TIMEOUT.plusSeconds(10));
			assertThat(ended.reason()).isEqualTo(TerminationReason.STALLED);
			// Alive (its kernel answers every probe): the user timeout does not end it, the stall
			// timeout does, once its receive buffer is full and nothing moves.
			assertThat(Duration.ofNanos(ended.nanoTime() - paused)).isBetween(SHORT_STALL_TIMEOUT,
					SHORT_STALL_TIMEOUT.plusSeconds(6));
			// The connection is reset: the kernel keeps nothing queued for a reader that will
			// not read it (a plain close would leave megabytes in FIN-WAIT-1).
			Awaitility.await()
				.atMost(Duration.ofSeconds(2))
				.untilAsserted(() -> assertThat(SendQueues.queuedFrom(ns.hostAddress(), server.port()))
					.as("bytes the kernel still queues")
					.isZero());
		}
	}

	@Test
	void readerWhoseLinkGoesWhileItsWindowIsClosedIsReleased() throws Exception {
		Capabilities.requireEpoll();
		try (NetNs ns = NetNs.createOrSkip();
				TestServer server = TestServer.start(with(GUARDED, "server.address=" + ns.hostAddress(),
						"streamguard.stall-timeout=" + STALL_TIMEOUT.toSeconds() + "s"))) {
			ns.start("curl", "-sN", "--max-time", "120", "--limit-rate", "20k", "-o", "/dev/null", url(ns, server));
			LiveStream stream = server.listener().awaitStart(Duration.ofSeconds(15));
			waitForBytes(stream, 1024 * 1024);
			Thread.sleep(USER_TIMEOUT.toMillis());
			ns.cut();
			long cut = System.nanoTime();
			Ended ended = server.listener().awaitEnd(Duration.ofSeconds(20));
			assertThat(ended.reason()).isEqualTo(TerminationReason.PEER_UNRESPONSIVE);
			// Three unanswered window probes past the user timeout; the probes back off, a few
			// seconds apart by now.
			assertThat(Duration.ofNanos(ended.nanoTime() - cut)).isLessThan(USER_TIMEOUT.plusSeconds(20));
		}
	}

	private static void read(NetNs ns, TestServer server, String rate, String name, Map<String, LiveStream> readers,
			Map<String, Process> clients) throws Exception {
		clients.put(name, ns.start("curl", "-sN", "--max-time", "120", "--limit-rate", rate, "-o", "/dev/null",
				url(ns, server)));
		readers.put(name, server.listener().awaitStart(Duration.ofSeconds(15)));
	}

	private static String url(NetNs ns, TestServer server) {
		return "http://" + ns.hostAddress() + ":" + server.port() + "/test/bulk";
	}

	private static void waitForBytes(LiveStream stream, long bytes) throws InterruptedException {
		long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
		while (stream.bytesSent() < bytes) {
			assertThat(System.nanoTime()).as("stream reached %d bytes", bytes).isLessThan(deadline);
			Thread.sleep(50);
		}
	}

	private static String describe(Map<String, LiveStream> readers, Ended ended) {
		for (Map.Entry<String, LiveStream> reader : readers.entrySet()) {
			if (reader.getValue().id().equals(ended.stream().id())) {
				return reader.getKey() + " ended " + ended.reason() + " after " + ended.stream().age();
			}
		}
		return ended.stream() + " ended " + ended.reason();
	}

	private static String[] with(String[] base, String... more) {
		List<String> all = new ArrayList<>(List.of(base));
		all.addAll(List.of(more));
		return all.toArray(String[]::new);
	}

}
