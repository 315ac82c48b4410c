package dev.streamguard.autoconfigure;

import java.time.Instant;

import dev.streamguard.actuate.StreamDescriptor;
import dev.streamguard.actuate.StreamsEndpoint;
import dev.streamguard.actuate.StreamsHealthIndicator;
import dev.streamguard.actuate.StreamsReadinessGroup;
import dev.streamguard.autoconfigure.actuate.StreamGuardEndpointAutoConfiguration;
import dev.streamguard.autoconfigure.actuate.StreamGuardHealthAutoConfiguration;
import dev.streamguard.autoconfigure.metrics.StreamGuardMetricsAutoConfiguration;
import dev.streamguard.metrics.StreamMetrics;
import dev.streamguard.stream.LiveStream;
import dev.streamguard.stream.StreamRegistry;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.mock;

/**
 * Tests for the health, endpoint and metrics auto-configurations, and their back-off.
 */
class StreamGuardObservabilityAutoConfigurationTests {

	private final ReactiveWebApplicationContextRunner contextRunner = new ReactiveWebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(StreamGuardAutoConfiguration.class,
				StreamGuardTransportAutoConfiguration.class, StreamGuardHealthAutoConfiguration.class,
				StreamGuardEndpointAutoConfiguration.class, StreamGuardMetricsAutoConfiguration.class,
				EndpointAutoConfiguration.class))
		.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
		.withPropertyValues("management.endpoints.web.exposure.include=health,streams");

	@Test
	void contributesHealthEndpointAndMetrics() {
		this.contextRunner.run((context) -> {
			assertThat(context).hasSingleBean(StreamsHealthIndicator.class)
				.hasBean("streamsHealthIndicator")
				.hasSingleBean(StreamsReadinessGroup.class)
				.hasSingleBean(StreamsEndpoint.class)
				.hasSingleBean(StreamMetrics.class)
				.hasSingleBean(StreamRegistry.class);
		});
	}

	@Test
	void healthEndpointAndMetricsWatchTheRegistryStreamsRegisterIn() {
		this.contextRunner.run((context) -> {
			context.getBean(StreamRegistry.class).register(liveStream("s1", "/r"));
			assertThat(context.getBean(StreamsHealthIndicator.class).health(true).getDetails()).containsEntry("live", 1);
			assertThat(context.getBean(StreamsEndpoint.class).streams(SecurityContext.NONE).streams())
				.extracting(StreamDescriptor::id)
				.containsExactly("s1");
			assertThat(context.getBean(MeterRegistry.class).get("streamguard.streams.active").tag("route", "/r").gauge().value())
				.isOne();
		});
	}

	@Test
	void metricsListenerIsRegisteredWithTheStreamRegistry() {
		this.contextRunner.run((context) -> {
			context.getBean(StreamRegistry.class).reject("/r", "text/event-stream", "test");
			assertThat(context.getBean(MeterRegistry.class)
				.get("streamguard.streams.ended")
				.tag("reason", "rejected")
				.counter()
				.count()).isOne();
		});
	}

	private static LiveStream liveStream(String id, String route) {
		LiveStream stream = mock(LiveStream.class);
		given(stream.id()).willReturn(id);
		given(stream.route()).willReturn(route);
		given(stream.mediaType()).willReturn("text/event-stream");
		given(stream.startedAt()).willReturn(Instant.now());
		given(stream.state()).willReturn(LiveStream.State.ACTIVE);
		return stream;
	}

	@Test
	void backsOffWithoutActuator() {
		this.contextRunner.withClassLoader(new FilteredClassLoader(Endpoint.class, HealthIndicator.class))
			.run((context) -> assertThat(context).doesNotHaveBean(StreamsEndpoint.class)
				.doesNotHaveBean(StreamsHealthIndicator.class)
				.hasSingleBean(StreamRegistry.class));
	}

	@Test
	void backsOffWithoutMicrometer() {
		new ReactiveWebApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(StreamGuardAutoConfiguration.class,
					StreamGuardMetricsAutoConfiguration.class))
			.withClassLoader(new FilteredClassLoader(MeterRegistry.class))
			.run((context) -> assertThat(context).doesNotHaveBean(StreamMetrics.class)
				.hasSingleBean(StreamRegistry.class));
	}

	@Test
	void healthIndicatorCanBeSwitchedOff() {
		this.contextRunner.withPropertyValues("management.health.streams.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(StreamsHealthIndicator.class));
	}

	@Test
	void readinessMembershipIsLeftToTheUserWhoListsIt() {
		this.contextRunner.withPropertyValues("management.endpoint.health.group.readiness.include=readinessState")
			.run((context) -> assertThat(context).hasSingleBean(StreamsHealthIndicator.class)
				.doesNotHaveBean(StreamsReadinessGroup.class));
	}

	@Test
	void metricsCanBeSwitchedOff() {
		this.contextRunner.withPropertyValues("streamguard.metrics.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(StreamMetrics.class));
	}

	@Test
	void endpointIsNotCreatedUnlessExposed() {
		this.contextRunner.withPropertyValues("management.endpoints.web.exposure.include=health")
			.run((context) -> assertThat(context).doesNotHaveBean(StreamsEndpoint.class));
	}

	@Test
	void endpointCanBeSwitchedOff() {
		this.contextRunner.withPropertyValues("management.endpoint.streams.access=NONE")
			.run((context) -> assertThat(context).doesNotHaveBean(StreamsEndpoint.class));
	}

}
