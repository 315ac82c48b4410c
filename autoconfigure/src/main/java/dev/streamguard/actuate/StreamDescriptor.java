package dev.streamguard.actuate;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
 * @param sendRate bytes per second that left the process, over the last one to five seconds
 * @param pendingBytes bytes waiting in the write window
 * @param writable whether the write window has room
 * @param state the stream's state
 * @param sinceLastProgressMillis time since bytes last left the process while blocked
 * @param windowFullCount times the write window filled
 * @param tcp the kernel's TCP_INFO, where the transport offers it
 * @param protocol the HTTP version the stream is served with (since 0.2.0)
 * @param connection the connection the stream is served on, and the live streams it carries
 * (since 0.2.0)
 * @since 0.1.0
 */
public record StreamDescriptor(String id, String route, String mediaType, @Nullable String remoteAddress,
		Instant startedAt, long ageMillis, long elements, long bytes, long sendRate, long pendingBytes,
		boolean writable, LiveStream.State state, long sinceLastProgressMillis, long windowFullCount,
		@Nullable Tcp tcp, String protocol, @Nullable Connection connection) {

	static StreamDescriptor of(LiveStream stream, boolean showRemoteAddress, Map<String, List<String>> connections) {
		String remote = showRemoteAddress ? stream.remoteAddress().map(String::valueOf).orElse(null) : null;
		Connection connection = stream.connectionId()
			.map((id) -> new Connection(id, connections.getOrDefault(id, List.of(stream.id()))))
			.orElse(null);
		return new StreamDescriptor(stream.id(), stream.route(), stream.mediaType(), remote, stream.startedAt(),
				stream.age().toMillis(), stream.elementsSent(), stream.bytesSent(), stream.sendRate(),
				stream.pendingBytes(), stream.writable(), stream.state(), stream.sinceLastProgress().toMillis(),
				stream.windowFullCount(), stream.tcpInfo().map(Tcp::of).orElse(null), stream.protocol(), connection);
	}

	/**
	 * Group the given streams by their connection.
	 * @return the ids of the streams of each connection, by connection id
	 */
	static Map<String, List<String>> byConnection(Collection<? extends LiveStream> streams) {
		Map<String, List<String>> connections = new LinkedHashMap<>();
		for (LiveStream stream : streams) {
			stream.connectionId()
				.ifPresent((id) -> connections.computeIfAbsent(id, (key) -> new ArrayList<>()).add(stream.id()));
		}
		return connections;
	}

	/**
	 * The connection a stream is served on.
	 *
	 * @param id the connection's id, shared by the streams of one HTTP/2 connection
	 * @param streams the ids of the live streams the connection carries, this one included
	 * @since 0.2.0
	 */
	public record Connection(String id, List<String> streams) {
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
