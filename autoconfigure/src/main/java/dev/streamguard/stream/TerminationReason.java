package dev.streamguard.stream;

/**
 * Why a live stream ended. Every stream ends with exactly one reason, which is logged once
 * and tagged on metrics.
 *
 * @since 0.1.0
 */
public enum TerminationReason {

	/** The upstream publisher completed and everything it produced was handed to the transport. */
	COMPLETED("completed"),

	/** The client closed the connection (FIN or RST) or cancelled the exchange. */
	CLIENT_CLOSED("client-closed"),

	/**
	 * The peer stopped acknowledging: the transport gave up on it (TCP user timeout, keepalive
	 * failure, host unreachable).
	 */
	PEER_UNRESPONSIVE("peer-unresponsive"),

	/** The write window stayed full and no bytes left the process for the stall timeout. */
	STALLED("stalled"),

	/** The upstream publisher produced no element for the idle timeout while demand was open. */
	IDLE_TIMEOUT("idle-timeout"),

	/** The upstream publisher produced no first element within the first-element timeout. */
	FIRST_ELEMENT_TIMEOUT("first-element-timeout"),

	/** The stream reached its maximum duration. */
	MAX_DURATION("max-duration"),

	/**
	 * The stream's lease ran out: the guard rotated a stream that its client can resume, with
	 * a clean end that asks the client to reconnect, so that a client that vanished behind a
	 * proxy does not hold the stream until the proxy notices.
	 * @since 0.2.0
	 */
	LEASE_EXPIRED("lease-expired"),

	/** The stream was refused before it started (concurrency limit, rate limit, draining). */
	REJECTED("rejected"),

	/** The upstream publisher signalled an error. */
	UPSTREAM_ERROR("upstream-error"),

	/** The server ended the stream because it is shutting down. */
	SERVER_SHUTDOWN("server-shutdown"),

	/** An operator ended the stream through the management API. */
	CLOSED_BY_OPERATOR("closed-by-operator");

	/**
	 * Name of the server-sent event that ends a guarded SSE stream when the guard ends it; its
	 * data is the reason's {@link #code() code}. Never {@code error}, which browsers hand to
	 * {@code EventSource.onerror} as if the connection had failed.
	 * @since 0.2.0
	 */
	public static final String END_EVENT = "end";

	private final String code;

	TerminationReason(String code) {
		this.code = code;
	}

	/**
	 * Return the short, machine-readable code of this reason, as sent to SSE clients in the
	 * final {@code event: end} (see {@link #END_EVENT}) and used as a metric tag value.
	 * @return the code, in kebab case
	 */
	public String code() {
		return this.code;
	}

	/**
	 * Whether this reason is the normal end of a stream rather than a failure of some kind.
	 * @return {@code true} only for {@link #COMPLETED}
	 */
	public boolean isSuccess() {
		return this == COMPLETED;
	}

}
