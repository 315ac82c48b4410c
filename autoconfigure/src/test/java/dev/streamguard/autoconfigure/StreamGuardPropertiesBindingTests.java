package dev.streamguard.autoconfigure;

import java.io.IOException;
import java.lang.reflect.Field;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

import dev.streamguard.stream.StreamPolicy;
import dev.streamguard.web.StreamGuardWebFilter;
import dev.streamguard.web.StreamPolicyResolver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.convert.DurationUnit;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.boot.env.PropertiesPropertySourceLoader;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.core.env.Environment;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.io.ClassPathResource;
import org.springframework.core.io.support.SpringFactoriesLoader;
import org.springframework.core.io.support.SpringFactoriesLoader.ArgumentResolver;
import org.springframework.core.io.support.SpringFactoriesLoader.FailureHandler;
import org.springframework.http.MediaType;
import org.springframework.http.server.PathContainer;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Configuration mistakes under {@code streamguard.*}: unknown keys fail startup with an analysis
 * that names them, unit-less durations are seconds, and the stream media types can be replaced.
 */
class StreamGuardPropertiesBindingTests {

	private final ReactiveWebApplicationContextRunner contextRunner = new ReactiveWebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(StreamGuardAutoConfiguration.class));

	@ParameterizedTest
	@ValueSource(strings = { "streamguard.stall-timout", "streamguard.routes[/x].stall-timout" })
	void misspeltKeyFailsStartup(String key) {
		this.contextRunner.withPropertyValues(key + "=3s")
			.run((context) -> assertThat(context).hasFailed().getFailure().rootCause().hasMessageContaining(key));
	}

	@Test
	void clientAndRouteKeysThatExistStart() {
		this.contextRunner
			.withConfiguration(AutoConfigurations.of(StreamGuardClientAutoConfiguration.class))
			.withPropertyValues("streamguard.client.read-idle-timeout=10s", "streamguard.client.retry.max-attempts=3",
					"streamguard.routes[/x].stall-timeout=3s", "streamguard.routes[/x].resilience.bulkhead=ticks",
					"streamguard.logging.debug-reasons=completed", "streamguard.additional-media-types=text/csv")
			.run((context) -> assertThat(context).hasNotFailed());
	}

	@Test
	void analysisNamesEachKeyItsOriginAndTheClosestValidKey() {
		this.contextRunner.withInitializer((context) -> context.getEnvironment()
			.getPropertySources()
			.addFirst(load("config-mistakes/typos.properties"))).run((context) -> {
				FailureAnalysis analysis = firstAnalysis(context.getStartupFailure());
				assertThat(analysis.getDescription())
					.contains("Property: streamguard.stall-timout", "Value: \"3s\"",
							"class path resource [config-mistakes/typos.properties] - 1:",
							"Did you mean: streamguard.stall-timeout")
					.contains("Property: streamguard.routes[/export/**].idle-timeuot",
							"Did you mean: streamguard.routes[/export/**].idle-timeout")
					// Valid keys beside the typos are not reported.
					.doesNotContain("read-idle-timeout");
				assertThat(analysis.getAction()).contains("Correct the key or remove it");
			});
	}

	@Test
	void flatResilienceKeyOfARouteFailsStartupSuggestingItsResilienceGroup() {
		this.contextRunner.withPropertyValues("streamguard.routes[/x].bulkhead=ticks").run((context) -> {
			assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("streamguard.routes[/x].bulkhead");
			assertThat(firstAnalysis(context.getStartupFailure()).getDescription())
				.contains("Did you mean: streamguard.routes[/x].resilience.bulkhead");
		});
	}

	@Test
	void resilienceGroupOfARouteBindsBesideTheDefaults() {
		this.contextRunner
			.withPropertyValues("streamguard.resilience.rate-limiter=opens",
					"streamguard.routes[/x].resilience.bulkhead=ticks")
			.run((context) -> {
				StreamGuardProperties.Route route = context.getBean(StreamGuardProperties.class).getRoutes().get("/x");
				assertThat(route.getResilience().getBulkhead()).isEqualTo("ticks");
				assertThat(route.getResilience().getRateLimiter()).isNull();
				StreamPolicy policy = context.getBean(StreamPolicyResolver.class).resolve(PathContainer.parsePath("/x"));
				assertThat(policy.resilience()).isEqualTo(new StreamPolicy.Resilience("ticks", "opens", null, null));
			});
	}

	@ParameterizedTest
	@ValueSource(strings = { "bulkhead", "rate-limiter", "time-limiter", "circuit-breaker", "bulkhed" })
	void everyFlatResilienceKeyOfARouteIsSuggestedItsResilienceGroup(String key) {
		assertThat(StreamGuardPropertyNames.closestTo(ConfigurationPropertyName.of("streamguard.routes[/x]." + key)))
			.isEqualTo("streamguard.routes[/x].resilience." + key.replace("bulkhed", "bulkhead"));
	}

	@Test
	void keyLikeNoPropertyGetsNoSuggestion() {
		assertThat(StreamGuardPropertyNames.closestTo(ConfigurationPropertyName.of("streamguard.colour"))).isNull();
		assertThat(StreamGuardPropertyNames.closestTo(ConfigurationPropertyName.of("streamguard.media-typs[0]")))
			.isEqualTo("streamguard.media-types[0]");
		assertThat(StreamGuardPropertyNames.closestTo(ConfigurationPropertyName.of("streamguard.client.retry.jiter")))
			.isEqualTo("streamguard.client.retry.jitter");
		assertThat(StreamGuardPropertyNames
			.closestTo(ConfigurationPropertyName.of("streamguard.client.transport.user-timout")))
			.isEqualTo("streamguard.client.transport.user-timeout");
	}

	@Test
	void serverOnlyKeyUnderTheClientIsNotSuggestedTheServersKey() {
		assertThat(StreamGuardPropertyNames
			.closestTo(ConfigurationPropertyName.of("streamguard.client.transport.request-header-timeout"))).isNull();
		assertThat(StreamGuardPropertyNames.all()).contains("streamguard.client.transport.keepalive.idle")
			.doesNotContain("streamguard.client.transport.request-header-timeout");
	}

	@Test
	void durationsWithoutAUnitAreSeconds() {
		this.contextRunner
			.withConfiguration(AutoConfigurations.of(StreamGuardClientAutoConfiguration.class))
			.withPropertyValues("streamguard.stall-timeout=30", "streamguard.routes[/x].idle-timeout=5",
					"streamguard.client.retry.initial-backoff=2", "streamguard.transport.user-timeout=20")
			.run((context) -> {
				StreamGuardProperties properties = context.getBean(StreamGuardProperties.class);
				assertThat(properties.getStallTimeout()).isEqualTo(Duration.ofSeconds(30));
				assertThat(properties.getRoutes().get("/x").getIdleTimeout()).isEqualTo(Duration.ofSeconds(5));
				assertThat(context.getBean(StreamGuardClientProperties.class).getRetry().getInitialBackoff())
					.isEqualTo(Duration.ofSeconds(2));
				assertThat(properties.getTransport().getUserTimeout()).isEqualTo(Duration.ofSeconds(20));
			});
	}

	@Test
	void everyDurationPropertyReadsUnitlessValuesAsSeconds() {
		List<Field> durations = durationFields(StreamGuardProperties.class, new ArrayList<>());
		durationFields(StreamGuardClientProperties.class, durations);
		assertThat(durations).hasSizeGreaterThan(15);
		assertThat(durations).allSatisfy((field) -> assertThat(field.getAnnotation(DurationUnit.class))
			.as(field.getDeclaringClass().getSimpleName() + "." + field.getName())
			.isNotNull()
			.extracting(DurationUnit::value)
			.isEqualTo(ChronoUnit.SECONDS));
	}

	@Test
	void mediaTypesReplaceTheDefaults() {
		this.contextRunner.withPropertyValues("streamguard.media-types=text/event-stream,application/x-ndjson")
			.run((context) -> {
				StreamGuardWebFilter filter = context.getBean(StreamGuardWebFilter.class);
				assertThat(filter.isStream(MediaType.TEXT_EVENT_STREAM)).isTrue();
				assertThat(filter.isStream(MediaType.APPLICATION_OCTET_STREAM)).isFalse();
			});
	}

	@Test
	void additionalMediaTypesKeepTheDefaults() {
		this.contextRunner.withPropertyValues("streamguard.additional-media-types=text/csv").run((context) -> {
			StreamGuardWebFilter filter = context.getBean(StreamGuardWebFilter.class);
			assertThat(filter.isStream(MediaType.parseMediaType("text/csv"))).isTrue();
			assertThat(filter.isStream(MediaType.APPLICATION_OCTET_STREAM)).isTrue();
		});
	}

	@Test
	void noMediaTypeAtAllFailsStartup() {
		this.contextRunner.withPropertyValues("streamguard.media-types=")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessageContaining("streamguard.media-types ([]) must name at least one content type"));
	}

	/**
	 * The analysis Spring Boot would print: that of the first analyzer, in their order, with one.
	 */
	private static FailureAnalysis firstAnalysis(Throwable failure) {
		ArgumentResolver arguments = ArgumentResolver.of(BeanFactory.class, new DefaultListableBeanFactory())
			.and(Environment.class, new StandardEnvironment());
		List<FailureAnalyzer> analyzers = SpringFactoriesLoader
			.forDefaultResourceLocation(StreamGuardPropertiesBindingTests.class.getClassLoader())
			// Those that need classes this module does not have (Bean Validation) are left out.
			.load(FailureAnalyzer.class, arguments, FailureHandler.handleMessage((message, ex) -> {
			}));
		// Boot's own analyzer of unbound properties is among them: ours must come first.
		assertThat(analyzers).extracting((analyzer) -> analyzer.getClass().getSimpleName())
			.contains("UnboundConfigurationPropertyFailureAnalyzer");
		return analyzers.stream()
			.map((analyzer) -> analyzer.analyze(failure))
			.filter(Objects::nonNull)
			.findFirst()
			.orElseThrow();
	}

	private static PropertySource<?> load(String location) {
		try {
			return new PropertiesPropertySourceLoader().load(location, new ClassPathResource(location)).get(0);
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static List<Field> durationFields(Class<?> type, List<Field> found) {
		for (Field field : type.getDeclaredFields()) {
			if (field.getType() == Duration.class) {
				found.add(field);
			}
		}
		for (Class<?> nested : type.getDeclaredClasses()) {
			durationFields(nested, found);
		}
		return found;
	}

}
