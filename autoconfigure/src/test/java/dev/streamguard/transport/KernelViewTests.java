package dev.streamguard.transport;

import java.time.Duration;

import dev.streamguard.stream.LiveStream;
import dev.streamguard.stream.TerminationReason;
import dev.streamguard.test.Capabilities;
import dev.streamguard.test.NetNs;
import dev.streamguard.test.RawHttp;
import dev.streamguard.test.RecordingListener.Ended;
import dev.streamguard.test.TestServer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * TCP_INFO tells a live peer that stopped reading (it acknowledges, its window is closed) from
 * a peer that went silent (nothing is acknowledged), whichever timer fires.
 */
class KernelViewTests {

	@Test
	void liveReaderThatStopsReadingIsEndedByTheStallTimeoutNotByTheKernel() throws Exception {
		Capabilities.requireEpoll();
		try (TestServer server = TestServer.start("streamguard.transport.user-timeout=1s",
				"streamguard.stall-timeout=4s", "streamguard.heartbeat.interval=0")) {
			try (RawHttp client = RawHttp.get(server.port(), "/test/bulk", 64 * 1024)) {
				LiveStream stream = server.listener().awaitStart(Duration.ofSeconds(5));
				client.read(1024 * 1024);
				Awaitility.await()
					.atMost(Duration.ofSeconds(5))
					.until(() -> stream.tcpInfo().map(TcpInfo::zeroWindow).orElse(false));
				// The peer acknowledges every probe: it is alive, and the kernel's user timeout
				// (which Linux also applies to a closed window) must not end it at 1 s.
				Ended ended = server.listener().awaitEnd(Duration.ofSeconds(10));
				assertThat(ended.reason()).isEqualTo(TerminationReason.STALLED);
				assertThat(ended.stream().age()).isBetween(Duration.ofSeconds(4), Duration.ofSeconds(9));
			}
		}
	}

	@Test
	void nonReaderOfSmallElementsIsStalledAlthoughItsBytesWaitInTheKernel() throws Exception {
		Capabilities.requireEpoll();
		try (TestServer server = TestServer.start("streamguard.transport.user-timeout=2s",
				"streamguard.stall-timeout=4s", "streamguard.heartbeat.interval=0")) {
			try (RawHttp client = RawHttp.get(server.port(), "/test/writer?waitMs=60000", 64 * 1024)) {
				LiveStream stream = server.listener().awaitStart(Duration.ofSeconds(5));
				client.read(4096);
				// Lines of a few bytes: the kernel's send buffer takes megabytes of them while
				// the write window in the process has room.
				Ended ended = server.listener().awaitEnd(Duration.ofSeconds(12));
				assertThat(ended.reason()).isEqualTo(TerminationReason.STALLED);
				assertThat(ended.stream().age()).isBetween(Duration.ofSeconds(4), Duration.ofSeconds(10));
			}
		}
	}

	@Test
	void silentPeerCaughtByTheStallTimerIsNamedUnresponsive() throws Exception {
		Capabilities.requireEpoll();
		try (NetNs ns = NetNs.createOrSkip();
				TestServer server = TestServer.start("streamguard.transport.user-timeout=0",
						"streamguard.transport.keepalive.enabled=false", "streamguard.stall-timeout=2s",
						"streamguard.heartbeat.interval=0", "server.address=" + ns.hostAddress())) {
			ns.start("curl", "-sN", "--max-time", "60", "-o", "/dev/null",
					"http://" + ns.hostAddress() + ":" + server.port() + "/test/bulk");
			LiveStream stream = server.listener().awaitStart(Duration.ofSeconds(15));
			Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> stream.bytesSent() > 4 * 1024 * 1024);
			ns.cut();
			long cut = System.nanoTime();
			Ended ended = server.listener().awaitEnd(Duration.ofSeconds(6));
			assertThat(ended.reason()).isEqualTo(TerminationReason.PEER_UNRESPONSIVE);
			assertThat(Duration.ofNanos(ended.nanoTime() - cut)).isLessThan(Duration.ofSeconds(3));
		}
	}

}
