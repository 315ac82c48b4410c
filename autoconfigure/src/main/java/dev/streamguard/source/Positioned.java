package dev.streamguard.source;

/**
 * An item of a {@link StreamSource} with its position, which a client sends back to resume
 * after it.
 *
 * @param position the item's position, zero or more, increasing along the stream
 * @param value the item
 * @param <T> the type of item
 * @since 0.1.0
 */
public record Positioned<T>(long position, T value) {

	public Positioned {
		if (position < 0) {
			throw new IllegalArgumentException("position must not be negative, was " + position);
		}
	}

}
