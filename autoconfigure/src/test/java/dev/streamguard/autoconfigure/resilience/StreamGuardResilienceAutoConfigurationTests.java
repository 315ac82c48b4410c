package dev.streamguard.autoconfigure.resilience;

import java.time.Duration;

import dev.streamguard.autoconfigure.StreamGuardAutoConfiguration;
import dev.streamguard.resilience.ResilienceAdmission;
import dev.streamguard.web.StreamGuardWebFilter;
import dev.streamguard.web.StreamPolicyResolver;
import io.github.resilience4j.bulkhead.BulkheadRegistry;
import io.github.resilience4j.springboot.bulkhead.autoconfigure.BulkheadAutoConfiguration;
import io.github.resilience4j.springboot.circuitbreaker.autoconfigure.CircuitBreakerAutoConfiguration;
import io.github.resilience4j.springboot.ratelimiter.autoconfigure.RateLimiterAutoConfiguration;
import io.github.resilience4j.springboot.timelimiter.autoconfigure.TimeLimiterAutoConfiguration;
import io.github.resilience4j.timelimiter.TimeLimiterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.assertj.AssertableReactiveWebApplicationContext;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.http.server.PathContainer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link StreamGuardResilienceAutoConfiguration} and
 * {@link StreamGuardResilienceAbsentAutoConfiguration}.
 */
class StreamGuardResilienceAutoConfigurationTests {

	private final ReactiveWebApplicationContextRunner contextRunner = new ReactiveWebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(StreamGuardAutoConfiguration.class,
				StreamGuardResilienceAutoConfiguration.class, StreamGuardResilienceAbsentAutoConfiguration.class,
				BulkheadAutoConfiguration.class, RateLimiterAutoConfiguration.class,
				TimeLimiterAutoConfiguration.class, CircuitBreakerAutoConfiguration.class));

	@Test
	void configuredInstancesGuardTheirRoutes() {
		this.contextRunner
			.withPropertyValues("resilience4j.bulkhead.instances.ticks.max-concurrent-calls=2",
					"resilience4j.timelimiter.instances.first.timeout-duration=3s",
					"streamguard.routes[/demo/ticks].resilience.bulkhead=ticks",
					"streamguard.routes[/demo/ticks].resilience.time-limiter=first")
			.run((context) -> {
				assertThat(context).hasNotFailed().hasSingleBean(ResilienceAdmission.class);
				assertThat(context.getBean(StreamPolicyResolver.class)
					.resolve(PathContainer.parsePath("/demo/ticks"))
					.firstElementTimeout()).isEqualTo(Duration.ofSeconds(3));
			});
	}

	@Test
	void routeNamingAnUnknownBulkheadFailsStartupNamingTheRouteAndTheInstance() {
		this.contextRunner
			.withPropertyValues("resilience4j.bulkhead.instances.ticks.max-concurrent-calls=2",
					"streamguard.routes[/demo/ticks].resilience.bulkhead=tiks")
			.run((context) -> assertThat(
					failure(context, "streamguard.routes[/demo/ticks].resilience.bulkhead", "tiks"))
				.contains("route /demo/ticks names bulkhead 'tiks'")
				.contains("configured bulkheads: [ticks]")
				.contains("resilience4j.bulkhead.instances.tiks")
				.contains("streamguard.resilience.allow-default-instances=true"));
	}

	@Test
	void misspelledTimeLimiterFailsStartupRatherThanBecomeADefaultTimeout() {
		this.contextRunner
			.withPropertyValues("resilience4j.timelimiter.instances.first.timeout-duration=30s",
					"streamguard.routes[/export/**].resilience.time-limiter=frist")
			.run((context) -> assertThat(
					failure(context, "streamguard.routes[/export/**].resilience.time-limiter", "frist"))
				.contains("route /export/** names time limiter 'frist'"));
	}

	@Test
	void unknownDefaultInstancesFailForEveryKindAtOnce() {
		this.contextRunner
			.withPropertyValues("streamguard.resilience.rate-limiter=opens",
					"streamguard.resilience.circuit-breaker=source")
			.run((context) -> assertThat(failure(context, "streamguard.resilience.rate-limiter", "opens"))
				.contains("every route names rate limiter 'opens'")
				.contains("also streamguard.resilience.circuit-breaker='source'"));
	}

	@Test
	void switchLetsResilience4jCreateUnconfiguredInstancesFromItsDefaults() {
		this.contextRunner
			.withPropertyValues("streamguard.resilience.allow-default-instances=true",
					"streamguard.routes[/demo/ticks].resilience.bulkhead=ticks",
					"streamguard.routes[/demo/ticks].resilience.time-limiter=first")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context.getBean(StreamPolicyResolver.class)
					.resolve(PathContainer.parsePath("/demo/ticks"))
					.firstElementTimeout()).isEqualTo(Duration.ofSeconds(1));
				assertThat(context.getBean(TimeLimiterRegistry.class).find("first")).isPresent();
			});
	}

	@Test
	void instancesNeedTheirRegistry() {
		new ReactiveWebApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(StreamGuardAutoConfiguration.class,
					StreamGuardResilienceAutoConfiguration.class, BulkheadAutoConfiguration.class))
			.withPropertyValues("streamguard.routes[/demo/ticks].resilience.rate-limiter=opens")
			.run((context) -> assertThat(
					failure(context, "streamguard.routes[/demo/ticks].resilience.rate-limiter", "opens"))
				.contains("route /demo/ticks names rate limiter 'opens' but there is no registry of them"));
	}

	@Test
	void backsOffWithoutResilience4j() {
		this.contextRunner.withClassLoader(new FilteredClassLoader("io.github.resilience4j"))
			.run((context) -> assertThat(context).hasNotFailed()
				.hasSingleBean(StreamGuardWebFilter.class)
				.doesNotHaveBean(ResilienceAdmission.class)
				.doesNotHaveBean(BulkheadRegistry.class));
	}

	@Test
	void withoutResilience4jARouteThatNamesAnInstanceFailsStartup() {
		this.contextRunner.withClassLoader(new FilteredClassLoader("io.github.resilience4j"))
			.withPropertyValues("streamguard.routes[/demo/ticks].resilience.bulkhead=ticks")
			.run((context) -> assertThat(
					failure(context, "streamguard.routes[/demo/ticks].resilience.bulkhead", "ticks"))
				.contains("Resilience4j is not on the class path"));
	}

	/**
	 * Assert that startup failed on the given property and value, and return the reason.
	 */
	private static String failure(AssertableReactiveWebApplicationContext context, String property, String value) {
		assertThat(context).hasFailed();
		Throwable cause = context.getStartupFailure();
		while (cause != null && !(cause instanceof InvalidConfigurationPropertyValueException)) {
			cause = cause.getCause();
		}
		assertThat(cause).as("startup failure naming the property").isNotNull();
		InvalidConfigurationPropertyValueException failure = (InvalidConfigurationPropertyValueException) cause;
		assertThat(failure.getName()).isEqualTo(property);
		assertThat(failure.getValue()).isEqualTo(value);
		return failure.getReason();
	}

}
