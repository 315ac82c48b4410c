package dev.streamguard.autoconfigure;

import java.time.Duration;
import java.util.Arrays;

import dev.streamguard.transport.RequestHeaderDeadline;
import dev.streamguard.transport.TransportStatus;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import reactor.netty.http.HttpProtocol;
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

	private static final Log logger = LogFactory.getLog(StreamGuardNettyServerCustomizer.class);

	private final TransportStatus transport;

	private final String fallback;

	private final Duration requestHeaderTimeout;

	/**
	 * Create a customizer.
	 * @param transport applies the options and records what took effect
	 * @param fallback what protects streams where the user timeout cannot apply, for the log
	 * @param requestHeaderTimeout how long a request's headers may take to arrive on an HTTP/1.1
	 * connection, zero for no limit
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
		HttpProtocol[] protocols = server.configuration().protocols();
		if (headerDeadline && !Arrays.equals(protocols, new HttpProtocol[] { HttpProtocol.HTTP11 })) {
			logger.warn("streamguard.transport.request-header-timeout applies to HTTP/1.1-only servers; this one"
					+ " speaks " + Arrays.toString(protocols) + ", so it is not applied (its connections"
					+ " rely on server.netty.idle-timeout)");
			headerDeadline = false;
		}
		boolean deadline = headerDeadline;
		return server.doOnChannelInit((observer, channel, remoteAddress) -> {
			this.transport.onAccepted(channel);
			if (deadline) {
				RequestHeaderDeadline.install(channel, this.requestHeaderTimeout, this.transport::onRequestHeaderTimeout);
			}
		});
	}

}
