package dev.streamguard.helm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import io.fabric8.kubernetes.api.model.ConfigMap;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.EnumerablePropertySource;
import org.springframework.core.env.PropertySource;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.util.unit.DataSize;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The application.yml in the chart's ConfigMap, read the way the service reads it: Spring Boot's
 * YAML loader and {@link Binder}, with the property names and types of {@code streamguard.*}.
 */
class ApplicationConfigTests {

	@Test
	void applicationYmlUsesTheServicesPropertyNames() {
		Map<String, Object> properties = properties(ChartRendering.withDefaults().render());
		assertThat(new TreeSet<>(properties.keySet())).containsExactlyElementsOf(new TreeSet<>(List.of(
				"management.endpoint.health.probes.enabled", "management.endpoints.web.exposure.include",
				"server.port", "server.shutdown", "spring.lifecycle.timeout-per-shutdown-phase",
				"streamguard.enabled", "streamguard.stall-timeout", "streamguard.idle-timeout",
				"streamguard.first-element-timeout", "streamguard.max-duration", "streamguard.window.low",
				"streamguard.window.high", "streamguard.heartbeat.interval", "streamguard.heartbeat.ndjson",
				"streamguard.transport.user-timeout", "streamguard.transport.keepalive.enabled",
				"streamguard.transport.keepalive.idle", "streamguard.transport.keepalive.interval",
				"streamguard.transport.keepalive.count", "streamguard.drain.timeout")));
	}

	@Test
	void defaultValuesBindToTheServicesDefaults() {
		Binder binder = binder(ChartRendering.withDefaults().render());
		assertThat(binder.bind("streamguard.enabled", Boolean.class).get()).isTrue();
		assertThat(binder.bind("streamguard.stall-timeout", Duration.class).get()).isEqualTo(Duration.ofMinutes(2));
		assertThat(binder.bind("streamguard.idle-timeout", Duration.class).get()).isZero();
		assertThat(binder.bind("streamguard.window.low", DataSize.class).get()).isEqualTo(DataSize.ofKilobytes(128));
		assertThat(binder.bind("streamguard.window.high", DataSize.class).get()).isEqualTo(DataSize.ofKilobytes(512));
		assertThat(binder.bind("streamguard.heartbeat.interval", Duration.class).get()).hasSeconds(15);
		assertThat(binder.bind("streamguard.transport.user-timeout", Duration.class).get()).hasSeconds(30);
		assertThat(binder.bind("streamguard.transport.keepalive.idle", Duration.class).get()).hasSeconds(30);
		assertThat(binder.bind("streamguard.transport.keepalive.interval", Duration.class).get()).hasSeconds(10);
		assertThat(binder.bind("streamguard.transport.keepalive.count", Integer.class).get()).isEqualTo(3);
		assertThat(binder.bind("streamguard.drain.timeout", Duration.class).get()).hasSeconds(20);
		assertThat(binder.bind("streamguard.routes", Bindable.mapOf(String.class, RouteOverrides.class)).isBound())
			.isFalse();
		assertThat(binder.bind("streamguard.trusted-proxies", Bindable.listOf(String.class)).isBound()).isFalse();
	}

	@Test
	void productionValuesBindThroughSpringsBinder() {
		Binder binder = binder(ChartRendering.withValuesFile("production-values.yaml").render());
		assertThat(binder.bind("streamguard.stall-timeout", Duration.class).get()).hasSeconds(45);
		assertThat(binder.bind("streamguard.idle-timeout", Duration.class).get()).hasMinutes(2);
		assertThat(binder.bind("streamguard.first-element-timeout", Duration.class).get()).hasMillis(1500);
		assertThat(binder.bind("streamguard.max-duration", Duration.class).get()).hasHours(2);
		assertThat(binder.bind("streamguard.window.low", DataSize.class).get()).isEqualTo(DataSize.ofKilobytes(256));
		assertThat(binder.bind("streamguard.window.high", DataSize.class).get()).isEqualTo(DataSize.ofMegabytes(1));
		assertThat(binder.bind("streamguard.heartbeat.interval", Duration.class).get()).hasSeconds(10);
		assertThat(binder.bind("streamguard.heartbeat.ndjson", Boolean.class).get()).isTrue();
		assertThat(binder.bind("streamguard.transport.user-timeout", Duration.class).get()).hasSeconds(3);
		assertThat(binder.bind("streamguard.transport.keepalive.enabled", Boolean.class).get()).isTrue();
		assertThat(binder.bind("streamguard.transport.keepalive.idle", Duration.class).get()).hasSeconds(20);
		assertThat(binder.bind("streamguard.transport.keepalive.interval", Duration.class).get()).hasSeconds(5);
		assertThat(binder.bind("streamguard.transport.keepalive.count", Integer.class).get()).isEqualTo(4);
		assertThat(binder.bind("streamguard.drain.timeout", Duration.class).get()).hasSeconds(45);
		assertThat(binder.bind("streamguard.trusted-proxies", Bindable.listOf(String.class)).get())
			.containsExactly("10.244.0.0/16", "fd00:10:244::/56");
		assertThat(binder.bind("spring.lifecycle.timeout-per-shutdown-phase", Duration.class).get()).hasSeconds(50);
	}

	@Test
	void shutdownPhaseOutlastsTheDrainAsTheServiceRequires() {
		for (Manifests manifests : List.of(ChartRendering.withDefaults().render(),
				ChartRendering.withValuesFile("production-values.yaml").render())) {
			Binder binder = binder(manifests);
			Duration drain = binder.bind("streamguard.drain.timeout", Duration.class).get();
			Duration phase = binder.bind("spring.lifecycle.timeout-per-shutdown-phase", Duration.class).get();
			// the service's startup check: the drain is one phase, plus 1s to end what is left
			assertThat(phase).as("spring.lifecycle.timeout-per-shutdown-phase against streamguard.drain.timeout %s",
					drain)
				.isGreaterThanOrEqualTo(drain.plusSeconds(1));
		}
	}

	@Test
	void routePatternsKeepTheirSlashesAndWildcardsWhenBound() {
		Map<String, RouteOverrides> routes = binder(ChartRendering.withValuesFile("production-values.yaml").render())
			.bind("streamguard.routes", Bindable.mapOf(String.class, RouteOverrides.class))
			.get();
		assertThat(routes).containsOnlyKeys("/export/**", "/events/{tenant}");
		assertThat(routes.get("/export/**")).isEqualTo(new RouteOverrides(Duration.ofMinutes(5), null, null,
				Duration.ofHours(6), null, DataSize.ofMegabytes(1), DataSize.ofMegabytes(2)));
		assertThat(routes.get("/events/{tenant}")).isEqualTo(new RouteOverrides(null, Duration.ofSeconds(30),
				Duration.ofSeconds(2), null, Duration.ofSeconds(5), null, null));
	}

	@Test
	void routeResilienceGroupKeepsItsKeys() {
		Map<String, Object> properties = properties(ChartRendering.withValuesFile("production-values.yaml").render());
		assertThat(properties).containsEntry("streamguard.routes[/export/**].resilience.bulkhead", "exports")
			.containsEntry("resilience4j.bulkhead.instances.exports.max-concurrent-calls", 50)
			.doesNotContainKey("streamguard.routes[/export/**].bulkhead");
	}

	@Test
	void routePatternsAlreadyInBracketsAreKept() {
		Map<String, Object> properties = properties(
				ChartRendering.withValuesFile("bracketed-route-values.yaml").render());
		assertThat(properties).containsEntry("streamguard.routes[/live].max-duration", "1h")
			.containsEntry("streamguard.routes[/live].lease", "10m")
			.containsEntry("streamguard.lease", "2m");
	}

	@Test
	void actuatorServesProbesAndPrometheusOnTheServicePort() {
		Map<String, Object> properties = properties(ChartRendering.withDefaults().render());
		assertThat(properties).containsEntry("management.endpoint.health.probes.enabled", true)
			.containsEntry("management.endpoints.web.exposure.include", "health,prometheus")
			.containsEntry("server.port", 8080)
			.containsEntry("server.shutdown", "graceful")
			.containsEntry("spring.lifecycle.timeout-per-shutdown-phase", "25s")
			.doesNotContainKey("management.server.port");
	}

	@Test
	void streamsEndpointIsExposedOnlyWhenAskedFor() {
		assertThat(properties(ChartRendering.withDefaults().set("actuator.exposeStreamsEndpoint", true).render()))
			.containsEntry("management.endpoints.web.exposure.include", "health,prometheus,streams");
		assertThat(properties(ChartRendering.withValuesFile("production-values.yaml").render()))
			.containsEntry("management.endpoints.web.exposure.include", "health,prometheus,streams");
	}

	@Test
	void extraApplicationConfigAddsSettingsButCannotUndoTheChartsOwn() {
		Map<String, Object> properties = properties(ChartRendering.withValuesFile("production-values.yaml").render());
		assertThat(properties).containsEntry("logging.level.dev.streamguard", "debug")
			.containsEntry("server.port", 8080)
			.containsEntry("server.shutdown", "graceful");
	}

	private static Binder binder(Manifests manifests) {
		return new Binder(ConfigurationPropertySources.from(load(manifests)));
	}

	private static Map<String, Object> properties(Manifests manifests) {
		Map<String, Object> properties = new LinkedHashMap<>();
		for (PropertySource<?> source : load(manifests)) {
			EnumerablePropertySource<?> enumerable = (EnumerablePropertySource<?>) source;
			for (String name : enumerable.getPropertyNames()) {
				properties.put(name, enumerable.getProperty(name));
			}
		}
		return properties;
	}

	private static List<PropertySource<?>> load(Manifests manifests) {
		String applicationYml = manifests.get(ConfigMap.class, ChartRendering.FULLNAME).getData().get("application.yml");
		assertThat(applicationYml).as("application.yml in the ConfigMap").isNotBlank();
		try {
			List<PropertySource<?>> sources = new YamlPropertySourceLoader().load("application.yml",
					new ByteArrayResource(applicationYml.getBytes(StandardCharsets.UTF_8)));
			assertThat(sources).as("YAML documents in application.yml").hasSize(1);
			return sources;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * The per-route overrides the service binds under {@code streamguard.routes}.
	 */
	record RouteOverrides(@Nullable Duration stallTimeout, @Nullable Duration idleTimeout,
			@Nullable Duration firstElementTimeout, @Nullable Duration maxDuration,
			@Nullable Duration heartbeatInterval, @Nullable DataSize windowLow, @Nullable DataSize windowHigh) {
	}

}
