package dev.streamguard.stream;

import java.util.Objects;

/**
 * Thrown when a {@link StreamWriter} is asked to write to a stream that has ended.
 *
 * @since 0.1.0
 */
public class StreamClosedException extends StreamWriteException {

	private static final long serialVersionUID = 1L;

	private final TerminationReason reason;

	/**
	 * Create an exception for a stream that ended for the given reason.
	 * @param reason why the stream ended
	 */
	public StreamClosedException(TerminationReason reason) {
		super("Stream closed: " + Objects.requireNonNull(reason, "reason").code());
		this.reason = reason;
	}

	/**
	 * Return why the stream ended.
	 * @return the termination reason
	 */
	public TerminationReason getReason() {
		return this.reason;
	}

}
