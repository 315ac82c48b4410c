package dev.streamguard.transport;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;

import dev.streamguard.test.SelfSignedKeyStore;
import dev.streamguard.test.TestServer;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import reactor.core.Disposable;
import reactor.core.publisher.Sinks;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.LoopResources;

import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The request-header deadline on HTTP/1.1 connections: a connection that leaves HTTP/1.1 (a
 * WebSocket) leaves the deadline behind, a server that also speaks HTTP/2 keeps it for its
 * HTTP/1.1 connections, and a connection without a {@link PeerProgress} sees the first bytes
 * of a request through a handler of the deadline's own.
 */
@ExtendWith(OutputCaptureExtension.class)
class RequestHeaderDeadlineTests {

	private static final byte[] PARTIAL_HEAD = "GET /streams/nope HTTP/1.1\r\nHost: x\r\n"
		.getBytes(StandardCharsets.US_ASCII);

	private static final byte[] END_OF_HEAD = "\r\n".getBytes(StandardCharsets.US_ASCII);

	@Test
	void aWebSocketOutlivesTheDeadline() throws Exception {
		LoopResources loops = LoopResources.create("ws-client", 1, true);
		try (TestServer server = TestServer.start("streamguard.transport.request-header-timeout=1s")) {
			Sinks.Many<String> outgoing = Sinks.many().unicast().onBackpressureBuffer();
			List<String> echoes = new CopyOnWriteArrayList<>();
			Disposable socket = HttpClient.create()
				.runOn(loops)
				.websocket()
				.uri("ws://127.0.0.1:" + server.port() + "/test/ws/echo")
				.handle((in, out) -> out.sendString(outgoing.asFlux())
					.then()
					.and(in.receive().asString().doOnNext(echoes::add).then()))
				.subscribe();
			try {
				outgoing.tryEmitNext("one");
				Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> echoes.contains("one"));
				// Longer than the deadline after the connection's first WebSocket frame.
				TimeUnit.MILLISECONDS.sleep(2000);
				outgoing.tryEmitNext("two");
				Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> echoes.contains("two"));
			}
			finally {
				socket.dispose();
			}
			assertThat(refusedAtTheDeadline(server)).isZero();
		}
		finally {
			loops.dispose();
		}
	}

	@Test
	void aServerThatAlsoSpeaksHttp2ClosesAnHttp11ConnectionWhoseHeadersMissTheDeadline(CapturedOutput output)
			throws Exception {
		try (TestServer server = TestServer.start("server.http2.enabled=true",
				"streamguard.transport.request-header-timeout=1s")) {
			try (Socket socket = connect(server)) {
				long start = System.nanoTime();
				socket.getOutputStream().write(PARTIAL_HEAD);
				assertThat(readUntilClosed(socket)).as("bytes before the close").isZero();
				assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(900),
						Duration.ofSeconds(3));
			}
			Awaitility.await().atMost(Duration.ofSeconds(2)).until(() -> refusedAtTheDeadline(server) == 1);
			assertThat(output).doesNotContain("request-header-timeout");
			assertThat(output).doesNotContain("Decoding failed").doesNotContain("PrematureChannelClosureException");
		}
	}

	@Test
	void anHttp11OnlyServerClosesAConnectionWhoseHeadersMissTheDeadlineWithoutAWarning(CapturedOutput output)
			throws Exception {
		try (TestServer server = TestServer.start("streamguard.transport.request-header-timeout=1s")) {
			try (Socket socket = connect(server)) {
				long start = System.nanoTime();
				socket.getOutputStream().write(PARTIAL_HEAD);
				assertThat(readUntilClosed(socket)).as("bytes before the close").isZero();
				assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(900),
						Duration.ofSeconds(3));
			}
			Awaitility.await().atMost(Duration.ofSeconds(2)).until(() -> refusedAtTheDeadline(server) == 1);
			assertThat(output).doesNotContain("request-header-timeout applies to HTTP/1.1-only servers");
			// The request the deadline cut is not reported as one that failed to decode.
			assertThat(output).doesNotContain("Decoding failed").doesNotContain("PrematureChannelClosureException");
		}
	}

	@Test
	void withoutPeerProgressAHandlerOfItsOwnStartsTheNextRequestsDeadlineAtItsFirstByte() {
		// An embedded channel has no TCP_INFO, as NIO has none: no PeerProgress to pass raw reads on.
		EmbeddedChannel channel = new EmbeddedChannel(new HttpServerCodec());
		channel.freezeTime();
		AtomicInteger closedAtTheDeadline = new AtomicInteger();
		assertThat(RequestHeaderDeadline.install(channel, Duration.ofSeconds(1), closedAtTheDeadline::incrementAndGet))
			.isTrue();
		assertThat(channel.pipeline().get(RequestHeaderDeadline.FIRST_BYTE_NAME)).isNotNull();
		assertThat(ChannelWatch.of(channel)).isInstanceOf(RequestHeaderDeadline.class);
		channel.writeInbound(Unpooled.copiedBuffer("GET / HTTP/1.1\r\nHost: x\r\n\r\n", StandardCharsets.US_ASCII));
		FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.NO_CONTENT);
		channel.writeOutbound(response);
		// Idle between requests for longer than the deadline: left to the idle timeout.
		channel.advanceTimeBy(3, TimeUnit.SECONDS);
		channel.runScheduledPendingTasks();
		assertThat(channel.isOpen()).isTrue();
		// The next request's first bytes start its deadline.
		channel.writeInbound(Unpooled.copiedBuffer("GET / HT", StandardCharsets.US_ASCII));
		channel.advanceTimeBy(900, TimeUnit.MILLISECONDS);
		channel.runScheduledPendingTasks();
		assertThat(channel.isOpen()).isTrue();
		channel.advanceTimeBy(200, TimeUnit.MILLISECONDS);
		channel.runScheduledPendingTasks();
		assertThat(channel.isOpen()).isFalse();
		assertThat(closedAtTheDeadline).hasValue(1);
		channel.finishAndReleaseAll();
	}

	@Test
	void overTlsAStrayLineBreakBetweenRequestsStartsNoDeadlineAndAPartialRequestMeetsIt() throws Exception {
		try (SelfSignedKeyStore keyStore = SelfSignedKeyStore.create();
				TestServer server = TestServer.start(withTls(keyStore, "streamguard.transport.request-header-timeout=1s"))) {
			SSLContext tls = SSLContext.getInstance("TLS");
			tls.init(null, InsecureTrustManagerFactory.INSTANCE.getTrustManagers(), null);
			try (SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket("127.0.0.1", server.port())) {
				socket.setSoTimeout(5000);
				OutputStream out = socket.getOutputStream();
				byte[] request = "GET /streams/nope HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
				out.write(request);
				assertThat(readResponse(socket)).startsWith("HTTP/1.1 404");
				// A line break between requests (RFC 9112 allows it) arrives as a TLS record of its
				// own; the connection then stays quiet for longer than the deadline.
				out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
				out.flush();
				TimeUnit.MILLISECONDS.sleep(2500);
				out.write(request);
				assertThat(readResponse(socket)).startsWith("HTTP/1.1 404");
				long start = System.nanoTime();
				out.write(PARTIAL_HEAD);
				assertThat(readUntilClosed(socket)).as("bytes before the close").isZero();
				assertThat(Duration.ofNanos(System.nanoTime() - start)).isBetween(Duration.ofMillis(900),
						Duration.ofSeconds(3));
			}
			Awaitility.await().atMost(Duration.ofSeconds(2)).until(() -> refusedAtTheDeadline(server) == 1);
		}
	}

	private static String[] withTls(SelfSignedKeyStore keyStore, String... more) {
		List<String> properties = new ArrayList<>(List.of(keyStore.serverProperties("test")));
		properties.addAll(List.of(more));
		return properties.toArray(String[]::new);
	}

	/** Read one response with a {@code Content-Length} body, and return its status line. */
	private static String readResponse(Socket socket) throws IOException {
		InputStream in = socket.getInputStream();
		StringBuilder head = new StringBuilder();
		while (!head.toString().endsWith("\r\n\r\n")) {
			int c = in.read();
			if (c < 0) {
				throw new EOFException("Connection closed after '" + head + "'");
			}
			head.append((char) c);
		}
		long length = 0;
		for (String line : head.toString().split("\r\n")) {
			if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
				length = Long.parseLong(line.substring("content-length:".length()).trim());
			}
		}
		for (long left = length; left > 0; left--) {
			if (in.read() < 0) {
				throw new EOFException("Connection closed in the body");
			}
		}
		return head.substring(0, head.indexOf("\r\n"));
	}

	static double refusedAtTheDeadline(TestServer server) {
		return server.context()
			.getBean(MeterRegistry.class)
			.get("streamguard.connections.refused")
			.tag("cause", "request-header-timeout")
			.functionCounter()
			.count();
	}

	private static Socket connect(TestServer server) throws IOException {
		Socket socket = new Socket();
		socket.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
		socket.setSoTimeout(5000);
		return socket;
	}

	private static String statusLine(Socket socket) throws IOException {
		InputStream in = socket.getInputStream();
		StringBuilder line = new StringBuilder();
		for (int c; (c = in.read()) != '\n';) {
			if (c < 0) {
				throw new EOFException("Connection closed after '" + line + "'");
			}
			line.append((char) c);
		}
		return line.toString().trim();
	}

	/** Read until the server closes the connection, failing after the socket's timeout. */
	private static long readUntilClosed(Socket socket) throws IOException {
		InputStream in = socket.getInputStream();
		long total = 0;
		try {
			for (int n; (n = in.read(new byte[1024])) >= 0;) {
				total += n;
			}
		}
		catch (SocketException ex) {
			// A reset closes it too.
		}
		return total;
	}

}
