package dev.streamguard.web;

import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.Map;

import dev.streamguard.stream.LiveStream;
import io.netty.channel.Channel;
import io.netty.handler.codec.http2.DefaultHttp2GoAwayFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2StreamChannel;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * Tells the HTTP/2 connections of draining streams that the server goes away: one GOAWAY
 * ({@code NO_ERROR}) per connection, naming the last stream the client opened, so that the
 * client opens no new stream there while each live stream ends on its own terms (an SSE
 * stream's final frame, a download's time to finish). HTTP/1.1 connections have no such
 * frame: their streams end, and the server closes them.
 *
 * @since 0.2.0
 */
public final class Http2GoAway {

	private static final Log logger = LogFactory.getLog(Http2GoAway.class);

	private Http2GoAway() {
	}

	/**
	 * Send a GOAWAY on every HTTP/2 connection that carries one of the given streams.
	 * @param streams the live streams
	 * @return how many connections were told
	 */
	public static int announce(Collection<? extends LiveStream> streams) {
		Map<Channel, Boolean> connections = new IdentityHashMap<>();
		for (LiveStream stream : streams) {
			if (stream instanceof LiveStreamView view && view.channel instanceof Http2StreamChannel
					&& view.connection != null && view.connection != view.channel) {
				connections.put(view.connection, Boolean.TRUE);
			}
		}
		for (Channel connection : connections.keySet()) {
			if (connection.isActive()) {
				connection.writeAndFlush(new DefaultHttp2GoAwayFrame(Http2Error.NO_ERROR)).addListener((future) -> {
					if (!future.isSuccess() && logger.isDebugEnabled()) {
						logger.debug("[" + connection + "] GOAWAY not sent: " + future.cause());
					}
				});
			}
		}
		if (!connections.isEmpty() && logger.isDebugEnabled()) {
			logger.debug("Sent GOAWAY on " + connections.size() + " HTTP/2 connections");
		}
		return connections.size();
	}

}
