package dev.streamguard.autoconfigure.resilience;

import java.util.EnumMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import dev.streamguard.autoconfigure.StreamGuardAutoConfiguration;
import dev.streamguard.autoconfigure.StreamGuardProperties;
import dev.streamguard.autoconfigure.StreamGuardPropertiesConfiguration;
import dev.streamguard.autoconfigure.resilience.ResilienceInstanceCheck.Kind;
import dev.streamguard.resilience.ResilienceAdmission;
import dev.streamguard.web.StreamPolicyCustomizer;
import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadRegistry;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.ratelimiter.RateLimiter;
import io.github.resilience4j.ratelimiter.RateLimiterRegistry;
import io.github.resilience4j.timelimiter.TimeLimiter;
import io.github.resilience4j.timelimiter.TimeLimiterRegistry;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;

/**
 * {@link org.springframework.boot.autoconfigure.EnableAutoConfiguration Auto-configuration}
 * for Resilience4j per route, with the registries of {@code resilience4j-spring-boot4}: a
 * bulkhead, rate limiter and circuit breaker admit each stream, and a time limiter's timeout
 * becomes the first-element timeout. An instance that a route names must exist (configured
 * under {@code resilience4j.*.instances}) unless
 * {@code streamguard.resilience.allow-default-instances} is set; startup fails otherwise.
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
@Import(StreamGuardPropertiesConfiguration.class)
public final class StreamGuardResilienceAutoConfiguration {

	@Bean
	ResilienceInstanceCheck streamGuardResilienceInstanceCheck(ObjectProvider<BulkheadRegistry> bulkheads,
			ObjectProvider<RateLimiterRegistry> rateLimiters, ObjectProvider<TimeLimiterRegistry> timeLimiters,
			ObjectProvider<CircuitBreakerRegistry> circuitBreakers, StreamGuardProperties properties) {
		Map<Kind, Supplier<Set<String>>> instances = new EnumMap<>(Kind.class);
		bulkheads.ifAvailable((registry) -> instances.put(Kind.BULKHEAD,
				() -> names(registry.getAllBulkheads(), Bulkhead::getName)));
		rateLimiters.ifAvailable((registry) -> instances.put(Kind.RATE_LIMITER,
				() -> names(registry.getAllRateLimiters(), RateLimiter::getName)));
		timeLimiters.ifAvailable((registry) -> instances.put(Kind.TIME_LIMITER,
				() -> names(registry.getAllTimeLimiters(), TimeLimiter::getName)));
		circuitBreakers.ifAvailable((registry) -> instances.put(Kind.CIRCUIT_BREAKER,
				() -> names(registry.getAllCircuitBreakers(), CircuitBreaker::getName)));
		ResilienceInstanceCheck check = new ResilienceInstanceCheck(instances,
				"there is no registry of them (is its Resilience4j auto-configuration excluded?)");
		check.check(properties);
		return check;
	}

	private static <T> Set<String> names(Set<T> instances, Function<T, String> name) {
		return instances.stream().map(name).collect(Collectors.toSet());
	}

	// Takes the check so that no instance is created (with defaults) before it has run.
	@Bean
	@ConditionalOnMissingBean
	ResilienceAdmission streamGuardResilienceAdmission(ObjectProvider<BulkheadRegistry> bulkheads,
			ObjectProvider<RateLimiterRegistry> rateLimiters, ObjectProvider<CircuitBreakerRegistry> circuitBreakers,
			StreamGuardProperties properties, ResilienceInstanceCheck checked) {
		return new ResilienceAdmission(bulkheads.getIfAvailable(), rateLimiters.getIfAvailable(),
				circuitBreakers.getIfAvailable(), properties.getDrain().getReconnectDelay());
	}

	// Takes the check so that no time limiter is created (with defaults) before it has run.
	@Bean
	StreamPolicyCustomizer streamGuardTimeLimiterPolicy(ObjectProvider<TimeLimiterRegistry> timeLimiters,
			ResilienceInstanceCheck checked) {
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
