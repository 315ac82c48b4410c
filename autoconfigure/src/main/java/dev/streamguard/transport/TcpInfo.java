package dev.streamguard.transport;

import java.time.Duration;
import java.util.Optional;

import io.netty.channel.Channel;

import org.springframework.util.ClassUtils;

/**
 * A snapshot of the kernel's TCP_INFO for a connection, where the transport offers it (epoll).
 *
 * @param rtt smoothed round-trip time
 * @param rttVariance round-trip time variance
 * @param unacked segments sent and not yet acknowledged
 * @param retransmits consecutive retransmissions of the oldest unacknowledged segment (the
 * retransmission timer's back-off count)
 * @param totalRetransmits retransmissions over the connection's life
 * @param zeroWindowProbes unanswered zero-window or keepalive probes
 * @param sinceLastAck time since the last acknowledgement from the peer
 * @param sinceLastDataSent time since data was last sent
 * @param backoff the back-off count of the retransmission or zero-window probe timer: above
 * zero with nothing in flight, the kernel holds data that the peer's closed window keeps back
 * (since 0.2.0)
 * @since 0.1.0
 */
public record TcpInfo(Duration rtt, Duration rttVariance, long unacked, int retransmits, long totalRetransmits,
		int zeroWindowProbes, Duration sinceLastAck, Duration sinceLastDataSent, int backoff) {

	private static final boolean EPOLL_PRESENT = ClassUtils.isPresent("io.netty.channel.epoll.EpollSocketChannel",
			TcpInfo.class.getClassLoader());

	/**
	 * Whether TCP_INFO can be read on this class path (native epoll is present).
	 * @return {@code true} where {@link #read(Channel)} may return a snapshot
	 * @since 0.2.0
	 */
	public static boolean available() {
		return EPOLL_PRESENT;
	}

	/**
	 * Read the TCP_INFO of a connection.
	 * @param channel the connection
	 * @return the snapshot, empty where the transport does not offer it or the connection is
	 * closed
	 */
	public static Optional<TcpInfo> read(Channel channel) {
		if (!EPOLL_PRESENT || TransportKind.of(channel) != TransportKind.EPOLL || !channel.isOpen()) {
			return Optional.empty();
		}
		try {
			return Optional.of(EpollReader.read(channel));
		}
		catch (RuntimeException ex) {
			// Closed concurrently.
			return Optional.empty();
		}
	}

	/**
	 * Whether the peer acknowledges nothing: data is outstanding and being retransmitted. A
	 * dead or cut-off peer looks like this; a live peer that stopped reading does not.
	 * @return {@code true} when the peer does not acknowledge
	 */
	public boolean peerSilent() {
		return this.unacked > 0 && this.retransmits > 0;
	}

	/**
	 * Whether the peer's receive window holds data back: nothing is in flight, and the kernel
	 * probes a closed window (its probe timer has backed off at least once, or a probe is
	 * unanswered).
	 * @return {@code true} for a closed receive window
	 */
	public boolean zeroWindow() {
		return this.unacked == 0 && (this.zeroWindowProbes > 0 || this.backoff > 0);
	}

	/**
	 * Whether the kernel has nothing left to deliver as far as TCP_INFO tells: nothing in
	 * flight, no timer backed off.
	 * @return {@code true} when the connection looks drained
	 * @since 0.2.0
	 */
	public boolean quiet() {
		return this.unacked == 0 && this.backoff == 0 && this.zeroWindowProbes == 0;
	}

	private static final class EpollReader {

		static TcpInfo read(Channel channel) {
			io.netty.channel.epoll.EpollTcpInfo info = ((io.netty.channel.epoll.EpollSocketChannel) channel).tcpInfo();
			return new TcpInfo(Duration.ofNanos(info.rtt() * 1000), Duration.ofNanos(info.rttvar() * 1000),
					info.unacked(), info.retransmits(), info.totalRetrans(), info.probes(),
					Duration.ofMillis(info.lastAckRecv()), Duration.ofMillis(info.lastDataSent()), info.backoff());
		}

	}

}
