package dev.streamguard.client;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

import dev.streamguard.stream.TerminationReason;
import dev.streamguard.transport.SocketOptions;
import dev.streamguard.transport.TransportOptions;
import io.github.resilience4j.retry.Retry;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;

import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.MediaType;
import org.springframework.http.client.ReactorResourceFactory;
import org.springframework.http.client.reactive.ReactorClientHttpConnector;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.reactive.function.client.WebClientResponseException;

/**
 * Reads server-sent event streams and keeps them going across lost connections and restarts:
 * <ul>
 * <li>its sockets get TCP_USER_TIMEOUT and keepalive, like the server's;</li>
 * <li>a read-idle timeout ends a connection that delivers nothing, heartbeats included, for
 * that long;</li>
 * <li>after a failure, or an end that the server announces with its final {@code end} event
 * (a rotation, a drain, a timeout), it reconnects with {@code Last-Event-ID} under a Resilience4j
 * {@link Retry} (exponential backoff with jitter, bounded attempts counted since the last event
 * received), so the returned {@link Flux} crosses reconnects with no gap and no duplicate.</li>
 * </ul>
 *
 * @since 0.1.0
 */
public class StreamGuardClient {

	private static final Log logger = LogFactory.getLog(StreamGuardClient.class);

	private static final ParameterizedTypeReference<ServerSentEvent<String>> EVENTS = new ParameterizedTypeReference<>() {
	};

	private final WebClient webClient;

	private final Retry retry;

	private final @Nullable Duration readIdleTimeout;

	/**
	 * Create a client whose connections use Reactor Netty's global resources.
	 * @param builder the builder of the underlying {@link WebClient}; its connector is replaced
	 * @param transport socket options for the client's connections
	 * @param readIdleTimeout how long a connection may deliver nothing before it is given up,
	 * {@code null} or zero for no limit
	 * @param retry the retry policy across reconnects
	 * @see #StreamGuardClient(WebClient.Builder, ReactorResourceFactory, TransportOptions, Duration, Retry)
	 */
	public StreamGuardClient(WebClient.Builder builder, TransportOptions transport,
			@Nullable Duration readIdleTimeout, Retry retry) {
		this(builder, null, transport, readIdleTimeout, retry);
	}

	/**
	 * Create a client whose connections run on the event loops and connection pool of the given
	 * resources: in a Spring Boot application, the {@link ReactorResourceFactory} that its web
	 * server and WebClients share. The builder keeps its codecs, filters, customizers and
	 * observation registry; only its connector is replaced, by one that sets the socket options.
	 * @param builder the builder of the underlying {@link WebClient}
	 * @param resources event loops and connection pool, {@code null} for Reactor Netty's global
	 * ones
	 * @param transport socket options for the client's connections
	 * @param readIdleTimeout how long a connection may deliver nothing before it is given up,
	 * {@code null} or zero for no limit
	 * @param retry the retry policy across reconnects
	 * @since 0.2.0
	 */
	public StreamGuardClient(WebClient.Builder builder, @Nullable ReactorResourceFactory resources,
			TransportOptions transport, @Nullable Duration readIdleTimeout, Retry retry) {
		SocketOptions options = new SocketOptions(Objects.requireNonNull(transport, "transport"));
		Function<HttpClient, HttpClient> withOptions = (http) -> http
			.doOnChannelInit((observer, channel, address) -> options.apply(channel));
		ReactorClientHttpConnector connector = (resources != null)
				? new ReactorClientHttpConnector(resources, withOptions)
				: new ReactorClientHttpConnector(withOptions.apply(HttpClient.create()));
		this.webClient = builder.clientConnector(connector).build();
		this.readIdleTimeout = (readIdleTimeout != null && !readIdleTimeout.isZero()) ? readIdleTimeout : null;
		this.retry = Objects.requireNonNull(retry, "retry");
	}

	/**
	 * Whether a failure is worth a reconnect: transport failures, timeouts, interruptions the
	 * server announced, and 429/5xx answers (a draining instance answers 503). Other client
	 * errors (404, 400) are not.
	 * @param failure the failure
	 * @return {@code true} to reconnect
	 */
	public static boolean isTransient(Throwable failure) {
		if (failure instanceof WebClientResponseException response) {
			int status = response.getStatusCode().value();
			return status == 429 || status >= 500;
		}
		return true;
	}

	/**
	 * Read a stream of events whose data is text.
	 * @param uri the stream's URI
	 * @return the events, across reconnects
	 */
	public Flux<StreamEvent<String>> events(String uri) {
		return events(uri, Function.identity());
	}

	/**
	 * Read a stream of events, decoding each event's data.
	 * @param <T> the type of data
	 * @param uri the stream's URI
	 * @param decoder turns an event's data into a value
	 * @return the events, across reconnects
	 */
	public <T> Flux<StreamEvent<T>> events(String uri, Function<String, T> decoder) {
		Objects.requireNonNull(uri, "uri");
		Objects.requireNonNull(decoder, "decoder");
		return Flux.defer(() -> {
			AtomicReference<@Nullable String> lastId = new AtomicReference<>();
			AtomicReference<Retry.AsyncContext<Object>> attempts = new AtomicReference<>(this.retry.asyncContext());
			return Flux.defer(() -> connect(uri, lastId.get()))
				.doOnNext((event) -> {
					lastId.set(event.id());
					// Progress: the attempts of the next interruption count from zero again.
					attempts.set(this.retry.asyncContext());
				})
				.retryWhen(reactor.util.retry.Retry.from((failures) -> failures.concatMap((signal) -> {
					long delay = attempts.get().onError(signal.failure());
					if (delay < 0) {
						return Mono.error(signal.failure());
					}
					if (logger.isDebugEnabled()) {
						logger.debug("Stream " + uri + " interrupted after id " + lastId.get() + " ("
								+ signal.failure() + "); reconnecting in " + delay + " ms");
					}
					return Mono.delay(Duration.ofMillis(delay));
				})))
				.map((event) -> new StreamEvent<>(event.id(), decoder.apply(event.data())));
		});
	}

	private Flux<Received> connect(String uri, @Nullable String lastId) {
		AtomicBoolean interrupted = new AtomicBoolean();
		AtomicReference<String> reason = new AtomicReference<>("");
		Flux<ServerSentEvent<String>> events = this.webClient.get()
			.uri(uri)
			.accept(MediaType.TEXT_EVENT_STREAM)
			.headers((headers) -> {
				if (lastId != null) {
					headers.set("Last-Event-ID", lastId);
				}
			})
			.retrieve()
			.bodyToFlux(EVENTS);
		if (this.readIdleTimeout != null) {
			// Heartbeats arrive as comment-only events: any event, heartbeat or not, resets it.
			events = events.timeout(this.readIdleTimeout);
		}
		return events.<Received>handle((event, sink) -> {
			if (TerminationReason.END_EVENT.equals(event.event())) {
				interrupted.set(true);
				reason.set(String.valueOf(event.data()));
			}
			else if (event.data() != null && event.id() != null) {
				sink.next(new Received(event.id(), event.data()));
			}
		}).concatWith(Mono.defer(() -> interrupted.get() ? Mono.error(new StreamInterruptedException(reason.get()))
				: Mono.empty()));
	}

	private record Received(String id, String data) {
	}

}
