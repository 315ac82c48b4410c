package dev.streamguard.client;

/**
 * An event received by {@link StreamGuardClient}.
 *
 * @param id the event's id (its position in the stream)
 * @param data the event's data
 * @param <T> the type of data
 * @since 0.1.0
 */
public record StreamEvent<T>(String id, T data) {
}
