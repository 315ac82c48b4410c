package dev.streamguard.autoconfigure;

import java.time.Duration;
import java.util.Arrays;

import dev.streamguard.transport.Http2PingLiveness;
import dev.streamguard.transport.Http2RequestHeaderDeadline;
import dev.streamguard.transport.RequestHeaderDeadline;
import dev.streamguard.transport.TransportStatus;
import reactor.netty.http.Http2SettingsSpec;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.server.HttpServer;

import org.springframework.boot.context.properties.PropertyMapper;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;

/**
 * {@link NettyServerCustomizer} that sets the transport options on every accepted connection.
 * The options are set per connection, once its channel exists, so that the option family
 * always matches the transport actually in use (an epoll option on an NIO channel would be
 * ignored). On a server that speaks HTTP/2 it also sends connections that go quiet a PING with
 * an ack timeout and applies the request-header deadline to HTTP/2's preface and header
 * blocks; {@link #applyHttp2Settings(HttpServer)} advertises the limit on concurrent streams
 * per connection.
 *
 * @since 0.1.0
 */
public class StreamGuardNettyServerCustomizer implements NettyServerCustomizer {

	private final TransportStatus transport;

	private final String fallback;

	private final Duration requestHeaderTimeout;

	private final StreamGuardProperties.Http2 http2;

	/**
	 * Create a customizer with the default HTTP/2 settings.
	 * @param transport applies the options and records what took effect
	 * @param fallback what protects streams where the user timeout cannot apply, for the log
	 * @param requestHeaderTimeout how long a request's headers may take to arrive, zero for no
	 * limit
	 */
	public StreamGuardNettyServerCustomizer(TransportStatus transport, String fallback,
			Duration requestHeaderTimeout) {
		this(transport, fallback, requestHeaderTimeout, new StreamGuardProperties.Http2());
	}

	/**
	 * Create a customizer.
	 * @param transport applies the options and records what took effect
	 * @param fallback what protects streams where the user timeout cannot apply, for the log
	 * @param requestHeaderTimeout how long a request's headers may take to arrive, zero for no
	 * limit
	 * @param http2 the settings of HTTP/2 connections
	 * @since 0.2.0
	 */
	public StreamGuardNettyServerCustomizer(TransportStatus transport, String fallback, Duration requestHeaderTimeout,
			StreamGuardProperties.Http2 http2) {
		this.transport = transport;
		this.fallback = fallback;
		this.requestHeaderTimeout = requestHeaderTimeout;
		this.http2 = http2;
	}

	@Override
	public HttpServer apply(HttpServer server) {
		this.transport.logStartup(this.fallback);
		boolean headerDeadline = !this.requestHeaderTimeout.isZero() && !this.requestHeaderTimeout.isNegative();
		boolean http2 = speaksHttp2(server.configuration().protocols());
		Duration pingInterval = this.http2.getPing().getInterval();
		Duration pingAckTimeout = this.http2.getPing().getAckTimeout();
		// One for all connections: each keeps it for its life.
		Runnable onRequestHeaderTimeout = this.transport::onRequestHeaderTimeout;
		return server.doOnChannelInit((observer, channel, remoteAddress) -> {
			this.transport.onAccepted(channel);
			if (headerDeadline) {
				if (http2) {
					Http2RequestHeaderDeadline.install(channel, this.requestHeaderTimeout, onRequestHeaderTimeout);
				}
				else {
					RequestHeaderDeadline.install(channel, this.requestHeaderTimeout, onRequestHeaderTimeout);
				}
			}
			if (http2) {
				Http2PingLiveness.install(channel, pingInterval, pingAckTimeout);
			}
		});
	}

	private static boolean speaksHttp2(HttpProtocol[] protocols) {
		return Arrays.stream(protocols).anyMatch((protocol) -> protocol == HttpProtocol.H2 || protocol == HttpProtocol.H2C);
	}

	/**
	 * Add the limit on concurrent streams to the HTTP/2 settings of a server that speaks
	 * HTTP/2, keeping the settings made before. Reactor Netty replaces all settings at once,
	 * and Spring Boot sets its own after the {@link NettyServerCustomizer} beans, so this runs
	 * after Spring Boot's customizers rather than in {@link #apply(HttpServer)}.
	 * @param server the server to configure
	 * @return the configured server
	 * @since 0.2.0
	 */
	public HttpServer applyHttp2Settings(HttpServer server) {
		if (!speaksHttp2(server.configuration().protocols())) {
			return server;
		}
		Http2SettingsSpec existing = server.configuration().http2SettingsSpec();
		long maxConcurrentStreams = this.http2.getMaxConcurrentStreams();
		return server.http2Settings((builder) -> {
			if (existing != null) {
				copy(existing, builder);
			}
			builder.maxConcurrentStreams(maxConcurrentStreams);
		});
	}

	private static void copy(Http2SettingsSpec from, Http2SettingsSpec.Builder to) {
		PropertyMapper map = PropertyMapper.get();
		map.from(from::connectProtocolEnabled).to(to::connectProtocolEnabled);
		map.from(from::headerTableSize).to(to::headerTableSize);
		map.from(from::initialWindowSize).to(to::initialWindowSize);
		map.from(from::maxFrameSize).to(to::maxFrameSize);
		map.from(from::maxHeaderListSize).to(to::maxHeaderListSize);
		map.from(from::maxStreams).to(to::maxStreams);
		map.from(from::pingAckDropThreshold).to(to::pingAckDropThreshold);
		map.from(from::pingAckTimeout).to(to::pingAckTimeout);
		Integer decoded = from.maxDecodedRstFramesPerWindow();
		Integer decodedSeconds = from.maxDecodedRstFramesSecondsPerWindow();
		if (decoded != null && decodedSeconds != null) {
			to.maxDecodedRstFramesPerWindow(decoded, decodedSeconds);
		}
		Integer encoded = from.maxEncodedRstFramesPerWindow();
		Integer encodedSeconds = from.maxEncodedRstFramesSecondsPerWindow();
		if (encoded != null && encodedSeconds != null) {
			to.maxEncodedRstFramesPerWindow(encoded, encodedSeconds);
		}
	}

}
