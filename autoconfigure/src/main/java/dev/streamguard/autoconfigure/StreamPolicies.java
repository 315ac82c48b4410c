package dev.streamguard.autoconfigure;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

import dev.streamguard.stream.StreamPolicy;
import dev.streamguard.web.StreamPolicyCustomizer;
import dev.streamguard.web.StreamPolicyResolver;
import org.jspecify.annotations.Nullable;

/**
 * Builds the {@link StreamPolicyResolver} from {@link StreamGuardProperties}.
 */
final class StreamPolicies {

	private StreamPolicies() {
	}

	static StreamPolicyResolver resolver(StreamGuardProperties properties) {
		return resolver(properties, List.of());
	}

	static StreamPolicyResolver resolver(StreamGuardProperties properties, List<StreamPolicyCustomizer> customizers) {
		StreamGuardProperties.Resilience resilience = properties.getResilience();
		StreamPolicy configured = new StreamPolicy(properties.getStallTimeout(), properties.getIdleTimeout(),
				properties.getFirstElementTimeout(), properties.getMaxDuration(),
				properties.getHeartbeat().getInterval(), properties.getHeartbeat().isNdjson(),
				properties.getWindow().getLow(), properties.getWindow().getHigh(),
				new StreamPolicy.Resilience(resilience.getBulkhead(), resilience.getRateLimiter(),
						resilience.getTimeLimiter(), resilience.getCircuitBreaker()),
				false, properties.getLease());
		StreamPolicy defaults = customize(configured, customizers);
		Map<String, UnaryOperator<StreamPolicy>> routes = new LinkedHashMap<>();
		properties.getRoutes()
			.forEach((pattern, route) -> routes.put(pattern, (base) -> customize(apply(route, configured), customizers)));
		return new StreamPolicyResolver(defaults, routes);
	}

	private static StreamPolicy customize(StreamPolicy policy, List<StreamPolicyCustomizer> customizers) {
		StreamPolicy result = policy;
		for (StreamPolicyCustomizer customizer : customizers) {
			result = customizer.customize(result);
		}
		return result;
	}

	private static StreamPolicy apply(StreamGuardProperties.Route route, StreamPolicy base) {
		return new StreamPolicy(or(route.getStallTimeout(), base.stallTimeout()),
				or(route.getIdleTimeout(), base.idleTimeout()),
				or(route.getFirstElementTimeout(), base.firstElementTimeout()),
				or(route.getMaxDuration(), base.maxDuration()),
				or(route.getHeartbeatInterval(), base.heartbeatInterval()), base.ndjsonHeartbeat(),
				(route.getWindowLow() != null) ? route.getWindowLow() : base.windowLow(),
				(route.getWindowHigh() != null) ? route.getWindowHigh() : base.windowHigh(),
				apply(route.getResilience(), base.resilience()),
				route.isGuardResources(), or(route.getLease(), base.lease()));
	}

	private static StreamPolicy.Resilience apply(StreamGuardProperties.Resilience route,
			StreamPolicy.Resilience base) {
		return new StreamPolicy.Resilience(or(route.getBulkhead(), base.bulkhead()),
				or(route.getRateLimiter(), base.rateLimiter()), or(route.getTimeLimiter(), base.timeLimiter()),
				or(route.getCircuitBreaker(), base.circuitBreaker()));
	}

	private static @Nullable String or(@Nullable String value, @Nullable String fallback) {
		return (value != null && !value.isBlank()) ? value : fallback;
	}

	private static @Nullable Duration or(@Nullable Duration value, @Nullable Duration fallback) {
		return (value != null) ? value : fallback;
	}

}
