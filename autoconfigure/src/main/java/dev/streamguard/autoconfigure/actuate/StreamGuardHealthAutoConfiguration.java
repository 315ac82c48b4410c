package dev.streamguard.autoconfigure.actuate;

import dev.streamguard.actuate.StreamsHealthIndicator;
import dev.streamguard.actuate.StreamsReadinessGroup;
import dev.streamguard.autoconfigure.StreamGuardAutoConfiguration;
import dev.streamguard.autoconfigure.StreamGuardTransportAutoConfiguration;
import dev.streamguard.stream.StreamGate;
import dev.streamguard.stream.StreamRegistry;
import dev.streamguard.stream.StreamWriterPool;
import dev.streamguard.transport.TransportStatus;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionMessage;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * {@link org.springframework.boot.autoconfigure.EnableAutoConfiguration Auto-configuration}
 * for the {@code streams} health indicator. It joins the readiness group unless the
 * application lists the group's members itself
 * ({@code management.endpoint.health.group.readiness.include}).
 *
 * @since 0.1.0
 */
// After the probes' auto-configuration: the readiness group exists only once its post
// processor, of the same order as ours, has run.
@AutoConfiguration(after = { StreamGuardAutoConfiguration.class, StreamGuardTransportAutoConfiguration.class },
		afterName = "org.springframework.boot.health.autoconfigure.actuate.endpoint.AvailabilityProbesAutoConfiguration")
@ConditionalOnClass(HealthIndicator.class)
@ConditionalOnBean({ StreamRegistry.class, StreamGate.class })
@ConditionalOnEnabledHealthIndicator("streams")
public final class StreamGuardHealthAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean(name = "streamsHealthIndicator")
	StreamsHealthIndicator streamsHealthIndicator(StreamRegistry registry, StreamGate gate,
			ObjectProvider<TransportStatus> transport, ObjectProvider<StreamWriterPool> writers) {
		return new StreamsHealthIndicator(registry, gate, transport.getIfAvailable(), writers.getIfAvailable());
	}

	@Bean
	@ConditionalOnMissingBean
	@Conditional(ReadinessMembersNotConfigured.class)
	StreamsReadinessGroup streamsReadinessGroup() {
		return new StreamsReadinessGroup();
	}

	/**
	 * Matches unless the application lists the readiness group's members itself.
	 */
	static final class ReadinessMembersNotConfigured extends SpringBootCondition {

		private static final String PROPERTY = "management.endpoint.health.group.readiness.include";

		@Override
		public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
			ConditionMessage.Builder message = ConditionMessage.forCondition("Readiness group members");
			return context.getEnvironment().containsProperty(PROPERTY)
					? ConditionOutcome.noMatch(message.because(PROPERTY + " is set"))
					: ConditionOutcome.match(message.because(PROPERTY + " is not set"));
		}

	}

}
