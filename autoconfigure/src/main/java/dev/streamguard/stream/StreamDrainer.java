package dev.streamguard.stream;

import java.time.Duration;
import java.util.Collection;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * Ends the live streams of an instance that shuts down, within a bounded time: new streams are
 * refused at once, SSE streams end at once with a final {@code event: end}, {@code retry:} and
 * {@code data: server-shutdown} (their clients
 * reconnect, to another instance), and the other streams get until the drain timeout to finish
 * before they are cut, all with {@link TerminationReason#SERVER_SHUTDOWN}.
 *
 * @since 0.1.0
 */
public class StreamDrainer {

	private static final Log logger = LogFactory.getLog(StreamDrainer.class);

	private static final String EVENT_STREAM = "text/event-stream";

	private static final long POLL_MILLIS = 20;

	private final StreamRegistry registry;

	private final StreamGate gate;

	private final Consumer<Collection<LiveStream>> announce;

	/**
	 * Create a drainer.
	 * @param registry the live streams
	 * @param gate the gate to close to new streams
	 */
	public StreamDrainer(StreamRegistry registry, StreamGate gate) {
		this(registry, gate, (streams) -> {
		});
	}

	/**
	 * Create a drainer that announces the drain to the connections of the live streams before
	 * it ends any (over HTTP/2, a GOAWAY: the client opens no new stream on the connection,
	 * and each live stream then ends on its own terms).
	 * @param registry the live streams
	 * @param gate the gate to close to new streams
	 * @param announce tells the connections of the given streams that the server goes away
	 * @since 0.2.0
	 */
	public StreamDrainer(StreamRegistry registry, StreamGate gate, Consumer<Collection<LiveStream>> announce) {
		this.registry = Objects.requireNonNull(registry, "registry");
		this.gate = Objects.requireNonNull(gate, "gate");
		this.announce = Objects.requireNonNull(announce, "announce");
	}

	/**
	 * Drain: refuse new streams, end SSE streams now, give the others until the timeout, then
	 * end what is left. Blocks until every stream has ended or the timeout has passed (plus the
	 * moment it takes to cut the rest).
	 * @param timeout how long streams other than SSE may take to finish
	 * @return how many streams were cut at the timeout
	 */
	public int drain(Duration timeout) {
		this.gate.startDraining();
		Deadline deadline = Deadline.after(timeout);
		int live = this.registry.size();
		if (live > 0) {
			logger.info("Draining " + live + " live streams within " + timeout.toMillis() + " ms");
			try {
				this.announce.accept(this.registry.streams());
			}
			catch (RuntimeException ex) {
				logger.warn("Could not announce the drain to the streams' connections", ex);
			}
		}
		for (LiveStream stream : this.registry.streams()) {
			if (EVENT_STREAM.equals(stream.mediaType())) {
				stream.end(TerminationReason.SERVER_SHUTDOWN);
			}
		}
		awaitEmpty(deadline);
		int cut = 0;
		for (LiveStream stream : this.registry.streams()) {
			if (stream.end(TerminationReason.SERVER_SHUTDOWN)) {
				cut++;
			}
		}
		if (cut > 0) {
			logger.info("Drain timeout reached: cut " + cut + " streams");
		}
		return cut;
	}

	private void awaitEmpty(Deadline deadline) {
		// Ended streams may still be writing their last frame: wait for their responses too.
		while ((this.registry.size() > 0 || this.registry.openResponses() > 0) && !deadline.isExpired()) {
			try {
				TimeUnit.MILLISECONDS.sleep(Math.min(POLL_MILLIS, Math.max(1, deadline.remaining().toMillis())));
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return;
			}
		}
	}

}
