package dev.streamguard.actuate;

import java.time.Instant;

import dev.streamguard.stream.LiveStream;
import dev.streamguard.transport.TcpInfo;
import org.jspecify.annotations.Nullable;

/**
 * What the {@code streams} endpoint tells about one live stream.
 *
 * @param id the stream's id
 * @param route the route it is served on
 * @param mediaType its media type
 * @param remoteAddress the peer's address, when the configured show-details level allows
 * @param startedAt when it started
 * @param ageMillis how long it has lived
 * @param elements elements sent
 * @param bytes bytes handed to the transport
 * @param sendRate bytes per second that left the process, over the last second or so
 * @param pendingBytes bytes waiting in the write window
 * @param writable whether the write window has room
 * @param state the stream's state
 * @param sinceLastProgressMillis time since bytes last left the process while blocked
 * @param windowFullCount times the write window filled
 * @param tcp the kernel's TCP_INFO, where the transport offers it
 * @since 0.1.0
 */
public record StreamDescriptor(String id, String route, String mediaType, @Nullable String remoteAddress,
		Instant startedAt, long ageMillis, long elements, long bytes, long sendRate, long pendingBytes,
		boolean writable, LiveStream.State state, long sinceLastProgressMillis, long windowFullCount,
		@Nullable Tcp tcp) {

	static StreamDescriptor of(LiveStream stream, boolean showRemoteAddress) {
		String remote = showRemoteAddress ? stream.remoteAddress().map(String::valueOf).orElse(null) : null;
		return new StreamDescriptor(stream.id(), stream.route(), stream.mediaType(), remote, stream.startedAt(),
				stream.age().toMillis(), stream.elementsSent(), stream.bytesSent(), stream.sendRate(),
				stream.pendingBytes(), stream.writable(), stream.state(), stream.sinceLastProgress().toMillis(),
				stream.windowFullCount(), stream.tcpInfo().map(Tcp::of).orElse(null));
	}

	/**
	 * TCP_INFO figures of the stream's connection.
	 *
	 * @param rttMicros smoothed round-trip time in microseconds
	 * @param unacked segments sent and not yet acknowledged
	 * @param retransmits consecutive retransmissions of the oldest unacknowledged segment
	 * @param totalRetransmits retransmissions over the connection's life
	 * @param sinceLastAckMillis time since the last acknowledgement from the peer
	 */
	public record Tcp(long rttMicros, long unacked, int retransmits, long totalRetransmits, long sinceLastAckMillis) {

		static Tcp of(TcpInfo info) {
			return new Tcp(info.rtt().toNanos() / 1000, info.unacked(), info.retransmits(), info.totalRetransmits(),
					info.sinceLastAck().toMillis());
		}

	}

}
