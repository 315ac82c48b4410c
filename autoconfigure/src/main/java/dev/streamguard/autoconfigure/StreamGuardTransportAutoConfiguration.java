package dev.streamguard.autoconfigure;

import java.time.Duration;

import dev.streamguard.transport.TransportOptions;
import dev.streamguard.transport.TransportStatus;
import reactor.netty.http.server.HttpServer;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.reactor.netty.NettyReactiveWebServerFactory;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.core.Ordered;

/**
 * {@link org.springframework.boot.autoconfigure.EnableAutoConfiguration Auto-configuration}
 * for the transport of the Reactor Netty server: TCP_USER_TIMEOUT and keepalive on accepted
 * connections, the request-header deadline, and HTTP/2's PING and limit on concurrent streams.
 *
 * @since 0.1.0
 */
@AutoConfiguration
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.REACTIVE)
@ConditionalOnClass({ HttpServer.class, NettyServerCustomizer.class })
@ConditionalOnBooleanProperty(name = "streamguard.enabled", matchIfMissing = true)
@Import(StreamGuardPropertiesConfiguration.class)
public final class StreamGuardTransportAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	TransportStatus streamGuardTransportStatus(StreamGuardProperties properties) {
		StreamGuardProperties.Transport transport = properties.getTransport();
		return new TransportStatus(transportOptions(transport.getUserTimeout(), transport.getKeepalive()));
	}

	@Bean
	@ConditionalOnMissingBean
	StreamGuardNettyServerCustomizer streamGuardNettyServerCustomizer(TransportStatus transport,
			StreamGuardProperties properties) {
		String fallback = "the stall timeout (" + describe(properties.getStallTimeout()) + "), heartbeats ("
				+ describe(properties.getHeartbeat().getInterval()) + ") and keepalive on idle connections";
		return new StreamGuardNettyServerCustomizer(transport, fallback,
				properties.getTransport().getRequestHeaderTimeout(), properties.getHttp2());
	}

	@Bean
	@ConditionalOnMissingBean(name = "streamGuardHttp2Settings")
	Http2SettingsCustomizer streamGuardHttp2Settings(StreamGuardNettyServerCustomizer customizer) {
		return new Http2SettingsCustomizer(customizer);
	}

	/**
	 * Return the socket options that the server's and the client's transport properties describe.
	 */
	static TransportOptions transportOptions(Duration userTimeout, StreamGuardProperties.Keepalive keepalive) {
		TransportOptions options = TransportOptions.NONE.withUserTimeout(userTimeout);
		return keepalive.isEnabled()
				? options.withKeepalive(keepalive.getIdle(), keepalive.getInterval(), keepalive.getCount()) : options;
	}

	private static String describe(Duration duration) {
		return duration.isZero() ? "off" : duration.toMillis() + " ms";
	}

	/**
	 * Adds the HTTP/2 settings last: Spring Boot's own customizer replaces the server's HTTP/2
	 * settings (with its header size limit) after the {@link NettyServerCustomizer} beans.
	 */
	static final class Http2SettingsCustomizer
			implements WebServerFactoryCustomizer<NettyReactiveWebServerFactory>, Ordered {

		private final StreamGuardNettyServerCustomizer customizer;

		Http2SettingsCustomizer(StreamGuardNettyServerCustomizer customizer) {
			this.customizer = customizer;
		}

		@Override
		public void customize(NettyReactiveWebServerFactory factory) {
			factory.addServerCustomizers(this.customizer::applyHttp2Settings);
		}

		@Override
		public int getOrder() {
			return Ordered.LOWEST_PRECEDENCE;
		}

	}

}
