package dev.streamguard.web;

import dev.streamguard.stream.TerminationReason;

/**
 * Signalled to the transport when the guard ends a stream that has no connection of its own to
 * close, so that the response is aborted rather than completed.
 *
 * @since 0.1.0
 */
public class StreamEndedException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	private final TerminationReason reason;

	/**
	 * Create an exception for a stream ended for the given reason.
	 * @param reason the reason
	 */
	public StreamEndedException(TerminationReason reason) {
		super("Stream ended: " + reason.code(), null, false, false);
		this.reason = reason;
	}

	/**
	 * Return why the stream ended.
	 * @return the reason
	 */
	public TerminationReason getReason() {
		return this.reason;
	}

}
