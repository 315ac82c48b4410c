package dev.streamguard.stream;

import java.time.Duration;

/**
 * Signalled by a stream's upstream, before its first element, when the stream cannot be
 * served now (for example, no thread is left for its blocking producer). The stream ends
 * {@link TerminationReason#REJECTED}, and a response not yet committed is answered with the
 * refusal's status and {@code Retry-After}, like a refused {@link StreamAdmission}.
 *
 * @since 0.2.0
 */
public class StreamRejectedException extends RuntimeException {

	private static final long serialVersionUID = 1L;

	private final transient StreamAdmission.Refused refusal;

	/**
	 * Create an exception.
	 * @param status the HTTP status to answer with, 429 or 503
	 * @param retryAfter when the client may try again
	 * @param detail why, for the problem response's {@code detail}
	 */
	public StreamRejectedException(int status, Duration retryAfter, String detail) {
		super(detail, null, false, false);
		this.refusal = new StreamAdmission.Refused(status, retryAfter, detail);
	}

	/**
	 * Return the refusal to answer with.
	 * @return the refusal
	 */
	public StreamAdmission.Refused getRefusal() {
		return this.refusal;
	}

}
