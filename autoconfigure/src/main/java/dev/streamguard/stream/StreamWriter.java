package dev.streamguard.stream;

import java.util.Optional;

/**
 * Write/wait API for a blocking producer that feeds a live stream, modelled on brpc's
 * {@code StreamWrite}/{@code StreamWait}: {@link #tryWrite(Object)} never blocks and answers
 * {@link WriteResult#FULL} while the stream's write window is full; {@link #awaitWritable(Deadline)}
 * blocks until the window has room, the stream ends, or an <em>absolute</em> deadline passes.
 * <p>
 * A writer is obtained from {@link StreamWriters#flux(StreamProducer)}, whose producer runs on
 * a thread of its own (see {@link StreamWriterPool}), never on the event loop. Every wait wakes at once when the stream ends for any reason, and the
 * producer's thread is interrupted when the stream is cancelled.
 *
 * @param <T> the type of item written
 * @since 0.1.0
 */
public interface StreamWriter<T> {

	/**
	 * Write an item if the write window has room, without blocking. On {@link WriteResult#FULL}
	 * the item stays the caller's; on {@link WriteResult#CLOSED} it is discarded through the
	 * subscriber's discard hook (Reactor's {@code Operators.onDiscard}), which releases pooled
	 * buffers, so the caller must not release it again.
	 * @param item the item, never {@code null}
	 * @return {@link WriteResult#WRITTEN}, {@link WriteResult#FULL} or {@link WriteResult#CLOSED}
	 */
	WriteResult tryWrite(T item);

	/**
	 * Block until the write window has room, the stream ends, or the deadline passes. A deadline
	 * in the past returns {@link WaitResult#TIMED_OUT} at once unless the window has room.
	 * @param deadline absolute point in time by which to return
	 * @return {@link WaitResult#WRITABLE}, {@link WaitResult#TIMED_OUT} or {@link WaitResult#CLOSED}
	 * @throws InterruptedException if the calling thread is interrupted while the stream is
	 * still open
	 */
	WaitResult awaitWritable(Deadline deadline) throws InterruptedException;

	/**
	 * Write an item, waiting for room in the write window until the deadline.
	 * @param item the item, never {@code null}
	 * @param deadline absolute point in time by which the item must be written
	 * @throws StreamClosedException if the stream has ended, naming the reason
	 * @throws StreamWriteTimeoutException if the deadline passed while the window was full
	 * @throws InterruptedException if the calling thread is interrupted while the stream is
	 * still open
	 */
	default void write(T item, Deadline deadline) throws InterruptedException {
		for (;;) {
			WriteResult written = tryWrite(item);
			if (written == WriteResult.WRITTEN) {
				return;
			}
			if (written == WriteResult.CLOSED) {
				throw new StreamClosedException(closedReason().orElse(TerminationReason.CLIENT_CLOSED));
			}
			WaitResult waited = awaitWritable(deadline);
			if (waited == WaitResult.TIMED_OUT) {
				throw new StreamWriteTimeoutException(deadline);
			}
			if (waited == WaitResult.CLOSED) {
				throw new StreamClosedException(closedReason().orElse(TerminationReason.CLIENT_CLOSED));
			}
		}
	}

	/**
	 * Whether the stream has ended.
	 * @return {@code true} once nothing more can be written
	 */
	boolean isClosed();

	/**
	 * Return why the stream ended, when it has ended and the reason is known.
	 * @return the reason, or empty while the stream is open
	 */
	Optional<TerminationReason> closedReason();

}
