package dev.streamguard.autoconfigure;

import java.time.Duration;

import dev.streamguard.transport.RequestHeaderDeadline;
import dev.streamguard.transport.TransportStatus;
import reactor.netty.http.server.HttpServer;

import org.springframework.boot.reactor.netty.NettyServerCustomizer;

/**
 * {@link NettyServerCustomizer} that sets the transport options on every accepted connection.
 * The options are set per connection, once its channel exists, so that the option family
 * always matches the transport actually in use (an epoll option on an NIO channel would be
 * ignored).
 *
 * @since 0.1.0
 */
public class StreamGuardNettyServerCustomizer implements NettyServerCustomizer {

	private final TransportStatus transport;

	private final String fallback;

	private final Duration requestHeaderTimeout;

	/**
	 * Create a customizer.
	 * @param transport applies the options and records what took effect
	 * @param fallback what protects streams where the user timeout cannot apply, for the log
	 * @param requestHeaderTimeout how long a new connection may take to send its first request's
	 * headers, zero for no limit
	 */
	public StreamGuardNettyServerCustomizer(TransportStatus transport, String fallback,
			Duration requestHeaderTimeout) {
		this.transport = transport;
		this.fallback = fallback;
		this.requestHeaderTimeout = requestHeaderTimeout;
	}

	@Override
	public HttpServer apply(HttpServer server) {
		this.transport.logStartup(this.fallback);
		boolean headerDeadline = !this.requestHeaderTimeout.isZero() && !this.requestHeaderTimeout.isNegative();
		return server.doOnChannelInit((observer, channel, remoteAddress) -> {
			this.transport.onAccepted(channel);
			if (headerDeadline) {
				RequestHeaderDeadline.install(channel, this.requestHeaderTimeout, this.transport::onRequestHeaderTimeout);
			}
		});
	}

}
