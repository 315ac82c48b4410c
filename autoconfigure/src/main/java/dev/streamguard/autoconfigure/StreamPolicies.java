package dev.streamguard.autoconfigure;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;

import dev.streamguard.stream.StreamPolicy;
import dev.streamguard.web.StreamPolicyResolver;
import org.jspecify.annotations.Nullable;

/**
 * Builds the {@link StreamPolicyResolver} from {@link StreamGuardProperties}.
 */
final class StreamPolicies {

	private StreamPolicies() {
	}

	static StreamPolicyResolver resolver(StreamGuardProperties properties) {
		StreamPolicy defaults = new StreamPolicy(properties.getStallTimeout(), properties.getIdleTimeout(),
				properties.getFirstElementTimeout(), properties.getMaxDuration(),
				properties.getHeartbeat().getInterval(), properties.getHeartbeat().isNdjson(),
				properties.getWindow().getLow(), properties.getWindow().getHigh());
		Map<String, UnaryOperator<StreamPolicy>> routes = new LinkedHashMap<>();
		properties.getRoutes().forEach((pattern, route) -> routes.put(pattern, (base) -> apply(route, base)));
		return new StreamPolicyResolver(defaults, routes);
	}

	private static StreamPolicy apply(StreamGuardProperties.Route route, StreamPolicy base) {
		return new StreamPolicy(or(route.getStallTimeout(), base.stallTimeout()),
				or(route.getIdleTimeout(), base.idleTimeout()),
				or(route.getFirstElementTimeout(), base.firstElementTimeout()),
				or(route.getMaxDuration(), base.maxDuration()),
				or(route.getHeartbeatInterval(), base.heartbeatInterval()), base.ndjsonHeartbeat(),
				(route.getWindowLow() != null) ? route.getWindowLow() : base.windowLow(),
				(route.getWindowHigh() != null) ? route.getWindowHigh() : base.windowHigh());
	}

	private static @Nullable Duration or(@Nullable Duration value, @Nullable Duration fallback) {
		return (value != null) ? value : fallback;
	}

}
