package dev.streamguard.metrics;

import java.time.Duration;
import java.util.List;

import dev.streamguard.stream.LiveStream;
import dev.streamguard.test.SseClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.contextpropagation.ObservationThreadLocalAccessor;
import io.micrometer.observation.tck.TestObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistryAssert;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.util.context.Context;
import reactor.util.context.ContextView;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.mock;

/**
 * The stream's observation on a real server whose requests are observed: a child of the
 * request's {@code http.server.requests} observation, so that a trace holds the stream's span.
 */
class StreamObservationServerTests {

	@Test
	void streamObservationIsAChildOfTheRequestObservation() throws Exception {
		try (ConfigurableApplicationContext context = new SpringApplicationBuilder(ObservedApplication.class)
			.web(WebApplicationType.REACTIVE)
			.properties("server.port=0", "server.address=127.0.0.1", "spring.main.banner-mode=off",
					"streamguard.heartbeat.interval=0")
			.run()) {
			TestObservationRegistry observations = context.getBean(TestObservationRegistry.class);
			int port = Integer.parseInt(context.getEnvironment().getRequiredProperty("local.server.port"));
			SseClient.read(port, "/observed/ndjson", 3);
			Awaitility.await()
				.atMost(Duration.ofSeconds(5))
				.untilAsserted(() -> TestObservationRegistryAssert.assertThat(observations)
					.hasObservationWithNameEqualTo(StreamMetrics.OBSERVATION_NAME)
					.that()
					.hasBeenStopped());
			TestObservationRegistryAssert.assertThat(observations)
				.hasObservationWithNameEqualTo(StreamMetrics.OBSERVATION_NAME)
				.that()
				.hasLowCardinalityKeyValue("route", "/observed/ndjson")
				.hasParentObservationContextMatching(
						(parent) -> "http.server.requests".equals(parent.getName())
								&& "/observed/ndjson".equals(parent.getLowCardinalityKeyValue("uri").getValue()),
						"the request's http.server.requests observation");
		}
	}

	@Test
	void streamObservationTakesTheObservationInItsContextAsParent() {
		TestObservationRegistry observations = TestObservationRegistry.create();
		Observation request = Observation.start("http.server.requests", observations);
		new StreamMetrics(new SimpleMeterRegistry(), observations)
			.onStart(stream(Context.of(ObservationThreadLocalAccessor.KEY, request)));
		TestObservationRegistryAssert.assertThat(observations)
			.hasObservationWithNameEqualTo(StreamMetrics.OBSERVATION_NAME)
			.that()
			.hasParentObservationEqualTo(request);
	}

	@Test
	void streamOfAnUnobservedRequestHasNoParent() {
		TestObservationRegistry observations = TestObservationRegistry.create();
		new StreamMetrics(new SimpleMeterRegistry(), observations).onStart(stream(Context.empty()));
		TestObservationRegistryAssert.assertThat(observations)
			.hasObservationWithNameEqualTo(StreamMetrics.OBSERVATION_NAME)
			.that()
			.doesNotHaveParentObservation();
	}

	private static LiveStream stream(ContextView context) {
		LiveStream stream = mock(LiveStream.class);
		given(stream.id()).willReturn("s1");
		given(stream.route()).willReturn("/x");
		given(stream.mediaType()).willReturn(MediaType.TEXT_EVENT_STREAM_VALUE);
		given(stream.context()).willReturn(context);
		return stream;
	}

	@SpringBootConfiguration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class ObservedApplication {

		@Bean
		TestObservationRegistry testObservationRegistry() {
			return TestObservationRegistry.create();
		}

		@Bean
		ObservedStreams observedStreams() {
			return new ObservedStreams();
		}

	}

	@RestController
	static class ObservedStreams {

		@GetMapping(path = "/observed/ndjson", produces = MediaType.APPLICATION_NDJSON_VALUE)
		Flux<List<Integer>> ndjson() {
			return Flux.range(0, 3).map(List::of);
		}

	}

}
