package dev.streamguard.autoconfigure;

import java.util.List;

import dev.streamguard.web.TrustedProxies;

import org.springframework.util.unit.DataSize;
import org.springframework.validation.Errors;
import org.springframework.validation.Validator;

/**
 * Checks {@link StreamGuardProperties} as they are bound, so that a value that would misbehave
 * at run time fails startup naming the property and the value. Applied by
 * {@link StreamGuardBindHandlerAdvisor}.
 */
final class StreamGuardPropertiesValidator implements Validator {

	@Override
	public boolean supports(Class<?> type) {
		return StreamGuardProperties.class.isAssignableFrom(type);
	}

	@Override
	public void validate(Object target, Errors errors) {
		StreamGuardProperties properties = (StreamGuardProperties) target;
		ConfigurationChecks checks = new ConfigurationChecks(errors);
		if (properties.streamMediaTypes().isEmpty()) {
			checks.reject("media-types", properties.getMediaTypes(),
					"must name at least one content type; set streamguard.enabled=false to guard no response");
		}
		checks.notNegative("stall-timeout", properties.getStallTimeout());
		checks.notNegative("idle-timeout", properties.getIdleTimeout());
		checks.notNegative("first-element-timeout", properties.getFirstElementTimeout());
		checks.notNegative("max-duration", properties.getMaxDuration());
		checks.notNegative("lease", properties.getLease());
		checks.notNegative("heartbeat.interval", properties.getHeartbeat().getInterval());
		checks.window("window.low", properties.getWindow().getLow(), "window.high", properties.getWindow().getHigh());
		String basePath = properties.getEndpoint().getBasePath();
		if (basePath == null || !basePath.startsWith("/") || basePath.endsWith("/") || basePath.contains("{")) {
			checks.reject("endpoint.base-path", basePath,
					"must start with '/', not end with '/' and have no variables, for example /streams");
		}
		checks.notNegative("drain.timeout", properties.getDrain().getTimeout());
		checks.notNegative("drain.reconnect-delay", properties.getDrain().getReconnectDelay());
		if (properties.getMaxStreamsPerClient() < 0) {
			checks.reject("max-streams-per-client", properties.getMaxStreamsPerClient(),
					"must not be negative; use 0 for no limit");
		}
		List<String> proxies = properties.getTrustedProxies();
		for (int i = 0; i < proxies.size(); i++) {
			try {
				TrustedProxies.of(List.of(proxies.get(i)));
			}
			catch (IllegalArgumentException ex) {
				checks.reject("trusted-proxies[" + i + "]", proxies.get(i), "is invalid: " + ex.getMessage());
			}
		}
		if (properties.getMaxStreams() < 0) {
			checks.reject("max-streams", properties.getMaxStreams(), "must not be negative; use 0 for no limit");
		}
		Integer writerThreads = properties.getWriter().getMaxThreads();
		if (writerThreads != null && writerThreads <= 0) {
			checks.reject("writer.max-threads", writerThreads,
					"must be positive; leave it unset for the default (200 platform threads, no limit on virtual threads)");
		}
		StreamGuardProperties.Transport transport = properties.getTransport();
		checks.notNegative("transport.user-timeout", transport.getUserTimeout());
		checks.notNegative("transport.request-header-timeout", transport.getRequestHeaderTimeout());
		checks.keepalive("transport.keepalive", transport.getKeepalive());
		StreamGuardProperties.Http2 http2 = properties.getHttp2();
		if (http2.getMaxConcurrentStreams() < 1 || http2.getMaxConcurrentStreams() > Integer.MAX_VALUE) {
			checks.reject("http2.max-concurrent-streams", http2.getMaxConcurrentStreams(),
					"must be between 1 and " + Integer.MAX_VALUE + " (streams a client may have open at once on one connection)");
		}
		checks.notNegative("http2.ping.interval", http2.getPing().getInterval());
		checks.notNegative("http2.ping.ack-timeout", http2.getPing().getAckTimeout());
		properties.getRoutes().forEach((pattern, route) -> {
			String at = "routes[" + pattern + "].";
			checks.pattern(pattern);
			checks.notNegative(at + "stall-timeout", route.getStallTimeout());
			checks.notNegative(at + "idle-timeout", route.getIdleTimeout());
			checks.notNegative(at + "first-element-timeout", route.getFirstElementTimeout());
			checks.notNegative(at + "max-duration", route.getMaxDuration());
			checks.notNegative(at + "lease", route.getLease());
			checks.notNegative(at + "heartbeat-interval", route.getHeartbeatInterval());
			DataSize low = (route.getWindowLow() != null) ? route.getWindowLow() : properties.getWindow().getLow();
			DataSize high = (route.getWindowHigh() != null) ? route.getWindowHigh() : properties.getWindow().getHigh();
			checks.window(at + "window-low", low, at + "window-high", high);
		});
	}

}
