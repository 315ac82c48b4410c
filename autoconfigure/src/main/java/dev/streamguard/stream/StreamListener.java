package dev.streamguard.stream;

/**
 * Callback for the start and end of live streams. Called on the thread that started or ended
 * the stream, often a Netty event loop: implementations must not block.
 *
 * @since 0.1.0
 */
public interface StreamListener {

	/**
	 * Called once when a stream starts.
	 * @param stream the stream
	 */
	default void onStart(LiveStream stream) {
	}

	/**
	 * Called exactly once when a stream ends.
	 * @param stream the stream
	 * @param reason why it ended
	 */
	default void onEnd(LiveStream stream, TerminationReason reason) {
	}

	/**
	 * Called when a stream is refused before it starts; it never becomes a live stream and
	 * counts as {@link TerminationReason#REJECTED}.
	 * @param route the route it asked for
	 * @param mediaType its media type
	 * @param cause why it was refused
	 */
	default void onRejected(String route, String mediaType, String cause) {
	}

}
