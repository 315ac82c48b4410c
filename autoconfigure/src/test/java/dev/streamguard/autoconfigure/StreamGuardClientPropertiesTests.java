package dev.streamguard.autoconfigure;

import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;

import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.context.properties.bind.BindHandler;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.bind.UnboundConfigurationPropertiesException;
import org.springframework.boot.context.properties.bind.handler.NoUnboundElementsBindHandler;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests for {@link StreamGuardClientProperties}, bound the way Boot binds them: strictly, under
 * {@code streamguard.client}.
 */
class StreamGuardClientPropertiesTests {

	@Test
	void defaultsWhenNothingIsSet() {
		StreamGuardClientProperties properties = bind(Map.of());
		assertThat(properties.getReadIdleTimeout()).isEqualTo(Duration.ofSeconds(45));
		assertThat(properties.getTransport().getUserTimeout()).isEqualTo(Duration.ofSeconds(30));
		assertThat(properties.getTransport().getKeepalive().isEnabled()).isTrue();
		assertThat(properties.getRetry().getMaxAttempts()).isEqualTo(10);
		assertThat(properties.getRetry().getInitialBackoff()).isEqualTo(Duration.ofMillis(250));
	}

	@Test
	void everyKeyBindsAndUnitlessDurationsAreSeconds() {
		StreamGuardClientProperties properties = bind(Map.of("streamguard.client.read-idle-timeout", "20",
				"streamguard.client.transport.user-timeout", "5s", "streamguard.client.transport.keepalive.enabled",
				"false", "streamguard.client.transport.keepalive.idle", "40s",
				"streamguard.client.transport.keepalive.interval", "7", "streamguard.client.transport.keepalive.count",
				"6", "streamguard.client.retry.max-attempts", "3", "streamguard.client.retry.initial-backoff", "2",
				"streamguard.client.retry.max-backoff", "1m", "streamguard.client.retry.multiplier", "1.5"));
		assertThat(properties.getReadIdleTimeout()).isEqualTo(Duration.ofSeconds(20));
		StreamGuardClientProperties.Transport transport = properties.getTransport();
		assertThat(transport.getUserTimeout()).isEqualTo(Duration.ofSeconds(5));
		assertThat(transport.getKeepalive().isEnabled()).isFalse();
		assertThat(transport.getKeepalive().getIdle()).isEqualTo(Duration.ofSeconds(40));
		assertThat(transport.getKeepalive().getInterval()).isEqualTo(Duration.ofSeconds(7));
		assertThat(transport.getKeepalive().getCount()).isEqualTo(6);
		StreamGuardClientProperties.Retry retry = properties.getRetry();
		assertThat(retry.getMaxAttempts()).isEqualTo(3);
		assertThat(retry.getInitialBackoff()).isEqualTo(Duration.ofSeconds(2));
		assertThat(retry.getMaxBackoff()).isEqualTo(Duration.ofMinutes(1));
		assertThat(retry.getMultiplier()).isEqualTo(1.5);
	}

	@Test
	void serverOnlyRequestHeaderTimeoutIsNoClientKey() {
		assertThatExceptionOfType(BindException.class)
			.isThrownBy(() -> bind(Map.of("streamguard.client.transport.request-header-timeout", "10s")))
			.havingRootCause()
			.isInstanceOf(UnboundConfigurationPropertiesException.class)
			.withMessageContaining("streamguard.client.transport.request-header-timeout");
	}

	private static StreamGuardClientProperties bind(Map<String, String> values) {
		StreamGuardClientProperties properties = new StreamGuardClientProperties();
		new Binder(new MapConfigurationPropertySource(values)).bind("streamguard.client",
				Bindable.ofInstance(properties), new NoUnboundElementsBindHandler(BindHandler.DEFAULT));
		return properties;
	}

}
