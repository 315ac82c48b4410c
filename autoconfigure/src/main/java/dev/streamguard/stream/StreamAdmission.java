package dev.streamguard.stream;

import java.time.Duration;
import java.util.Objects;

/**
 * Decides whether a stream may start. Consulted when a streaming response is about to be
 * written, before its body is subscribed; a refused stream never touches its upstream and is
 * answered with a problem response instead.
 *
 * @since 0.1.0
 */
@FunctionalInterface
public interface StreamAdmission {

	/**
	 * Decide on a stream that is about to start.
	 * @param route the route it is served on
	 * @return {@link Admission#admitted(Runnable)} with what to run, exactly once, when the
	 * stream ends, or {@link Admission#refused(int, Duration, String)}
	 */
	Admission admit(String route);

	/**
	 * The decision on one stream.
	 */
	sealed interface Admission permits Admitted, Refused {

		/** An admission that holds nothing. */
		Admission ADMITTED = new Admitted(() -> {
		});

		/**
		 * Admit a stream that holds something until it ends.
		 * @param release run exactly once when the stream ends, however it ends
		 * @return the admission
		 */
		static Admission admitted(Runnable release) {
			return new Admitted(release);
		}

		/**
		 * Refuse a stream.
		 * @param status the HTTP status to answer with, 429 or 503
		 * @param retryAfter when the client may try again, for the {@code Retry-After} header
		 * @param detail why, for the problem response's {@code detail}
		 * @return the refusal
		 */
		static Admission refused(int status, Duration retryAfter, String detail) {
			return new Refused(status, retryAfter, detail);
		}

	}

	/**
	 * A stream may start.
	 *
	 * @param release what to run exactly once when the stream ends
	 */
	record Admitted(Runnable release) implements Admission {

		public Admitted {
			Objects.requireNonNull(release, "release");
		}

	}

	/**
	 * A stream may not start.
	 *
	 * @param status the HTTP status to answer with
	 * @param retryAfter when the client may try again
	 * @param detail why
	 */
	record Refused(int status, Duration retryAfter, String detail) implements Admission {

		public Refused {
			Objects.requireNonNull(retryAfter, "retryAfter");
			Objects.requireNonNull(detail, "detail");
		}

	}

}
