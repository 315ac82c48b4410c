package dev.streamguard.autoconfigure.metrics;

import dev.streamguard.autoconfigure.StreamGuardAutoConfiguration;
import dev.streamguard.autoconfigure.StreamGuardTransportAutoConfiguration;
import dev.streamguard.metrics.StreamMetrics;
import dev.streamguard.stream.StreamWriterPool;
import dev.streamguard.transport.TransportStatus;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.observation.ObservationRegistry;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * {@link org.springframework.boot.autoconfigure.EnableAutoConfiguration Auto-configuration}
 * for stream metrics and observations.
 *
 * @since 0.1.0
 */
@AutoConfiguration(before = StreamGuardAutoConfiguration.class, after = StreamGuardTransportAutoConfiguration.class,
		afterName = {
		"org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
		"org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
		"org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration" })
@ConditionalOnClass(MeterRegistry.class)
@ConditionalOnBean(MeterRegistry.class)
@ConditionalOnBooleanProperty(name = { "streamguard.enabled", "streamguard.metrics.enabled" }, matchIfMissing = true)
public final class StreamGuardMetricsAutoConfiguration {

	@Bean
	@ConditionalOnBean(TransportStatus.class)
	MeterBinder streamGuardTransportMeters(TransportStatus transport) {
		return (registry) -> FunctionCounter
			.builder("streamguard.connections.refused", transport, TransportStatus::requestHeaderTimeouts)
			.description("Connections closed because their request headers did not arrive in time")
			.tag("cause", "request-header-timeout")
			.register(registry);
	}

	@Bean
	MeterBinder streamGuardWriterMeters(ObjectProvider<StreamWriterPool> writers) {
		// Resolved when meters are bound: the pool is defined by the main auto-configuration,
		// which runs after this one.
		return (registry) -> writers.ifAvailable((pool) -> StreamMetrics.writerPoolMeters(pool).bindTo(registry));
	}

	@Bean
	@ConditionalOnMissingBean
	StreamMetrics streamMetrics(MeterRegistry meterRegistry, ObjectProvider<ObservationRegistry> observations) {
		return new StreamMetrics(meterRegistry, observations.getIfAvailable(() -> ObservationRegistry.NOOP));
	}

}
