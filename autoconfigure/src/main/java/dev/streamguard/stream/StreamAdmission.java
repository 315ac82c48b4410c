package dev.streamguard.stream;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;

import org.jspecify.annotations.Nullable;

/**
 * Decides whether a stream may start. Consulted when the write of a streaming response is
 * subscribed (a write that never is holds nothing), before its body is subscribed and its
 * headers are committed; a refused stream never touches its upstream and is answered with a
 * problem response instead.
 *
 * @since 0.1.0
 */
@FunctionalInterface
public interface StreamAdmission {

	/**
	 * Decide on a stream that is about to start.
	 * @param route the route it is served on
	 * @param policy the policy that applies to it
	 * @param client the client's address, when known
	 * @return {@link Admission#admitted(Runnable)} with what to run, exactly once, when the
	 * stream ends, or {@link Admission#refused(int, Duration, String)}
	 */
	Admission admit(String route, StreamPolicy policy, @Nullable InetAddress client);

	/**
	 * The decision on one stream.
	 */
	sealed interface Admission permits Admitted, Refused {

		/** An admission that holds nothing. */
		Admission ADMITTED = new Admitted((stream) -> {
		}, (stream) -> {
		});

		/**
		 * Admit a stream that holds something until it ends.
		 * @param release run exactly once when the stream ends, however it ends
		 * @return the admission
		 */
		static Admission admitted(Runnable release) {
			return new Admitted((stream) -> {
			}, (stream) -> release.run());
		}

		/**
		 * Admit a stream that wants to hear of its first element and of its end.
		 * @param onFirstElement called at most once, when the upstream produces its first element
		 * @param onEnd called exactly once when the stream ends, however it ends (also if it
		 * never starts: its termination reason is then empty)
		 * @return the admission
		 */
		static Admission admitted(Consumer<LiveStream> onFirstElement, Consumer<LiveStream> onEnd) {
			return new Admitted(onFirstElement, onEnd);
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
	 * @param onFirstElement called at most once, with the first element
	 * @param onEnd called exactly once when the stream ends
	 */
	record Admitted(Consumer<LiveStream> onFirstElement, Consumer<LiveStream> onEnd) implements Admission {

		public Admitted {
			Objects.requireNonNull(onFirstElement, "onFirstElement");
			Objects.requireNonNull(onEnd, "onEnd");
		}

		/**
		 * Combine with another admission: both hear of the stream.
		 * @param other the other admission
		 * @return the combination
		 */
		public Admitted and(Admitted other) {
			// The admission that holds nothing adds nothing: most streams hold one thing.
			if (other == Admission.ADMITTED) {
				return this;
			}
			if (this == Admission.ADMITTED) {
				return other;
			}
			return new Admitted(this.onFirstElement.andThen(other.onFirstElement), this.onEnd.andThen(other.onEnd));
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
