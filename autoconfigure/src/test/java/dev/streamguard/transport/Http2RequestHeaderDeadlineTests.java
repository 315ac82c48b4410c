package dev.streamguard.transport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

import dev.streamguard.test.RawHttp2;
import dev.streamguard.test.TestServer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import static dev.streamguard.transport.RequestHeaderDeadlineTests.refusedAtTheDeadline;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The request-header deadline on HTTP/2 (h2c): a connection must send its preface and its first
 * complete request headers within the timeout after accept, and a header block once begun must
 * end within it. Without the deadline such connections stay open.
 */
class Http2RequestHeaderDeadlineTests {

	private static final Duration TIMEOUT = Duration.ofSeconds(1);

	private static final Duration BOUND = TIMEOUT.plusMillis(1000);

	private static final String H2C = "server.http2.enabled=true";


	@Test
	void withoutTheDeadlineSilentAndUnfinishedHeadersHoldTheirConnections() throws Exception {
		try (TestServer unguarded = TestServer.start(H2C, "streamguard.transport.request-header-timeout=0");
				RawHttp2 prefaceOnly = RawHttp2.connect(unguarded.port());
				RawHttp2 noHeaders = RawHttp2.open(unguarded.port());
				RawHttp2 openBlock = RawHttp2.open(unguarded.port())) {
			prefaceOnly.send(Arrays.copyOf(RawHttp2.PREFACE, 10));
			byte[] block = openBlock.headerBlock(1, "/test/json");
			openBlock.send(RawHttp2.frame(RawHttp2.HEADERS, RawHttp2.END_STREAM, 1, block));
			// Twice the timeout and its margin: the deadline would have closed all three.
			TimeUnit.MILLISECONDS.sleep(BOUND.multipliedBy(2).toMillis());
			assertThat(prefaceOnly.closedNanos()).as("partial preface closed").isZero();
			assertThat(noHeaders.closedNanos()).as("no headers closed").isZero();
			assertThat(openBlock.closedNanos()).as("open header block closed").isZero();
			assertThat(refusedAtTheDeadline(unguarded)).isZero();
		}
	}

	/**
	 * One server with the deadline for these tests: a second server in the same JVM would share
	 * Reactor Netty's global resources, which the first to close disposes.
	 */
	@Nested
	@TestInstance(TestInstance.Lifecycle.PER_CLASS)
	class WithTheDeadline {

		private TestServer server;

		@BeforeAll
		void startServer() {
			this.server = TestServer.start(H2C, "streamguard.transport.request-header-timeout=1s");
		}

		@AfterAll
		void stopServer() {
			this.server.close();
		}

		@Test
		void aConnectionWithoutItsPrefaceAndFirstHeadersIsClosedAtTheDeadline() throws Exception {
			double refused = refusedAtTheDeadline(server);
			try (RawHttp2 prefaceOnly = RawHttp2.connect(server.port());
					RawHttp2 noHeaders = RawHttp2.open(server.port())) {
				long start = System.nanoTime();
				prefaceOnly.send(Arrays.copyOf(RawHttp2.PREFACE, 10));
				assertClosedWithin(prefaceOnly, start);
				assertClosedWithin(noHeaders, start);
				Awaitility.await().atMost(Duration.ofSeconds(2)).until(() -> refusedAtTheDeadline(server) == refused + 2);
			}
		}

		@Test
		void aHeaderBlockLeftOpenIsClosedAtTheDeadline() throws Exception {
			double refused = refusedAtTheDeadline(server);
			try (RawHttp2 client = RawHttp2.open(server.port())) {
				client.get(1, "/test/json");
				client.await(RawHttp2.HEADERS, Duration.ofSeconds(5));
				// Well past the first request's deadline, a second request begins and never ends.
				TimeUnit.MILLISECONDS.sleep(BOUND.toMillis());
				assertThat(client.closedNanos()).as("closed between requests").isZero();
				byte[] block = client.headerBlock(3, "/test/json");
				long start = System.nanoTime();
				client.send(RawHttp2.frame(RawHttp2.HEADERS, RawHttp2.END_STREAM, 3, Arrays.copyOf(block, 2)));
				assertClosedWithin(client, start);
				Awaitility.await().atMost(Duration.ofSeconds(2)).until(() -> refusedAtTheDeadline(server) == refused + 1);
			}
		}

		@Test
		void aHeadersFrameTrickledPastTheDeadlineIsClosed() throws Exception {
			double refused = refusedAtTheDeadline(server);
			try (RawHttp2 client = RawHttp2.open(server.port())) {
				byte[] frame = RawHttp2.frame(RawHttp2.HEADERS, RawHttp2.END_HEADERS | RawHttp2.END_STREAM, 1,
						client.headerBlock(1, "/test/json"));
				long start = System.nanoTime();
				// The frame says END_HEADERS, but its block arrives a byte at a time.
				for (int i = 0; i < frame.length && client.closedNanos() == 0; i++) {
					try {
						client.send(new byte[] { frame[i] });
					}
					catch (IOException ex) {
						// Closed while sending.
						break;
					}
					TimeUnit.MILLISECONDS.sleep(200);
				}
				assertClosedWithin(client, start);
				Awaitility.await().atMost(Duration.ofSeconds(2)).until(() -> refusedAtTheDeadline(server) == refused + 1);
			}
		}

		@Test
		void aHeaderBlockEndedByContinuationWithinTheDeadlineIsServed() throws Exception {
			double refused = refusedAtTheDeadline(server);
			try (RawHttp2 client = RawHttp2.open(server.port())) {
				byte[] block = client.headerBlock(1, "/test/json");
				client.send(RawHttp2.frame(RawHttp2.HEADERS, RawHttp2.END_STREAM, 1, Arrays.copyOf(block, 2)));
				TimeUnit.MILLISECONDS.sleep(TIMEOUT.toMillis() / 2);
				client.send(RawHttp2.frame(RawHttp2.CONTINUATION, RawHttp2.END_HEADERS, 1,
						Arrays.copyOfRange(block, 2, block.length)));
				assertThat(client.await(RawHttp2.HEADERS, Duration.ofSeconds(3)).streamId()).isEqualTo(1);
				TimeUnit.MILLISECONDS.sleep(BOUND.toMillis());
				assertThat(client.closedNanos()).as("connection closed").isZero();
				assertThat(refusedAtTheDeadline(server)).isEqualTo(refused);
			}
		}

		@Test
		void anH2cUpgradeWhosePrefaceNeverComesIsClosedAtTheDeadline() throws Exception {
			double refused = refusedAtTheDeadline(server);
			try (Socket socket = new Socket()) {
				socket.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
				socket.setSoTimeout(5000);
				OutputStream out = socket.getOutputStream();
				out.write(("GET /test/json HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade, HTTP2-Settings\r\n"
						+ "Upgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAoAAAAAIAAAAA\r\n\r\n")
					.getBytes(StandardCharsets.US_ASCII));
				InputStream in = socket.getInputStream();
				byte[] status = in.readNBytes(12);
				assertThat(new String(status, StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 101");
				long upgraded = System.nanoTime();
				// The preface is begun and never finished.
				out.write(Arrays.copyOf(RawHttp2.PREFACE, 10));
				while (in.read(new byte[1024]) >= 0) {
					// Drain the upgrade's response until the server closes.
				}
				assertThat(Duration.ofNanos(System.nanoTime() - upgraded)).isBetween(TIMEOUT.minusMillis(100), BOUND);
				Awaitility.await().atMost(Duration.ofSeconds(2)).until(() -> refusedAtTheDeadline(server) == refused + 1);
			}
		}

	}

	/**
	 * h2 over TLS, negotiated by ALPN, with a certificate the test generates: the deadline reads
	 * the bytes after TLS.
	 */
	@Nested
	@TestInstance(TestInstance.Lifecycle.PER_CLASS)
	class OverTls {

		private TestServer server;

		@BeforeAll
		void startServer(@TempDir Path directory) throws Exception {
			Path keyStore = directory.resolve("server.p12");
			Process keytool = new ProcessBuilder("keytool", "-genkeypair", "-alias", "server", "-keyalg", "EC",
					"-groupname", "secp256r1", "-dname", "CN=localhost", "-ext", "san=ip:127.0.0.1", "-validity", "2",
					"-storetype", "PKCS12", "-keystore", keyStore.toString(), "-storepass", "secret123")
				.redirectErrorStream(true)
				.start();
			assertThat(keytool.waitFor(30, TimeUnit.SECONDS)).isTrue();
			assertThat(keytool.exitValue()).as(new String(keytool.getInputStream().readAllBytes())).isZero();
			this.server = TestServer.start(H2C, "streamguard.transport.request-header-timeout=1s",
					"server.ssl.key-store=file:" + keyStore, "server.ssl.key-store-type=PKCS12",
					"server.ssl.key-store-password=secret123");
		}

		@AfterAll
		void stopServer() {
			this.server.close();
		}

		@Test
		void anH2ConnectionWithoutHeadersIsClosedAtTheDeadline() throws Exception {
			double refused = refusedAtTheDeadline(this.server);
			long start = System.nanoTime();
			try (RawHttp2 client = RawHttp2.openTls(this.server.port())) {
				assertClosedWithin(client, start);
			}
			Awaitility.await().atMost(Duration.ofSeconds(2)).until(() -> refusedAtTheDeadline(this.server) == refused + 1);
		}

		@Test
		void anH2ConnectionWithItsHeadersInTimeIsServed() throws Exception {
			try (RawHttp2 client = RawHttp2.openTls(this.server.port())) {
				client.get(1, "/test/json");
				assertThat(client.await(RawHttp2.HEADERS, Duration.ofSeconds(3)).streamId()).isEqualTo(1);
				TimeUnit.MILLISECONDS.sleep(BOUND.toMillis());
				assertThat(client.closedNanos()).as("connection closed").isZero();
			}
		}

	}

	private static void assertClosedWithin(RawHttp2 client, long start) throws InterruptedException {
		assertThat(client.awaitClosed(BOUND.plusSeconds(1))).as("connection closed").isTrue();
		assertThat(Duration.ofNanos(client.closedNanos() - start)).isBetween(TIMEOUT.minusMillis(100), BOUND);
	}

}
