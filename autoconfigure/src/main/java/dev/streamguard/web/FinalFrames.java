package dev.streamguard.web;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import dev.streamguard.stream.TerminationReason;
import org.jspecify.annotations.Nullable;

/**
 * The frames the guard writes on its own into a framed stream: heartbeats while the source is
 * quiet, and the frame that tells the client why the stream ends.
 */
interface FinalFrames {

	/** Return the heartbeat frame, or {@code null} for none. */
	byte @Nullable [] heartbeat();

	/** Return the frame that tells the client why the stream ends, or {@code null}. */
	byte @Nullable [] last(TerminationReason reason);

	/**
	 * Frames of a server-sent event stream: a comment as heartbeat, and one {@code end} event
	 * whose data is the reason's code. The event is never named {@code error}: browsers hand
	 * such an event to {@code onerror} handlers as if the connection had failed, and the common
	 * {@code onerror = () => source.close()} would stop the reconnect. Ends after which the
	 * client should come back (a rotation at {@code max-duration} or at the end of the lease, a
	 * drain) also carry {@code retry:}, so that an {@code EventSource} resumes after that delay.
	 */
	static FinalFrames serverSentEvents(Duration reconnectDelay) {
		byte[] heartbeat = ":\n\n".getBytes(StandardCharsets.UTF_8);
		byte[][] last = new byte[TerminationReason.values().length][];
		for (TerminationReason reason : TerminationReason.values()) {
			String retry = reconnects(reason) ? "retry: " + reconnectDelay.toMillis() + "\n" : "";
			last[reason.ordinal()] = ("event: " + TerminationReason.END_EVENT + "\n" + retry + "data: " + reason.code()
					+ "\n\n")
				.getBytes(StandardCharsets.UTF_8);
		}
		return new FinalFrames() {

			@Override
			public byte[] heartbeat() {
				return heartbeat;
			}

			@Override
			public byte[] last(TerminationReason reason) {
				return last[reason.ordinal()];
			}

		};
	}

	private static boolean reconnects(TerminationReason reason) {
		return reason == TerminationReason.MAX_DURATION || reason == TerminationReason.LEASE_EXPIRED
				|| reason == TerminationReason.SERVER_SHUTDOWN;
	}

	/**
	 * Frames of a newline-delimited JSON stream: an empty line as heartbeat if asked for, and no
	 * final frame (a line of its own would be a record to the client).
	 */
	static FinalFrames ndjson(boolean heartbeats) {
		byte[] heartbeat = heartbeats ? "\n".getBytes(StandardCharsets.UTF_8) : null;
		return new FinalFrames() {

			@Override
			public byte @Nullable [] heartbeat() {
				return heartbeat;
			}

			@Override
			public byte @Nullable [] last(TerminationReason reason) {
				return null;
			}

		};
	}

}
