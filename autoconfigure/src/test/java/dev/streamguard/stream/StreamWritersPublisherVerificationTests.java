package dev.streamguard.stream;

import java.io.IOException;
import java.time.Duration;

import org.reactivestreams.Publisher;
import org.reactivestreams.tck.PublisherVerification;
import org.reactivestreams.tck.TestEnvironment;

/**
 * The Reactive Streams TCK's publisher rules for {@link StreamWriters#flux(StreamProducer)}, fed
 * by a blocking producer that writes through {@link StreamWriter#tryWrite(Object)} and
 * {@link StreamWriter#awaitWritable(Deadline)} on a writer thread of the shared pool, as a
 * live stream's producer does.
 */
class StreamWritersPublisherVerificationTests extends PublisherVerification<Long> {

	// Far beyond any wait of the TCK, and short enough that the producers of subscriptions a
	// rule leaves without demand (and without a cancel) give their writer threads back.
	private static final Duration PATIENCE = Duration.ofSeconds(10);

	StreamWritersPublisherVerificationTests() {
		// Signals that must come get 300 ms (a producer first needs a thread); signals that
		// must not come are watched for 100 ms.
		super(new TestEnvironment(300, 100));
	}

	@Override
	public Publisher<Long> createPublisher(long elements) {
		return StreamWriters.flux((writer) -> {
			for (long item = 0; item < elements; item++) {
				if (!write(writer, item)) {
					return;
				}
			}
		});
	}

	@Override
	public Publisher<Long> createFailedPublisher() {
		return StreamWriters.flux((writer) -> {
			throw new IOException("Producer failed before its first item");
		});
	}

	/**
	 * Write the item once the window has room.
	 * @return {@code false} if the stream ended, or no demand came within {@link #PATIENCE}
	 * (the producer then returns, which ends the stream with fewer items than announced, as
	 * rule 1.2 allows)
	 */
	private static boolean write(StreamWriter<Long> writer, long item) throws InterruptedException {
		Deadline deadline = Deadline.after(PATIENCE);
		for (;;) {
			WriteResult written = writer.tryWrite(item);
			if (written != WriteResult.FULL) {
				return written == WriteResult.WRITTEN;
			}
			if (writer.awaitWritable(deadline) != WaitResult.WRITABLE) {
				return false;
			}
		}
	}

}
