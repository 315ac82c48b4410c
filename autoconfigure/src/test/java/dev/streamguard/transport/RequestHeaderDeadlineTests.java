package dev.streamguard.transport;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import dev.streamguard.test.TestServer;
import io.micrometer.core.instrument.MeterRegistry;
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
 * The request-header deadline times HTTP/1.1 requests only: a connection that leaves HTTP/1.1
 * (a WebSocket) leaves the deadline behind, and a server that also speaks HTTP/2 does without it.
 */
@ExtendWith(OutputCaptureExtension.class)
class RequestHeaderDeadlineTests {

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
			assertThat(server.context()
				.getBean(MeterRegistry.class)
				.get("streamguard.connections.refused")
				.tag("cause", "request-header-timeout")
				.functionCounter()
				.count()).isZero();
		}
		finally {
			loops.dispose();
		}
	}

	@Test
	void aServerThatAlsoSpeaksHttp2SaysTheDeadlineDoesNotApply(CapturedOutput output) {
		try (TestServer server = TestServer.start("server.http2.enabled=true",
				"streamguard.transport.request-header-timeout=1s")) {
			assertThat(output).contains("request-header-timeout applies to HTTP/1.1-only servers")
				.contains("H2C")
				.contains("so it is not applied");
		}
	}

	@Test
	void anHttp11OnlyServerSaysNothingAboutIt(CapturedOutput output) {
		try (TestServer server = TestServer.start("streamguard.transport.request-header-timeout=1s")) {
			assertThat(output).doesNotContain("request-header-timeout applies to HTTP/1.1-only servers");
		}
	}

}
