package dev.streamguard.autoconfigure;

import dev.streamguard.transport.TransportOptions;
import dev.streamguard.transport.TransportStatus;
import reactor.netty.http.server.HttpServer;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.context.annotation.Bean;

/**
 * {@link org.springframework.boot.autoconfigure.EnableAutoConfiguration Auto-configuration}
 * for the transport of the Reactor Netty server: TCP_USER_TIMEOUT and keepalive on accepted
 * connections.
 *
 * @since 0.1.0
 */
@AutoConfiguration
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
@ConditionalOnClass({ HttpServer.class, NettyServerCustomizer.class })
@ConditionalOnBooleanProperty(name = "streamguard.enabled", matchIfMissing = true)
@EnableConfigurationProperties(StreamGuardProperties.class)
public final class StreamGuardTransportAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	TransportStatus streamGuardTransportStatus(StreamGuardProperties properties) {
		return new TransportStatus(transportOptions(properties.getTransport()));
	}

	@Bean
	@ConditionalOnMissingBean
	StreamGuardNettyServerCustomizer streamGuardNettyServerCustomizer(TransportStatus transport,
			StreamGuardProperties properties) {
		String fallback = "the stall timeout (" + describe(properties.getStallTimeout()) + "), heartbeats ("
				+ describe(properties.getHeartbeat().getInterval()) + ") and keepalive on idle connections";
		return new StreamGuardNettyServerCustomizer(transport, fallback,
				properties.getTransport().getRequestHeaderTimeout());
	}

	static TransportOptions transportOptions(StreamGuardProperties.Transport transport) {
		TransportOptions options = TransportOptions.NONE.withUserTimeout(transport.getUserTimeout());
		StreamGuardProperties.Keepalive keepalive = transport.getKeepalive();
		return keepalive.isEnabled()
				? options.withKeepalive(keepalive.getIdle(), keepalive.getInterval(), keepalive.getCount()) : options;
	}

	private static String describe(java.time.Duration duration) {
		return duration.isZero() ? "off" : duration.toMillis() + " ms";
	}

}
