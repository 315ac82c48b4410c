package dev.streamguard.web;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.streamguard.stream.StreamGate;
import dev.streamguard.stream.StreamRegistry;
import dev.streamguard.test.Http;
import dev.streamguard.test.RawHttp;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.WebFilter;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Streams are admitted when their write is subscribed, not when it is created: a write that
 * is never subscribed holds no permit, and a refusal still comes before the source and the
 * response's commit.
 */
class StreamAdmissionOnSubscribeTests {

	private ConfigurableApplicationContext context;

	@BeforeEach
	void start() {
		this.context = new SpringApplicationBuilder(AdmissionApplication.class).web(WebApplicationType.REACTIVE)
			.properties("server.port=0", "server.address=127.0.0.1", "spring.main.banner-mode=off",
					"server.shutdown=immediate", "streamguard.max-streams=1", "streamguard.heartbeat.interval=0")
			.run();
	}

	@AfterEach
	void stop() {
		this.context.close();
	}

	@Test
	void writeThatIsNeverSubscribedHoldsNoPermit() throws Exception {
		StreamGate gate = this.context.getBean(StreamGate.class);
		assertThat(Http.get(port(), "/abandoned").status()).isEqualTo(204);
		assertThat(gate.admitted()).isZero();
		assertThat(this.context.getBean(StreamRegistry.class).size()).isZero();
		// The only permit is still there for a stream that is written.
		try (RawHttp live = RawHttp.get(port(), "/ticks", 64 * 1024)) {
			assertThat(live.readStatusLine()).contains("200");
			assertThat(gate.admitted()).isOne();
		}
		Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> gate.admitted() == 0);
	}

	@Test
	void refusalAtSubscriptionIsAProblemAndTheSourceIsNeverSubscribed() throws Exception {
		AdmissionApplication application = this.context.getBean(AdmissionApplication.class);
		try (RawHttp live = RawHttp.get(port(), "/ticks", 64 * 1024)) {
			assertThat(live.readStatusLine()).contains("200");
			application.ticksSubscribed.set(false);
			Http.Response refused = Http.get(port(), "/ticks");
			assertThat(refused.status()).isEqualTo(503);
			assertThat(refused.contentType()).isEqualTo("application/problem+json");
			assertThat(refused.json().get("detail").asString()).contains("at its limit of 1 live streams");
			assertThat(application.ticksSubscribed).isFalse();
		}
	}

	private int port() {
		return Integer.parseInt(this.context.getEnvironment().getRequiredProperty("local.server.port"));
	}

	@SpringBootConfiguration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	@RestController
	static class AdmissionApplication {

		final AtomicBoolean ticksSubscribed = new AtomicBoolean();

		@GetMapping(path = "/ticks", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
		Flux<ServerSentEvent<String>> ticks() {
			return Flux.interval(Duration.ofMillis(100))
				.map((tick) -> ServerSentEvent.builder("tick").build())
				.doOnSubscribe((subscription) -> this.ticksSubscribed.set(true));
		}

		/**
		 * A handler that prepares a stream's write and then answers otherwise.
		 */
		@Bean
		WebFilter abandoningFilter() {
			return (exchange, chain) -> {
				if (!exchange.getRequest().getPath().value().equals("/abandoned")) {
					return chain.filter(exchange);
				}
				ServerHttpResponse response = exchange.getResponse();
				response.getHeaders().setContentType(MediaType.TEXT_EVENT_STREAM);
				Mono<Void> abandoned = response.writeWith(Flux.<DataBuffer>never());
				assertThat(abandoned).isNotNull();
				response.getHeaders().setContentType(MediaType.TEXT_PLAIN);
				response.setStatusCode(HttpStatus.NO_CONTENT);
				return response.setComplete();
			};
		}

	}

}
