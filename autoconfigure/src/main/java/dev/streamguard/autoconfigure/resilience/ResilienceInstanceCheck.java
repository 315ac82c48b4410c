package dev.streamguard.autoconfigure.resilience;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.Supplier;

import dev.streamguard.autoconfigure.StreamGuardProperties;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

/**
 * Fails startup when a route names a Resilience4j instance that does not exist: Resilience4j
 * would quietly create it from its default configuration (a misspelled time limiter becoming a
 * 1 s first-element timeout, a misspelled bulkhead one of 25), unless
 * {@code streamguard.resilience.allow-default-instances} allows that.
 */
final class ResilienceInstanceCheck {

	static final String ALLOW_DEFAULTS_PROPERTY = "streamguard.resilience.allow-default-instances";

	/**
	 * The kinds of instance a route can name.
	 */
	enum Kind {

		BULKHEAD("bulkhead", "bulkhead", StreamGuardProperties.Resilience::getBulkhead),

		RATE_LIMITER("rate-limiter", "ratelimiter", StreamGuardProperties.Resilience::getRateLimiter),

		TIME_LIMITER("time-limiter", "timelimiter", StreamGuardProperties.Resilience::getTimeLimiter),

		CIRCUIT_BREAKER("circuit-breaker", "circuitbreaker", StreamGuardProperties.Resilience::getCircuitBreaker);

		private final String property;

		private final String resilience4jPrefix;

		private final Function<StreamGuardProperties.Resilience, @Nullable String> name;

		Kind(String property, String resilience4jPrefix,
				Function<StreamGuardProperties.Resilience, @Nullable String> name) {
			this.property = property;
			this.resilience4jPrefix = resilience4jPrefix;
			this.name = name;
		}

		String description() {
			return this.property.replace('-', ' ');
		}

	}

	private final Map<Kind, Supplier<Set<String>>> instances;

	private final String whenNoRegistry;

	/**
	 * Create a check.
	 * @param instances per kind whose registry exists, the names of its instances
	 * @param whenNoRegistry why a kind without a registry has none, and what to do about it
	 */
	ResilienceInstanceCheck(Map<Kind, Supplier<Set<String>>> instances, String whenNoRegistry) {
		this.instances = new EnumMap<>(Kind.class);
		this.instances.putAll(instances);
		this.whenNoRegistry = whenNoRegistry;
	}

	/**
	 * Check every instance that {@code streamguard.resilience} and the routes name.
	 * @param properties the properties
	 * @throws InvalidConfigurationPropertyValueException naming the first property at fault
	 */
	void check(StreamGuardProperties properties) {
		List<InvalidConfigurationPropertyValueException> failures = new ArrayList<>();
		boolean allowDefaults = properties.getResilience().isAllowDefaultInstances();
		check("streamguard.resilience", "every route", properties.getResilience(), allowDefaults, failures);
		properties.getRoutes()
			.forEach((pattern, route) -> check("streamguard.routes[" + pattern + "].resilience", "route " + pattern,
					route.getResilience(), allowDefaults, failures));
		if (failures.size() == 1) {
			throw failures.get(0);
		}
		if (!failures.isEmpty()) {
			InvalidConfigurationPropertyValueException first = failures.get(0);
			StringBuilder reason = new StringBuilder(first.getReason());
			failures.subList(1, failures.size())
				.forEach((other) -> reason.append("; also ").append(other.getName()).append("='")
					.append(other.getValue()).append("': ").append(other.getReason()));
			throw new InvalidConfigurationPropertyValueException(first.getName(), first.getValue(), reason.toString());
		}
	}

	private void check(String prefix, String scope, StreamGuardProperties.Resilience names, boolean allowDefaults,
			List<InvalidConfigurationPropertyValueException> failures) {
		for (Kind kind : Kind.values()) {
			String name = kind.name.apply(names);
			if (name == null || name.isBlank()) {
				continue;
			}
			String reason = reason(kind, name, scope, allowDefaults);
			if (reason != null) {
				failures.add(new InvalidConfigurationPropertyValueException(prefix + "." + kind.property, name, reason));
			}
		}
	}

	private @Nullable String reason(Kind kind, String name, String scope, boolean allowDefaults) {
		Supplier<Set<String>> registry = this.instances.get(kind);
		if (registry == null) {
			return scope + " names " + kind.description() + " '" + name + "' but " + this.whenNoRegistry;
		}
		Set<String> configured = new TreeSet<>(registry.get());
		if (allowDefaults || configured.contains(name)) {
			return null;
		}
		return scope + " names " + kind.description() + " '" + name + "', which is not configured (configured "
				+ kind.description() + "s: " + configured + "); configure it under resilience4j."
				+ kind.resilience4jPrefix + ".instances." + name + ", correct the name, or set " + ALLOW_DEFAULTS_PROPERTY
				+ "=true to let Resilience4j create it from its default configuration";
	}

}
