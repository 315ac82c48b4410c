package dev.streamguard.stream;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import dev.streamguard.transport.TcpInfo;
import reactor.util.context.Context;
import reactor.util.context.ContextView;

/**
 * A streaming response while it is alive, and its record once it has ended. Values are read
 * without locking and may be a moment old.
 *
 * @since 0.1.0
 */
public interface LiveStream {

	/**
	 * Return the stream's unguessable identifier.
	 * @return the id
	 */
	String id();

	/**
	 * Return the route the stream was served on: the handler's path pattern, low in cardinality.
	 * @return the route
	 */
	String route();

	/**
	 * Return the media type of the stream's body.
	 * @return the media type, without parameters
	 */
	String mediaType();

	/**
	 * Return the peer's address, when known.
	 * @return the remote address
	 */
	Optional<InetSocketAddress> remoteAddress();

	/**
	 * Return the policy that applies to the stream.
	 * @return the policy
	 */
	StreamPolicy policy();

	/**
	 * Return when the stream started.
	 * @return the start time
	 */
	Instant startedAt();

	/**
	 * Return how long the stream has lived, or lived in all once it has ended.
	 * @return the age
	 */
	Duration age();

	/**
	 * Return the number of elements sent, heartbeats not included.
	 * @return the element count
	 */
	long elementsSent();

	/**
	 * Return the number of bytes handed to the transport, heartbeats included.
	 * @return the byte count
	 */
	long bytesSent();

	/**
	 * Return the current send rate: bytes that left the process per second, over the last
	 * one to five seconds (a healthy stream's timers are checked less often than a blocked
	 * one's).
	 * @return the rate in bytes per second
	 */
	long sendRate();

	/**
	 * Return how many times the stream's write window filled because the peer did not keep up.
	 * @return the count
	 */
	long windowFullCount();

	/**
	 * Return the number of bytes held in the stream's write window, waiting for the socket.
	 * @return the pending bytes, {@code 0} where the transport does not tell
	 */
	long pendingBytes();

	/**
	 * Whether the stream's write window has room.
	 * @return {@code true} while the transport accepts more
	 */
	boolean writable();

	/**
	 * Return how long ago bytes last left the process for the peer, or the stream last had room
	 * in its window.
	 * @return the time since the last progress
	 */
	Duration sinceLastProgress();

	/**
	 * Return the kernel's TCP_INFO for the stream's connection, where the transport offers it.
	 * @return the snapshot, empty on transports without TCP_INFO or once the stream has ended
	 */
	Optional<TcpInfo> tcpInfo();

	/**
	 * Return the id of the connection the stream is served on: the streams that share an
	 * HTTP/2 connection share it, as do the exchanges one after another on an HTTP/1.1
	 * connection.
	 * @return the id, empty where the stream has no connection of its own to show
	 * @since 0.2.0
	 */
	default Optional<String> connectionId() {
		return Optional.empty();
	}

	/**
	 * Return the HTTP version the stream is served with: {@code HTTP/1.1} or {@code HTTP/2}.
	 * @return the protocol
	 * @since 0.2.0
	 */
	default String protocol() {
		return "HTTP/1.1";
	}

	/**
	 * Return the stream's state.
	 * @return the state
	 */
	State state();

	/**
	 * Return why the stream ended.
	 * @return the reason, empty while the stream is alive
	 */
	Optional<TerminationReason> terminationReason();

	/**
	 * Return the Reactor context of the response that writes the stream. Where the server
	 * observes its requests it holds the request's observation, under the key of Micrometer's
	 * {@code ObservationThreadLocalAccessor}, so that what a listener starts for the stream can be
	 * its child.
	 * @return the context, empty until the stream starts
	 * @since 0.2.0
	 */
	default ContextView context() {
		return Context.empty();
	}

	/**
	 * End the stream with the given reason, unless it has already ended: its upstream is
	 * cancelled and its connection closed (SSE clients first receive a final event naming the
	 * reason, where the connection allows it).
	 * @param reason the reason to record
	 * @return {@code true} if this call ended the stream
	 */
	boolean end(TerminationReason reason);

	/**
	 * State of a live stream.
	 */
	enum State {

		/** Data flows, or the stream waits for its upstream. */
		ACTIVE,

		/** The write window is full and the peer is not taking bytes. */
		BLOCKED,

		/** The stream has ended. */
		ENDED

	}

}
