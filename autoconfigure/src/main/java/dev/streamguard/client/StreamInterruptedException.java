package dev.streamguard.client;

/**
 * The server ended a stream before its end (drain, time limit, operator): the client resumes
 * it.
 *
 * @since 0.1.0
 */
public class StreamInterruptedException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	/**
	 * Create an exception.
	 * @param reason what the server said, such as {@code server-shutdown}
	 */
	public StreamInterruptedException(String reason) {
		super("Server ended the stream: " + reason, null, false, false);
	}

}
