package dev.streamguard.client;

import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import dev.streamguard.stream.LiveStream;
import dev.streamguard.test.TestServer;
import dev.streamguard.transport.TransportOptions;
import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;

import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The client against real servers: across a restart it delivers every item once, in order;
 * heartbeats keep a quiet stream from its read-idle timeout.
 */
class StreamGuardClientTests {

	private static final Retry RETRY = Retry.of("test", RetryConfig.custom()
		.maxAttempts(30)
		.intervalFunction(IntervalFunction.ofExponentialRandomBackoff(Duration.ofMillis(100), 1.5, 0.2,
				Duration.ofSeconds(1)))
		.retryOnException(StreamGuardClient::isTransient)
		.build());

	@Test
	void crossesAServerRestartWithoutGapOrDuplicate() throws Exception {
		int port = freePort();
		StreamGuardClient client = new StreamGuardClient(WebClient.builder(),
				TransportOptions.NONE.withUserTimeout(Duration.ofSeconds(5)), Duration.ofSeconds(5), RETRY);
		List<StreamEvent<String>> events = new CopyOnWriteArrayList<>();
		List<Throwable> errors = new CopyOnWriteArrayList<>();
		TestServer first = TestServer.start("server.port=" + port, "streamguard.drain.reconnect-delay=100ms");
		// Only collects: an assertion thrown in here would end the subscription and be dropped.
		Disposable subscription = client.events("http://127.0.0.1:" + port + "/streams/paced")
			.subscribe(events::add, errors::add);
		TestServer second = null;
		try {
			Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> events.size() >= 30);
			first.close();
			int beforeRestart = events.size();
			second = TestServer.start("server.port=" + port);
			Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> events.size() >= beforeRestart + 50);
		}
		finally {
			subscription.dispose();
			first.close();
			if (second != null) {
				second.close();
			}
		}
		assertThat(errors).as("errors of the subscription").isEmpty();
		for (int i = 0; i < events.size(); i++) {
			StreamEvent<String> event = events.get(i);
			assertThat(event.data()).isEqualTo("p" + i);
			assertThat(event.id()).as("id of %s", event.data()).isEqualTo(Integer.toString(i));
		}
	}

	@Test
	void heartbeatsKeepAQuietStreamFromTheReadIdleTimeout() throws Exception {
		try (TestServer server = TestServer.start("streamguard.heartbeat.interval=200ms")) {
			Disposable subscription = quietClient(server);
			try {
				LiveStream stream = server.listener().awaitStart(Duration.ofSeconds(5));
				long sent = stream.bytesSent();
				// Three times the client's read-idle timeout: the same stream all along, no reconnect.
				Awaitility.await()
					.during(Duration.ofSeconds(3))
					.atMost(Duration.ofSeconds(5))
					.until(() -> server.registry().find(stream.id()).isPresent()
							&& server.listener().startedCount() == 0);
				assertThat(stream.bytesSent()).as("bytes sent, heartbeats only").isGreaterThan(sent);
			}
			finally {
				subscription.dispose();
			}
		}
	}

	@Test
	void withoutHeartbeatsTheReadIdleTimeoutReconnects() throws Exception {
		try (TestServer server = TestServer.start("streamguard.heartbeat.interval=0")) {
			Disposable subscription = quietClient(server);
			try {
				server.listener().awaitStart(Duration.ofSeconds(5));
				server.listener().awaitStart(Duration.ofSeconds(5));
			}
			finally {
				subscription.dispose();
			}
		}
	}

	@Test
	void clientErrorsOtherThanTooManyRequestsAreNotRetried() {
		assertThat(StreamGuardClient.isTransient(org.springframework.web.reactive.function.client.WebClientResponseException
			.create(404, "Not Found", null, null, null))).isFalse();
		assertThat(StreamGuardClient.isTransient(org.springframework.web.reactive.function.client.WebClientResponseException
			.create(503, "Service Unavailable", null, null, null))).isTrue();
		assertThat(StreamGuardClient.isTransient(new StreamInterruptedException("server-shutdown"))).isTrue();
	}

	private static Disposable quietClient(TestServer server) {
		StreamGuardClient client = new StreamGuardClient(WebClient.builder(), TransportOptions.NONE,
				Duration.ofSeconds(1), RETRY);
		return client.events("http://127.0.0.1:" + server.port() + "/test/sse/quiet").subscribe();
	}

	private static int freePort() throws Exception {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
	}

}
