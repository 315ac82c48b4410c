package dev.streamguard.stream;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * The live streams of this instance. A stream is registered when its body is subscribed and
 * removed exactly once, when it ends; registered {@link StreamListener listeners} hear of both.
 *
 * @since 0.1.0
 */
public class StreamRegistry {

	private static final Log logger = LogFactory.getLog(StreamRegistry.class);

	private final Map<String, LiveStream> streams = new ConcurrentHashMap<>();

	private final List<StreamListener> listeners = new CopyOnWriteArrayList<>();

	private final AtomicInteger openResponses = new AtomicInteger();

	/**
	 * Create a registry with the given listeners.
	 * @param listeners the listeners to notify
	 */
	public StreamRegistry(Collection<? extends StreamListener> listeners) {
		this.listeners.addAll(listeners);
	}

	/**
	 * Create a registry without listeners.
	 */
	public StreamRegistry() {
		this(List.of());
	}

	/**
	 * Add a listener.
	 * @param listener the listener
	 */
	public void addListener(StreamListener listener) {
		this.listeners.add(listener);
	}

	/**
	 * Register a stream that has just started.
	 * @param stream the stream
	 */
	public void register(LiveStream stream) {
		if (this.streams.putIfAbsent(stream.id(), stream) != null) {
			throw new IllegalStateException("Stream '" + stream.id() + "' is already registered");
		}
		for (StreamListener listener : this.listeners) {
			notify(listener, stream, null);
		}
	}

	/**
	 * Remove a stream that has ended. Listeners hear of it once, however often this is called.
	 * @param stream the stream
	 * @param reason why it ended
	 */
	public void unregister(LiveStream stream, TerminationReason reason) {
		if (this.streams.remove(stream.id(), stream)) {
			for (StreamListener listener : this.listeners) {
				notify(listener, stream, reason);
			}
		}
	}

	private void notify(StreamListener listener, LiveStream stream, TerminationReason reason) {
		try {
			if (reason == null) {
				listener.onStart(stream);
			}
			else {
				listener.onEnd(stream, reason);
			}
		}
		catch (RuntimeException ex) {
			logger.warn("Stream listener " + listener + " failed for stream " + stream.id(), ex);
		}
	}

	/**
	 * Tell listeners that a stream was refused before it started.
	 * @param route the route it asked for
	 * @param mediaType its media type
	 * @param cause why it was refused
	 */
	public void reject(String route, String mediaType, String cause) {
		for (StreamListener listener : this.listeners) {
			try {
				listener.onRejected(route, mediaType, cause);
			}
			catch (RuntimeException ex) {
				logger.warn("Stream listener " + listener + " failed for a rejected stream on " + route, ex);
			}
		}
	}

	/**
	 * Return the stream with the given id, if it is alive.
	 * @param id the stream id
	 * @return the stream
	 */
	public Optional<LiveStream> find(String id) {
		return Optional.ofNullable(this.streams.get(id));
	}

	/**
	 * Return a snapshot of the live streams.
	 * @return the live streams
	 */
	public List<LiveStream> streams() {
		return Collections.unmodifiableList(new ArrayList<>(this.streams.values()));
	}

	/**
	 * Count a streaming response whose write has started; a stream's response may still be
	 * writing its last bytes after the stream has ended.
	 */
	public void responseOpened() {
		this.openResponses.incrementAndGet();
	}

	/**
	 * Count a streaming response whose write has finished, however it finished.
	 */
	public void responseClosed() {
		this.openResponses.decrementAndGet();
	}

	/**
	 * Return the number of streaming responses still being written.
	 * @return the count
	 */
	public int openResponses() {
		return this.openResponses.get();
	}

	/**
	 * Return the number of live streams.
	 * @return the count
	 */
	public int size() {
		return this.streams.size();
	}

}
