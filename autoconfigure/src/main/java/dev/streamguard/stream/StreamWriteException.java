package dev.streamguard.stream;

/**
 * Base class of the exceptions thrown by {@link StreamWriter#write(Object, Deadline)}.
 *
 * @since 0.1.0
 */
public abstract class StreamWriteException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	protected StreamWriteException(String message) {
		super(message);
	}

}
