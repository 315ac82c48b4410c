package dev.streamguard.autoconfigure.resilience;

import dev.streamguard.autoconfigure.StreamGuardAutoConfiguration;
import dev.streamguard.autoconfigure.StreamGuardProperties;
import dev.streamguard.resilience.ResilienceAdmission;
import dev.streamguard.web.StreamPolicyCustomizer;
import io.github.resilience4j.bulkhead.BulkheadRegistry;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.ratelimiter.RateLimiterRegistry;
import io.github.resilience4j.timelimiter.TimeLimiterRegistry;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * {@link org.springframework.boot.autoconfigure.EnableAutoConfiguration Auto-configuration}
 * for Resilience4j per route, with the registries of {@code resilience4j-spring-boot4}: a
 * bulkhead, rate limiter and circuit breaker admit each stream, and a time limiter's timeout
 * becomes the first-element timeout. Kinds whose registry is absent are off.
 *
 * @since 0.1.0
 */
@AutoConfiguration(before = StreamGuardAutoConfiguration.class, afterName = {
		"io.github.resilience4j.springboot.bulkhead.autoconfigure.BulkheadAutoConfiguration",
		"io.github.resilience4j.springboot.ratelimiter.autoconfigure.RateLimiterAutoConfiguration",
		"io.github.resilience4j.springboot.circuitbreaker.autoconfigure.CircuitBreakerAutoConfiguration",
		"io.github.resilience4j.springboot.timelimiter.autoconfigure.TimeLimiterAutoConfiguration" })
@ConditionalOnClass({ BulkheadRegistry.class, RateLimiterRegistry.class, CircuitBreakerRegistry.class,
		TimeLimiterRegistry.class })
@ConditionalOnBooleanProperty(name = "streamguard.enabled", matchIfMissing = true)
@EnableConfigurationProperties(StreamGuardProperties.class)
public final class StreamGuardResilienceAutoConfiguration {

	private static final Log logger = LogFactory.getLog(StreamGuardResilienceAutoConfiguration.class);

	@Bean
	@ConditionalOnMissingBean
	ResilienceAdmission streamGuardResilienceAdmission(ObjectProvider<BulkheadRegistry> bulkheads,
			ObjectProvider<RateLimiterRegistry> rateLimiters, ObjectProvider<CircuitBreakerRegistry> circuitBreakers,
			StreamGuardProperties properties) {
		BulkheadRegistry bulkheadRegistry = bulkheads.getIfAvailable();
		RateLimiterRegistry rateLimiterRegistry = rateLimiters.getIfAvailable();
		CircuitBreakerRegistry circuitBreakerRegistry = circuitBreakers.getIfAvailable();
		if (bulkheadRegistry == null && rateLimiterRegistry == null && circuitBreakerRegistry == null) {
			logger.info("StreamGuard resilience is off: no Resilience4j registries (add "
					+ "io.github.resilience4j:resilience4j-spring-boot4 to configure bulkheads, rate limiters and "
					+ "circuit breakers per route)");
		}
		return new ResilienceAdmission(bulkheadRegistry, rateLimiterRegistry, circuitBreakerRegistry,
				properties.getDrain().getReconnectDelay());
	}

	@Bean
	StreamPolicyCustomizer streamGuardTimeLimiterPolicy(ObjectProvider<TimeLimiterRegistry> timeLimiters) {
		return (policy) -> {
			String name = policy.resilience().timeLimiter();
			TimeLimiterRegistry registry = timeLimiters.getIfAvailable();
			if (name == null || registry == null) {
				return policy;
			}
			return policy
				.withFirstElementTimeout(registry.timeLimiter(name).getTimeLimiterConfig().getTimeoutDuration());
		};
	}

}
