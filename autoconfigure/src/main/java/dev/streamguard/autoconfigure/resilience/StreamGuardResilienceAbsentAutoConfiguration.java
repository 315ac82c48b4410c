package dev.streamguard.autoconfigure.resilience;

import java.util.Map;

import dev.streamguard.autoconfigure.StreamGuardProperties;
import dev.streamguard.autoconfigure.StreamGuardPropertiesConfiguration;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.AnyNestedCondition;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingClass;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Import;

/**
 * {@link org.springframework.boot.autoconfigure.EnableAutoConfiguration Auto-configuration}
 * for applications that left Resilience4j out (excluded it from the starter): streams work
 * without it, but a route that names a Resilience4j instance fails startup rather than go
 * unguarded.
 *
 * @since 0.2.0
 */
@AutoConfiguration
@Conditional(StreamGuardResilienceAbsentAutoConfiguration.ResilienceAbsent.class)
@ConditionalOnBooleanProperty(name = "streamguard.enabled", matchIfMissing = true)
@Import(StreamGuardPropertiesConfiguration.class)
public final class StreamGuardResilienceAbsentAutoConfiguration {

	@Bean
	ResilienceInstanceCheck streamGuardResilienceInstanceCheck(StreamGuardProperties properties) {
		ResilienceInstanceCheck check = new ResilienceInstanceCheck(Map.of(),
				"Resilience4j is not on the class path (add io.github.resilience4j:resilience4j-spring-boot4, "
						+ "or remove the name)");
		check.check(properties);
		return check;
	}

	/**
	 * Matches when any of the Resilience4j modules StreamGuard uses is missing.
	 */
	static final class ResilienceAbsent extends AnyNestedCondition {

		ResilienceAbsent() {
			super(ConfigurationPhase.REGISTER_BEAN);
		}

		@ConditionalOnMissingClass("io.github.resilience4j.bulkhead.BulkheadRegistry")
		static final class NoBulkheads {

		}

		@ConditionalOnMissingClass("io.github.resilience4j.ratelimiter.RateLimiterRegistry")
		static final class NoRateLimiters {

		}

		@ConditionalOnMissingClass("io.github.resilience4j.timelimiter.TimeLimiterRegistry")
		static final class NoTimeLimiters {

		}

		@ConditionalOnMissingClass("io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry")
		static final class NoCircuitBreakers {

		}

	}

}
