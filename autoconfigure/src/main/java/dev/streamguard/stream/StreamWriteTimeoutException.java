package dev.streamguard.stream;

/**
 * Thrown when {@link StreamWriter#write(Object, Deadline)} reaches its deadline while the
 * stream's write window is still full. The stream itself is still alive.
 *
 * @since 0.1.0
 */
public class StreamWriteTimeoutException extends StreamWriteException {

	private static final long serialVersionUID = 1L;

	/**
	 * Create an exception for a write that reached its deadline.
	 * @param deadline the deadline that passed
	 */
	public StreamWriteTimeoutException(Deadline deadline) {
		super("Write window still full at the deadline (" + deadline + ")");
	}

}
