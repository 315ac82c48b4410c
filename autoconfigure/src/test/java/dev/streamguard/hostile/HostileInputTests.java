package dev.streamguard.hostile;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.streamguard.stream.StreamGate;
import dev.streamguard.test.RawHttp;
import dev.streamguard.test.TestServer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.netty.http.client.HttpClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hundreds of malformed and hostile requests against a real server while a well-behaved client
 * streams: each gets a clear answer (never a 500, never a stack trace), the healthy stream keeps
 * flowing, and nothing leaks.
 */
class HostileInputTests {

	private static TestServer server;

	private static final AtomicLong healthy = new AtomicLong();

	private static Disposable healthyClient;

	@BeforeAll
	static void start() throws Exception {
		server = TestServer.start("streamguard.max-streams-per-client=6", "streamguard.transport.request-header-timeout=2s",
				"streamguard.heartbeat.interval=0");
		healthyClient = HttpClient.create()
			.get()
			.uri("http://127.0.0.1:" + server.port() + "/streams/paced")
			.responseContent()
			.asString()
			.subscribe((chunk) -> healthy.addAndGet(chunk.lines().filter((line) -> line.startsWith("id:")).count()));
		Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> healthy.get() > 5);
	}

	@AfterAll
	static void stop() {
		healthyClient.dispose();
		server.close();
	}

	@Test
	void craftedPositionsRangesAndNamesGetClearAnswers() throws Exception {
		List<Case> cases = new ArrayList<>();
		for (String from : new String[] { "-1", "abc", "1e3", "99999999999999999999", "", "%201", "%00", "%EF%BC%91%EF%BC%92",
				"0x10", "+5", "1.5", "%D9%A3", "9223372036854775808", "1%0D%0AX-Injected:%201", "%F0%9F%92%A5" }) {
			cases.add(new Case("/streams/numbers?from=" + from, "Accept: application/x-ndjson\r\n", 400));
		}
		cases.add(new Case("/streams/numbers?from=9223372036854775807", "Accept: application/x-ndjson\r\n", 200));
		for (String id : new String[] { "-1", "x1", "9223372036854775807", "1 2", "\u00e9", "00000000000000000000001" }) {
			cases.add(new Case("/streams/numbers", "Last-Event-ID: " + id + "\r\n",
					400));
		}
		// RFC 9110 section 14.2: a range in another unit, or not valid, is ignored (the whole body);
		// disjoint ranges get the whole body too; a position beyond a long is past the end.
		for (String range : new String[] { "bytes=abc", "bytes=5-3", "bytes=0-1,5-6", "items=0-", "bytes=0x10-" }) {
			cases.add(new Case("/streams/blob", "Range: " + range + "\r\n", 200));
		}
		for (String range : new String[] { "bytes=-5", "bytes= 1-" }) {
			cases.add(new Case("/streams/blob", "Range: " + range + "\r\n", 206));
		}
		cases.add(new Case("/streams/blob", "Range: bytes=18446744073709551616-\r\n", 416));
		cases.add(new Case("/streams/blob", "Range: bytes=99999999999-\r\n", 416));
		cases.add(new Case("/streams/blob", "Range: bytes=0-9\r\n", 206));
		for (String name : new String[] { "nope", "..%2F..%2Fetc%2Fpasswd", "%00", "a".repeat(1000), "%E2%80%AE",
				"numbers%3Bx" }) {
			cases.add(new Case("/streams/" + name, "", 404));
		}
		cases.add(new Case("/streams/numbers", "Content-Length: 5\r\n", "hello", 413));
		cases.add(new Case("/streams/numbers", "X-Big: " + "h".repeat(20_000) + "\r\n", 431));
		for (Case c : cases) {
			Answer answer = send(c);
			assertThat(answer.status()).as(c.toString()).isEqualTo(c.expected());
			if (c.expected() >= 400 && c.expected() != 431) {
				assertThat(answer.head()).as(c.toString()).containsIgnoringCase("Content-Type: application/problem+json");
				assertSafe(answer.body(), c);
			}
		}
		assertHealthyAndNothingLeaked();
	}

	@Test
	void randomInputIsNeverAServerError() throws Exception {
		Random random = new Random(20261125);
		for (int i = 0; i < 300; i++) {
			String junk = junk(random);
			Case c = switch (i % 3) {
				case 0 -> new Case("/streams/numbers?from=" + URLEncoder.encode(junk, StandardCharsets.UTF_8),
						"Accept: application/x-ndjson\r\n", -1);
				case 1 -> new Case("/streams/numbers", "Last-Event-ID: " + junk.replaceAll("[\\r\\n]", "") + "\r\n", -1);
				default -> new Case("/streams/blob", "Range: " + junk.replaceAll("[\\r\\n]", "") + "\r\n", -1);
			};
			Answer answer = send(c);
			assertThat(answer.status()).as(c.toString()).isIn(200, 206, 400, 416);
			if (answer.status() >= 400) {
				assertSafe(answer.body(), c);
			}
		}
		assertHealthyAndNothingLeaked();
	}

	@Test
	void slowlorisConnectionIsClosedAtTheHeaderDeadline() throws Exception {
		try (Socket socket = connect()) {
			byte[] request = "GET /streams/numbers HTTP/1.1\r\nHost: x\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII);
			assertThat(trickleUntilClosed(socket, request)).isLessThan(Duration.ofSeconds(4));
		}
		assertThat(server.context()
			.getBean(io.micrometer.core.instrument.MeterRegistry.class)
			.get("streamguard.connections.refused")
			.tag("cause", "request-header-timeout")
			.functionCounter()
			.count()).isPositive();
		assertHealthyAndNothingLeaked();
	}

	@Test
	void slowlorisOnAPersistentConnectionIsClosedAtTheNextRequestsHeaderDeadline() throws Exception {
		try (Socket socket = connect()) {
			OutputStream out = socket.getOutputStream();
			InputStream in = socket.getInputStream();
			byte[] request = "GET /streams/nope HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
			out.write(request);
			assertThat(readResponseHead(in)).startsWith("HTTP/1.1 404");
			// A stray line break between requests (RFC 9112 allows it), then quiet for longer than
			// the deadline: the connection stays usable.
			out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
			out.flush();
			Thread.sleep(2500);
			out.write(request);
			assertThat(readResponseHead(in)).startsWith("HTTP/1.1 404");
			// The third request, without the blank line that would complete its headers.
			byte[] partial = Arrays.copyOf(request, request.length - 4);
			assertThat(trickleUntilClosed(socket, partial)).isBetween(Duration.ofMillis(1500), Duration.ofSeconds(4));
		}
		assertHealthyAndNothingLeaked();
	}

	@Test
	void aRequestPipelinedBehindALiveStreamDoesNotEndTheStreamAtTheHeaderDeadline() throws Exception {
		// Complete, but held back by the server until the stream before it ends.
		assertStreamOutlivesTheDeadlineBehind("GET /streams/nope HTTP/1.1\r\nHost: x\r\n\r\n");
	}

	@Test
	void aPartialRequestBehindALiveStreamDoesNotEndTheStreamAtTheHeaderDeadline() throws Exception {
		assertStreamOutlivesTheDeadlineBehind("GET /streams/nope HTTP/1.1\r\nHo");
	}

	private static void assertStreamOutlivesTheDeadlineBehind(String pipelined) throws Exception {
		try (Socket socket = connect()) {
			OutputStream out = socket.getOutputStream();
			InputStream in = socket.getInputStream();
			out.write("GET /test/sse/ticks?ms=100 HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
			assertThat(in.read(new byte[4096])).isPositive();
			out.write(pipelined.getBytes(StandardCharsets.US_ASCII));
			byte[] buffer = new byte[4096];
			Awaitility.await()
				.during(Duration.ofSeconds(3))
				.atMost(Duration.ofSeconds(5))
				.pollInterval(Duration.ofMillis(200))
				.until(() -> in.read(buffer) > 0);
		}
		assertHealthyAndNothingLeaked();
	}

	private static Socket connect() throws IOException {
		Socket socket = new Socket();
		socket.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
		socket.setSoTimeout(5000);
		return socket;
	}

	/**
	 * Write the given bytes one every 100 ms, for at most 6 s, as a slowloris client does, and
	 * return how long it took the server to close the connection.
	 */
	private static Duration trickleUntilClosed(Socket socket, byte[] bytes) throws Exception {
		OutputStream out = socket.getOutputStream();
		long start = System.nanoTime();
		boolean closed;
		try {
			for (int i = 0; i < 60; i++) {
				out.write(bytes[i % bytes.length]);
				out.flush();
				Thread.sleep(100);
			}
			closed = socket.getInputStream().read() < 0;
		}
		catch (SocketException ex) {
			closed = true;
		}
		assertThat(closed).as("connection closed while the request trickled in").isTrue();
		return Duration.ofNanos(System.nanoTime() - start);
	}

	/**
	 * Read a response's head and its body (fixed length or chunked); return the head.
	 */
	private static String readResponseHead(InputStream in) throws IOException {
		ByteArrayOutputStream head = new ByteArrayOutputStream();
		while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
			int b = in.read();
			assertThat(b).as("response head complete").isNotNegative();
			head.write(b);
		}
		String text = head.toString(StandardCharsets.ISO_8859_1);
		Matcher length = Pattern.compile("(?i)content-length: *(\\d+)").matcher(text);
		if (length.find()) {
			assertThat(in.readNBytes(Integer.parseInt(length.group(1)))).hasSize(Integer.parseInt(length.group(1)));
		}
		else {
			ByteArrayOutputStream body = new ByteArrayOutputStream();
			while (!body.toString(StandardCharsets.ISO_8859_1).endsWith("0\r\n\r\n")) {
				int b = in.read();
				assertThat(b).as("chunked body complete").isNotNegative();
				body.write(b);
			}
		}
		return text;
	}

	@Test
	void manyStreamsFromOneAddressAreRefusedBeyondTheLimit() throws Exception {
		List<RawHttp> clients = new ArrayList<>();
		try {
			// The healthy client holds one of the six.
			for (int i = 0; i < 5; i++) {
				clients.add(RawHttp.get(server.port(), "/streams/paced", 64 * 1024));
			}
			Awaitility.await()
				.atMost(Duration.ofSeconds(5))
				.until(() -> server.context().getBean(StreamGate.class).streamsOf(InetAddress.getLoopbackAddress()) == 6);
			Answer refused = send(new Case("/streams/paced", "", 429));
			assertThat(refused.status()).isEqualTo(429);
			assertThat(refused.head()).containsIgnoringCase("Retry-After: 1");
			assertThat(refused.body()).contains("Too many live streams from your address");
		}
		finally {
			for (RawHttp client : clients) {
				client.reset();
			}
		}
		assertHealthyAndNothingLeaked();
	}

	private static void assertSafe(String body, Case c) {
		assertThat(body).as(c.toString())
			.startsWith("{")
			.doesNotContain("Exception")
			.doesNotContain("at dev.")
			.doesNotContain("at org.")
			.doesNotContain("/work/")
			.doesNotContain("java.");
		assertThat(body.length()).as(c.toString()).isLessThan(2000);
	}

	private static void assertHealthyAndNothingLeaked() throws Exception {
		long before = healthy.get();
		Awaitility.await().atMost(Duration.ofSeconds(3)).until(() -> healthy.get() > before);
		StreamGate gate = server.context().getBean(StreamGate.class);
		Awaitility.await().atMost(Duration.ofSeconds(3)).until(() -> server.registry().size() == 1 && gate.admitted() == 1);
		assertThat(gate.streamsOf(InetAddress.getLoopbackAddress())).isOne();
	}

	private static String junk(Random random) {
		String alphabet = "0123456789-=,;: bytes\t\u00e9\u0663\uff11\u202eX";
		int length = random.nextInt(30);
		StringBuilder out = new StringBuilder();
		for (int i = 0; i < length; i++) {
			out.append(random.nextInt(4) == 0 ? (char) (0x20 + random.nextInt(0x5f))
					: alphabet.charAt(random.nextInt(alphabet.length())));
		}
		return out.toString();
	}

	private static Answer send(Case c) throws IOException {
		try (Socket socket = connect()) {
			String request = "GET " + c.path() + " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n" + c.headers()
					+ "\r\n" + c.body();
			socket.getOutputStream().write(request.getBytes(StandardCharsets.UTF_8));
			InputStream in = socket.getInputStream();
			ByteArrayOutputStream head = new ByteArrayOutputStream();
			while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
				int b = in.read();
				if (b < 0) {
					break;
				}
				head.write(b);
			}
			String headText = head.toString(StandardCharsets.ISO_8859_1);
			int status = headText.length() > 12 ? Integer.parseInt(headText.substring(9, 12)) : -1;
			ByteArrayOutputStream body = new ByteArrayOutputStream();
			if (status >= 300 || status == 206) {
				byte[] buffer = new byte[4096];
				for (int n; body.size() < 100_000 && (n = in.read(buffer)) >= 0;) {
					body.write(buffer, 0, n);
				}
			}
			String bodyText = body.toString(StandardCharsets.UTF_8);
			// Chunked framing around a problem body: keep the JSON object itself.
			int open = bodyText.indexOf('{');
			int close = bodyText.lastIndexOf('}');
			return new Answer(status, headText, (open >= 0 && close > open) ? bodyText.substring(open, close + 1) : bodyText);
		}
	}

	record Case(String path, String headers, String body, int expected) {

		Case(String path, String headers, int expected) {
			this(path, headers, "", expected);
		}

		@Override
		public String toString() {
			String shown = this.path + " " + this.headers.replace("\r\n", " | ");
			return (shown.length() > 200) ? shown.substring(0, 200) + "..." : shown;
		}

	}

	record Answer(int status, String head, String body) {
	}

}
