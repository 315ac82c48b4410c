package dev.streamguard.web;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.streamguard.stream.LiveStream;
import dev.streamguard.stream.TerminationReason;
import dev.streamguard.test.RecordingListener.Ended;
import dev.streamguard.test.SelfSignedKeyStore;
import dev.streamguard.test.TestServer;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.netty.http.Http2SslContextSpec;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.HttpClientResponse;
import reactor.netty.resources.ConnectionProvider;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Guarded streams over HTTP/2, both h2 over TLS (a Spring Boot SSL bundle with a certificate
 * made at run time) and h2c: several streams share one connection, and each is guarded on its
 * own, with its own id, heartbeats and reason, while its siblings go on.
 */
class Http2StreamsTests {

	private static final Duration WAIT = Duration.ofSeconds(10);

	private static final String[] SERVER = { "server.http2.enabled=true", "streamguard.heartbeat.interval=200ms",
			"management.endpoints.web.exposure.include=streams" };

	private final List<AutoCloseable> resources = new ArrayList<>();

	private final ListAppender<ILoggingEvent> logged = new ListAppender<>();

	@ParameterizedTest
	@EnumSource(Transport.class)
	void streamsSharingOneConnectionAreEachGuardedAndEndWithTheirOwnReason(Transport transport) throws Exception {
		TestServer server = start(transport);
		HttpClient client = client(transport, server.port());
		startCapturingLogs();

		H2Stream quiet = H2Stream.open(client, "/test/sse/quiet");
		H2Stream ticks = H2Stream.open(client, "/test/sse/ticks?ms=50");
		H2Stream late = H2Stream.open(client, "/test/sse/late?ms=2500");
		Map<String, LiveStream> byRoute = new HashMap<>();
		for (int i = 0; i < 3; i++) {
			LiveStream stream = server.listener().awaitStart(WAIT);
			byRoute.put(stream.route(), stream);
		}
		LiveStream quietStream = byRoute.get("/test/sse/quiet");
		LiveStream ticksStream = byRoute.get("/test/sse/ticks");
		LiveStream lateStream = byRoute.get("/test/sse/late");
		assertThat(List.of(quiet, ticks, late)).allSatisfy((stream) -> assertThat(stream.version()).isEqualTo("HTTP/2.0"));
		assertThat(quiet.streamId()).isEqualTo(quietStream.id());
		assertThat(ticks.streamId()).isEqualTo(ticksStream.id());
		assertThat(late.streamId()).isEqualTo(lateStream.id());
		assertThat(List.of(quiet.streamId(), ticks.streamId(), late.streamId())).doesNotHaveDuplicates();
		// One connection: the three streams have the same peer, port included.
		assertThat(quietStream.remoteAddress()).isPresent();
		assertThat(ticksStream.remoteAddress()).isEqualTo(quietStream.remoteAddress());
		assertThat(lateStream.remoteAddress()).isEqualTo(quietStream.remoteAddress());

		// The streams endpoint, asked over the same connection, lists all three.
		JsonNode listed = JsonMapper.builder().build().readTree(get(client, "/actuator/streams"));
		assertThat(listed.get("count").asInt()).isEqualTo(3);
		Map<String, String> routes = new HashMap<>();
		Set<String> connectionIds = new HashSet<>();
		for (JsonNode stream : listed.get("streams")) {
			routes.put(stream.get("id").asString(), stream.get("route").asString());
			assertThat(stream.get("state").asString()).isEqualTo("ACTIVE");
			// TCP figures come from the connection, the stream channel's parent.
			assertThat(stream.get("tcp").isNull()).as("tcp of %s", stream).isFalse();
			assertThat(stream.get("tcp").get("rttMicros").asLong()).isPositive();
			assertThat(stream.get("protocol").asString()).isEqualTo("HTTP/2");
			// One connection carries the three streams, and each lists its siblings.
			List<String> siblings = new ArrayList<>();
			stream.get("connection").get("streams").forEach((sibling) -> siblings.add(sibling.asString()));
			assertThat(siblings).containsExactlyInAnyOrder(quietStream.id(), ticksStream.id(), lateStream.id());
			connectionIds.add(stream.get("connection").get("id").asString());
		}
		assertThat(connectionIds).hasSize(1);
		assertThat(routes).containsExactlyInAnyOrderEntriesOf(Map.of(quietStream.id(), "/test/sse/quiet",
				ticksStream.id(), "/test/sse/ticks", lateStream.id(), "/test/sse/late"));

		// Heartbeats on the silent stream, events on the ticking one.
		Awaitility.await().atMost(WAIT).until(() -> quiet.heartbeats() >= 2 && ticks.events() >= 5);

		// The late stream completes on its own, and only it ends.
		Ended completed = server.listener().awaitEnd(WAIT);
		assertThat(completed.stream().id()).isEqualTo(lateStream.id());
		assertThat(completed.reason()).isEqualTo(TerminationReason.COMPLETED);
		late.end().get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
		assertThat(late.text()).contains("data:late");

		// The client resets the ticking stream; its silent sibling keeps receiving heartbeats.
		ticks.cancel();
		Ended cancelled = server.listener().awaitEnd(WAIT);
		assertThat(cancelled.stream().id()).isEqualTo(ticksStream.id());
		assertThat(cancelled.reason()).isEqualTo(TerminationReason.CLIENT_CLOSED);
		int heartbeatsAtCancel = quiet.heartbeats();
		Awaitility.await().atMost(WAIT).until(() -> quiet.heartbeats() >= heartbeatsAtCancel + 3);
		assertThat(quietStream.terminationReason()).isEmpty();
		assertThat(server.listener().endedCount()).isZero();

		quiet.cancel();
		Ended last = server.listener().awaitEnd(WAIT);
		assertThat(last.stream().id()).isEqualTo(quietStream.id());
		assertThat(last.reason()).isEqualTo(TerminationReason.CLIENT_CLOSED);

		// Give a late log line of the ends (a connection handler, a codec) its chance to come.
		Thread.sleep(300);
		assertNothingLoggedAboveDebug();
	}

	@ParameterizedTest
	@EnumSource(Transport.class)
	void aConnectionTheClientResetsEndsEachOfItsStreamsClientClosedAndLogsNothingAboveDebug(Transport transport)
			throws Exception {
		TestServer server = start(transport);
		// Linger 0: closing the socket sends RST, as a browser that quits or a killed client does.
		HttpClient client = client(transport, server.port()).option(ChannelOption.SO_LINGER, 0);
		startCapturingLogs();

		H2Stream quiet = H2Stream.open(client, "/test/sse/quiet");
		H2Stream ticks = H2Stream.open(client, "/test/sse/ticks?ms=50");
		LiveStream first = server.listener().awaitStart(WAIT);
		LiveStream second = server.listener().awaitStart(WAIT);
		assertThat(second.remoteAddress()).isEqualTo(first.remoteAddress());
		Awaitility.await().atMost(WAIT).until(() -> quiet.heartbeats() >= 1 && ticks.events() >= 3);

		Channel connection = ticks.connection();
		assertThat(quiet.connection()).isSameAs(connection);
		connection.close().sync();
		List<Ended> ends = List.of(server.listener().awaitEnd(WAIT), server.listener().awaitEnd(WAIT));
		assertThat(ends).extracting((end) -> end.stream().id())
			.containsExactlyInAnyOrder(first.id(), second.id());
		assertThat(ends).extracting(Ended::reason).containsOnly(TerminationReason.CLIENT_CLOSED);

		Thread.sleep(300);
		assertNothingLoggedAboveDebug();
	}

	private void assertNothingLoggedAboveDebug() {
		assertThat(this.logged.list.stream().filter((event) -> event.getLevel().isGreaterOrEqual(Level.INFO)))
			.as("logged above DEBUG on normal ends of HTTP/2 streams")
			.extracting(Http2StreamsTests::describe)
			.isEmpty();
	}

	private TestServer start(Transport transport) throws Exception {
		List<String> properties = new ArrayList<>(List.of(SERVER));
		if (transport == Transport.TLS) {
			SelfSignedKeyStore keyStore = SelfSignedKeyStore.create();
			this.resources.add(keyStore);
			properties.addAll(List.of(keyStore.serverProperties("test")));
		}
		TestServer server = TestServer.start(properties.toArray(String[]::new));
		this.resources.add(server);
		return server;
	}

	/** A client that puts every request on one HTTP/2 connection. */
	private HttpClient client(Transport transport, int port) {
		ConnectionProvider provider = ConnectionProvider.create("h2-test", 1);
		this.resources.add(() -> provider.disposeLater().block(WAIT));
		HttpClient client = HttpClient.create(provider).responseTimeout(WAIT);
		if (transport == Transport.TLS) {
			return client.protocol(HttpProtocol.H2)
				.secure((spec) -> spec.sslContext(Http2SslContextSpec.forClient()
					.configure((builder) -> builder.trustManager(InsecureTrustManagerFactory.INSTANCE))))
				.baseUrl("https://127.0.0.1:" + port);
		}
		return client.protocol(HttpProtocol.H2C).baseUrl("http://127.0.0.1:" + port);
	}

	private static String get(HttpClient client, String path) {
		return client.get()
			.uri(path)
			.responseSingle((response, body) -> body.asString(StandardCharsets.UTF_8))
			.block(WAIT);
	}

	private void startCapturingLogs() {
		this.logged.start();
		root().addAppender(this.logged);
		this.resources.add(0, () -> root().detachAppender(this.logged));
	}

	private static Logger root() {
		return (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
	}

	private static String describe(ILoggingEvent event) {
		String thrown = (event.getThrowableProxy() != null)
				? " (" + event.getThrowableProxy().getClassName() + ": " + event.getThrowableProxy().getMessage() + ")"
				: "";
		return event.getLevel() + " " + event.getLoggerName() + ": " + event.getFormattedMessage() + thrown;
	}

	@AfterEach
	void close() throws Exception {
		// The appender first, the server last: shutting down logs of its own.
		for (AutoCloseable resource : this.resources) {
			resource.close();
		}
	}

	enum Transport {

		/** h2 negotiated by ALPN over TLS. */
		TLS,

		/** h2c in clear text, with prior knowledge. */
		H2C

	}

	/** One response read as text while it arrives. */
	private static final class H2Stream {

		private final CompletableFuture<HttpClientResponse> response = new CompletableFuture<>();

		private final StringBuffer text = new StringBuffer();

		private final CompletableFuture<Void> end = new CompletableFuture<>();

		private final CompletableFuture<Channel> connection = new CompletableFuture<>();

		private volatile Disposable subscription;

		static H2Stream open(HttpClient client, String path) {
			H2Stream stream = new H2Stream();
			// The HTTP/2 stream's channel is a child of the connection's.
			HttpClient watched = client.doOnResponse(
					(response, connection) -> stream.connection.complete(connection.channel().parent()));
			stream.subscription = watched.get().uri(path).response((response, body) -> {
				stream.response.complete(response);
				return body.asString(StandardCharsets.UTF_8);
			}).subscribe(stream.text::append, stream.end::completeExceptionally, () -> stream.end.complete(null));
			return stream;
		}

		String streamId() throws Exception {
			return header(StreamGuardWebFilter.STREAM_ID_HEADER);
		}

		String version() throws Exception {
			return this.response.get(WAIT.toMillis(), TimeUnit.MILLISECONDS).version().text();
		}

		private String header(String name) throws Exception {
			return this.response.get(WAIT.toMillis(), TimeUnit.MILLISECONDS).responseHeaders().get(name);
		}

		Channel connection() throws Exception {
			return this.connection.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
		}

		String text() {
			return this.text.toString();
		}

		int heartbeats() {
			return count(":");
		}

		int events() {
			return (int) lines().filter((line) -> line.startsWith("id:")).count();
		}

		private int count(String line) {
			return (int) lines().filter(line::equals).count();
		}

		private Stream<String> lines() {
			return text().lines();
		}

		CompletableFuture<Void> end() {
			return this.end;
		}

		void cancel() {
			this.subscription.dispose();
		}

	}

}
