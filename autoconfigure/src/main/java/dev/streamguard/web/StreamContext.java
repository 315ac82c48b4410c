package dev.streamguard.web;

import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.stream.Stream;

import dev.streamguard.stream.LiveStream;
import dev.streamguard.stream.StreamWriterPool;
import org.jspecify.annotations.Nullable;
import reactor.util.context.Context;

/**
 * The Reactor context a guarded stream gives its source: the transport's context with the
 * {@link LiveStream} and the {@link StreamWriterPool} of the stream. Operators that keep the
 * context they were given (a {@code Flux.create} sink does) keep it for the stream's life; so
 * it holds the two entries itself and makes Reactor's own context of them only when changed.
 */
final class StreamContext implements Context {

	private final Context parent;

	private final LiveStream stream;

	private final StreamWriterPool writers;

	private StreamContext(Context parent, LiveStream stream, StreamWriterPool writers) {
		this.parent = parent;
		this.stream = stream;
		this.writers = writers;
	}

	/**
	 * Return the given context with the stream's entries.
	 * @param parent the transport's context
	 * @param stream the stream
	 * @param writers where its blocking producers run, {@code null} for none of its own
	 */
	static Context of(Context parent, LiveStream stream, @Nullable StreamWriterPool writers) {
		if (writers == null || parent.hasKey(LiveStream.class) || parent.hasKey(StreamWriterPool.class)) {
			Context context = parent.put(LiveStream.class, stream);
			return (writers != null) ? context.put(StreamWriterPool.class, writers) : context;
		}
		return new StreamContext(parent, stream, writers);
	}

	private @Nullable Object own(Object key) {
		if (LiveStream.class.equals(key)) {
			return this.stream;
		}
		if (StreamWriterPool.class.equals(key)) {
			return this.writers;
		}
		return null;
	}

	@Override
	@SuppressWarnings("unchecked")
	public <T> T get(Object key) {
		Object own = own(key);
		if (own != null) {
			return (T) own;
		}
		if (!this.parent.hasKey(key)) {
			throw new NoSuchElementException("Context does not contain key: " + key);
		}
		return this.parent.get(key);
	}

	@Override
	public boolean hasKey(Object key) {
		return own(key) != null || this.parent.hasKey(key);
	}

	@Override
	public int size() {
		return this.parent.size() + 2;
	}

	@Override
	public Stream<Map.Entry<Object, Object>> stream() {
		return Stream.concat(this.parent.stream(),
				Stream.of(Map.entry(LiveStream.class, this.stream), Map.entry(StreamWriterPool.class, this.writers)));
	}

	@Override
	public Context put(Object key, Object value) {
		return expanded().put(key, value);
	}

	@Override
	public Context delete(Object key) {
		return expanded().delete(key);
	}

	private Context expanded() {
		return this.parent.put(LiveStream.class, this.stream).put(StreamWriterPool.class, this.writers);
	}

	@Override
	public String toString() {
		return "StreamContext" + this.parent.stream().map(Objects::toString).toList() + " + [" + this.stream + ", "
				+ this.writers + "]";
	}

}
