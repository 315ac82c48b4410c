package dev.streamguard.actuate;

import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import dev.streamguard.stream.LiveStream;
import dev.streamguard.stream.StreamRegistry;
import dev.streamguard.stream.TerminationReason;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.actuate.endpoint.Access;
import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.actuate.endpoint.Show;
import org.springframework.boot.actuate.endpoint.annotation.DeleteOperation;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;

/**
 * {@link Endpoint @Endpoint} that lists live streams, shows one, and ends one. Read-only by
 * default: ending a stream needs {@code management.endpoint.streams.access=unrestricted}.
 * Remote addresses are shown only as far as {@code management.endpoint.streams.show-details}
 * allows.
 *
 * @since 0.1.0
 */
@Endpoint(id = "streams", defaultAccess = Access.READ_ONLY)
public class StreamsEndpoint {

	private final StreamRegistry registry;

	private final Show showDetails;

	private final Set<String> roles;

	/**
	 * Create an endpoint.
	 * @param registry the live streams
	 * @param showDetails when remote addresses are shown
	 * @param roles roles that may see remote addresses when {@code showDetails} is
	 * {@link Show#WHEN_AUTHORIZED}; empty means any authenticated user
	 */
	public StreamsEndpoint(StreamRegistry registry, Show showDetails, Collection<String> roles) {
		this.registry = Objects.requireNonNull(registry, "registry");
		this.showDetails = Objects.requireNonNull(showDetails, "showDetails");
		this.roles = Set.copyOf(roles);
	}

	/**
	 * List the live streams, oldest first.
	 * @param securityContext the caller
	 * @return the streams
	 */
	@ReadOperation
	public LiveStreams streams(SecurityContext securityContext) {
		boolean show = this.showDetails.isShown(securityContext, this.roles);
		List<LiveStream> live = this.registry.streams();
		Map<String, List<String>> connections = StreamDescriptor.byConnection(live);
		List<StreamDescriptor> streams = live.stream()
			.sorted(Comparator.comparing(LiveStream::startedAt))
			.map((stream) -> StreamDescriptor.of(stream, show, connections))
			.toList();
		return new LiveStreams(streams.size(), streams);
	}

	/**
	 * Show one live stream.
	 * @param securityContext the caller
	 * @param id the stream id
	 * @return the stream, or {@code null} (404) when no live stream has that id
	 */
	@ReadOperation
	public @Nullable StreamDescriptor stream(SecurityContext securityContext, @Selector String id) {
		boolean show = this.showDetails.isShown(securityContext, this.roles);
		return this.registry.find(id)
			.map((stream) -> StreamDescriptor.of(stream, show, StreamDescriptor.byConnection(this.registry.streams())))
			.orElse(null);
	}

	/**
	 * End one live stream with {@link TerminationReason#CLOSED_BY_OPERATOR}.
	 * @param id the stream id
	 * @return the outcome, or {@code null} (answered 204 over HTTP) when no live stream has that id
	 */
	@DeleteOperation
	public @Nullable Closed close(@Selector String id) {
		return this.registry.find(id)
			.map((stream) -> new Closed(id, stream.end(TerminationReason.CLOSED_BY_OPERATOR)))
			.orElse(null);
	}

	/**
	 * The live streams.
	 *
	 * @param count how many there are
	 * @param streams each of them
	 */
	public record LiveStreams(int count, List<StreamDescriptor> streams) {
	}

	/**
	 * Outcome of ending a stream.
	 *
	 * @param id the stream id
	 * @param ended {@code true} if this call ended it, {@code false} if it was ending already
	 */
	public record Closed(String id, boolean ended) {
	}

}
