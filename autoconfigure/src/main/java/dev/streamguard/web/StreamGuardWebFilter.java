package dev.streamguard.web;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;
import java.util.function.BooleanSupplier;
import java.util.function.Function;

import dev.streamguard.stream.LiveStream;
import dev.streamguard.stream.StreamAdmission;
import dev.streamguard.stream.StreamAdmission.Admission;
import dev.streamguard.stream.StreamPolicy;
import dev.streamguard.stream.StreamRegistry;
import dev.streamguard.stream.StreamRejectedException;
import dev.streamguard.stream.StreamWriterPool;
import io.netty.channel.Channel;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Operators;
import reactor.netty.NettyOutbound;

import org.springframework.core.Ordered;
import org.springframework.core.ReactiveAdapterRegistry;
import org.springframework.core.ResolvableType;
import org.springframework.core.io.Resource;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.http.HttpEntity;
import org.springframework.http.MediaType;
import org.springframework.http.ZeroCopyHttpOutputMessage;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;
import org.springframework.util.ClassUtils;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.reactive.HandlerMapping;
import org.springframework.web.reactive.resource.ResourceWebHandler;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.ServerWebExchangeDecorator;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import org.springframework.web.util.pattern.PathPattern;

/**
 * {@link WebFilter} that guards every streaming response: a response whose content type is one
 * of the stream media types becomes a live stream with its own id, policy and registry entry,
 * and its body is written under the stream's flow control and timers. Other responses pass
 * through untouched, and so do {@code Resource} and file bodies (static files, controllers
 * returning a {@code Resource}) unless their route sets {@link StreamPolicy#guardResources()}.
 * The decorated response offers {@link ZeroCopyHttpOutputMessage} exactly when the server's
 * response does, so files keep being sent with zero-copy ({@code sendfile}), guarded or not.
 *
 * @since 0.1.0
 */
public class StreamGuardWebFilter implements WebFilter, Ordered {

	/** Response header that carries the stream's id. */
	public static final String STREAM_ID_HEADER = "StreamGuard-Stream-Id";

	/**
	 * Exchange attribute that names a stream's route, for handlers whose path pattern is too
	 * coarse (all stream sources share one pattern); takes precedence over the pattern.
	 */
	public static final String ROUTE_ATTRIBUTE = StreamGuardWebFilter.class.getName() + ".route";

	/**
	 * Exchange attribute, {@code Boolean.TRUE} when a stream that is not server-sent events
	 * (NDJSON, an octet stream) can be resumed by its client from a position of its own, so
	 * that the guard may rotate it when its {@linkplain StreamPolicy#lease() lease} runs out:
	 * the connection is cut, and the client reconnects from the last position it received.
	 * Stream sources set it on their NDJSON streams ({@code ?from=}). Server-sent event
	 * streams need no attribute: an {@code EventSource} reconnects on its own.
	 * @since 0.2.0
	 */
	public static final String RESUMABLE_ATTRIBUTE = StreamGuardWebFilter.class.getName() + ".resumable";

	/** Media types that are streams by default. */
	public static final List<MediaType> DEFAULT_MEDIA_TYPES = List.of(MediaType.TEXT_EVENT_STREAM,
			MediaType.APPLICATION_NDJSON, MediaType.APPLICATION_OCTET_STREAM);

	/** Order of this filter: early, so that its decorator sits next to the server's response. */
	public static final int ORDER = Ordered.HIGHEST_PRECEDENCE + 10;

	/**
	 * Exchange attribute, {@code Boolean.TRUE} when the handler's file body is a live stream by
	 * its nature (a file-backed {@code ByteSource}), whatever its route says of resources.
	 */
	static final String FILE_IS_STREAM_ATTRIBUTE = StreamGuardWebFilter.class.getName() + ".fileIsStream";

	private static final String UNKNOWN_ROUTE = "UNKNOWN";

	/** Stands for a stream that was refused by a later admission and so never started. */
	private static final LiveStream NEVER_STARTED = NeverStarted.INSTANCE;

	private static final boolean REACTOR_NETTY_PRESENT = ClassUtils.isPresent("reactor.netty.NettyOutbound",
			StreamGuardWebFilter.class.getClassLoader());

	private final StreamRegistry registry;

	private final StreamPolicyResolver policies;

	private final List<StreamAdmission> admissions;

	private final List<MediaType> mediaTypes;

	private final StreamTicker ticker = new StreamTicker();

	private volatile @Nullable StreamWriterPool writerPool;

	private volatile ClientAddressResolver clientAddresses = ClientAddressResolver.direct();

	private final FinalFrames serverSentEventFrames;

	private final FinalFrames ndjsonFrames = FinalFrames.ndjson(false);

	private final FinalFrames ndjsonHeartbeatFrames = FinalFrames.ndjson(true);

	/**
	 * Create a filter.
	 * @param registry where live streams are registered
	 * @param policies resolves each stream's policy
	 * @param admissions decide, in order, whether a stream may start
	 * @param mediaTypes the content types that make a response a stream
	 * @param reconnectDelay the reconnection delay suggested to SSE clients of a stream that ends
	 * because the server shuts down
	 */
	public StreamGuardWebFilter(StreamRegistry registry, StreamPolicyResolver policies,
			List<? extends StreamAdmission> admissions, List<MediaType> mediaTypes, Duration reconnectDelay) {
		this.registry = Objects.requireNonNull(registry, "registry");
		this.policies = Objects.requireNonNull(policies, "policies");
		this.admissions = List.copyOf(admissions);
		this.mediaTypes = List.copyOf(mediaTypes);
		this.serverSentEventFrames = FinalFrames
			.serverSentEvents(Objects.requireNonNull(reconnectDelay, "reconnectDelay"));
	}

	/**
	 * Set where the blocking producers of this application's writer streams run.
	 * @param writerPool the pool, or {@code null} for {@link StreamWriterPool#shared()}
	 * @since 0.2.0
	 */
	public void setWriterPool(@Nullable StreamWriterPool writerPool) {
		this.writerPool = writerPool;
	}

	/**
	 * Set how the client a stream counts for is told, for the limits per client and the
	 * stream's registered address.
	 * @param clientAddresses the resolver, or {@code null} for
	 * {@link ClientAddressResolver#direct()} (the connection's own address)
	 * @since 0.2.0
	 */
	public void setClientAddressResolver(@Nullable ClientAddressResolver clientAddresses) {
		this.clientAddresses = (clientAddresses != null) ? clientAddresses : ClientAddressResolver.direct();
	}

	@Override
	public int getOrder() {
		return ORDER;
	}

	/** The ticker of this filter's streams. */
	StreamTicker ticker() {
		return this.ticker;
	}

	/**
	 * Return this filter's name. WebFlux names each request's assembly checkpoint after its
	 * filter, and keeps the name for as long as the request lives: for a stream, its whole
	 * life. A constant costs nothing per stream; {@code Object#toString} makes a new string
	 * for every request.
	 */
	@Override
	public String toString() {
		return "StreamGuard";
	}

	@Override
	public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
		// A decorator that hid the server's zero-copy capability would turn sendfile off for
		// every file the application serves, streams or not.
		GuardedResponse response = (exchange.getResponse() instanceof ZeroCopyHttpOutputMessage)
				? new ZeroCopyGuardedResponse(this, exchange) : new GuardedResponse(this, exchange);
		return new FilterCall(chain, new GuardedExchange(exchange, response));
	}

	/**
	 * Whether a response of the given content type is guarded as a stream.
	 * @param contentType the response's content type, {@code null} when it has none
	 * @return {@code true} if one of the stream media types includes it
	 * @since 0.2.0
	 */
	public boolean isStream(@Nullable MediaType contentType) {
		if (contentType == null) {
			return false;
		}
		for (MediaType mediaType : this.mediaTypes) {
			if (mediaType.includes(contentType)) {
				return true;
			}
		}
		return false;
	}

	/**
	 * Whether the exchange's body is a {@code Resource} written as buffers: static resources,
	 * and controllers declared to return a {@code Resource} (also inside {@code Mono} or
	 * {@code ResponseEntity}). Files need no such test: whoever serves them, they arrive
	 * through {@link ZeroCopyHttpOutputMessage#writeWith(Path, long, long)}, the one signal no
	 * handler can get wrong. The handler is asked for the rest because the content type cannot
	 * tell (a static {@code .bin} file and a live octet stream share it) and neither can the
	 * headers ({@code ByteSource} streams send {@code Accept-Ranges} too). A handler declared
	 * more loosely ({@code Object}, a functional route) is not recognised and its body is
	 * guarded as before: that costs throughput, never correctness.
	 */
	static boolean servesResource(ServerWebExchange exchange) {
		Object handler = exchange.getAttribute(HandlerMapping.BEST_MATCHING_HANDLER_ATTRIBUTE);
		if (handler instanceof ResourceWebHandler) {
			return true;
		}
		return handler instanceof HandlerMethod method
				&& declaresResource(ResolvableType.forMethodReturnType(method.getMethod()));
	}

	private static boolean declaresResource(ResolvableType type) {
		Class<?> declared = type.toClass();
		if (Resource.class.isAssignableFrom(declared)) {
			return true;
		}
		boolean wrapper = HttpEntity.class.isAssignableFrom(declared)
				|| ReactiveAdapterRegistry.getSharedInstance().getAdapter(declared) != null;
		return wrapper && declaresResource(type.getGeneric(0));
	}

	<T> GuardedStream<T> open(ServerWebExchange exchange, ServerHttpResponse response, MediaType contentType,
			BodyShape<T> shape, StreamPolicy policy, @Nullable InetSocketAddress client) {
		FinalFrames frames = null;
		String mediaType;
		if (MediaType.TEXT_EVENT_STREAM.equalsTypeAndSubtype(contentType)) {
			frames = this.serverSentEventFrames;
			mediaType = MediaType.TEXT_EVENT_STREAM_VALUE;
		}
		else if (MediaType.APPLICATION_NDJSON.equalsTypeAndSubtype(contentType)) {
			frames = policy.ndjsonHeartbeat() ? this.ndjsonHeartbeatFrames : this.ndjsonFrames;
			mediaType = MediaType.APPLICATION_NDJSON_VALUE;
		}
		else if (MediaType.APPLICATION_OCTET_STREAM.equalsTypeAndSubtype(contentType)) {
			mediaType = MediaType.APPLICATION_OCTET_STREAM_VALUE;
		}
		else {
			mediaType = contentType.getType() + "/" + contentType.getSubtype();
		}
		// A rotation that the client cannot resume would look like a truncated body to it.
		boolean rotatable = frames == this.serverSentEventFrames
				|| Boolean.TRUE.equals(exchange.getAttribute(RESUMABLE_ATTRIBUTE));
		return new GuardedStream<>(UUID.randomUUID().toString(), route(exchange), mediaType,
				client, rotatable ? policy : policy.withLease(null), this.registry, shape, frames,
				response.bufferFactory(), channel(response), this.ticker);
	}

	/**
	 * Ask every admission in turn; on a refusal, release what the earlier ones granted.
	 * @return the combined admission, or the refusal
	 */
	Admission admit(String route, StreamPolicy policy, @Nullable InetAddress client) {
		StreamAdmission.Admitted admitted = (StreamAdmission.Admitted) Admission.ADMITTED;
		List<StreamAdmission.Admitted> granted = new ArrayList<>(this.admissions.size());
		for (StreamAdmission admission : this.admissions) {
			Admission decision = admission.admit(route, policy, client);
			if (decision instanceof StreamAdmission.Refused) {
				granted.forEach((grant) -> grant.onEnd().accept(NEVER_STARTED));
				return decision;
			}
			granted.add((StreamAdmission.Admitted) decision);
			admitted = admitted.and((StreamAdmission.Admitted) decision);
		}
		return admitted;
	}

	static String route(ServerWebExchange exchange) {
		String route = exchange.getAttribute(ROUTE_ATTRIBUTE);
		if (route != null) {
			return route;
		}
		Object pattern = exchange.getAttribute(HandlerMapping.BEST_MATCHING_PATTERN_ATTRIBUTE);
		if (pattern instanceof PathPattern pathPattern) {
			return pathPattern.getPatternString();
		}
		return (pattern != null) ? pattern.toString() : UNKNOWN_ROUTE;
	}

	private static @Nullable Channel channel(ServerHttpResponse response) {
		if (!REACTOR_NETTY_PRESENT) {
			return null;
		}
		Object nativeResponse = ServerHttpResponseDecorator.getNativeResponse(response);
		if (nativeResponse instanceof NettyOutbound outbound) {
			Channel[] channel = new Channel[1];
			outbound.withConnection((connection) -> channel[0] = connection.channel());
			return channel[0];
		}
		return null;
	}

	/**
	 * Return what completes once the server has finished the exchange, its last bytes written.
	 */
	private static @Nullable Mono<Void> exchangeDone(ServerHttpResponse response) {
		if (!REACTOR_NETTY_PRESENT) {
			return null;
		}
		Object nativeResponse = ServerHttpResponseDecorator.getNativeResponse(response);
		if (nativeResponse instanceof NettyOutbound outbound) {
			List<Mono<Void>> done = new ArrayList<>(1);
			outbound.withConnection((connection) -> done.add(connection.onTerminate()));
			return done.isEmpty() ? null : done.get(0);
		}
		return null;
	}

	/**
	 * The rest of the filter chain, called on the guarded exchange when subscribed. WebFlux
	 * holds the Mono a filter returns for as long as the request lives, for every stream its
	 * whole life: this one object costs less than {@code chain.filter(exchange)}, a deferred
	 * call and its closure.
	 */
	private static final class FilterCall extends Mono<Void> {

		private final WebFilterChain chain;

		private final ServerWebExchange exchange;

		FilterCall(WebFilterChain chain, ServerWebExchange exchange) {
			this.chain = chain;
			this.exchange = exchange;
		}

		@Override
		public void subscribe(CoreSubscriber<? super Void> actual) {
			Mono<Void> filtered;
			try {
				filtered = this.chain.filter(this.exchange);
			}
			catch (Throwable ex) {
				Operators.error(actual, Operators.onOperatorError(ex, actual.currentContext()));
				return;
			}
			filtered.subscribe(actual);
		}

	}

	/**
	 * The exchange with the guarded response: {@code mutate()} would do the same with a field
	 * more, which every stream keeps for its life.
	 */
	private static final class GuardedExchange extends ServerWebExchangeDecorator {

		private final ServerHttpResponse response;

		GuardedExchange(ServerWebExchange exchange, ServerHttpResponse response) {
			super(exchange);
			this.response = response;
		}

		@Override
		public ServerHttpResponse getResponse() {
			return this.response;
		}

	}

	/**
	 * Response decorator that guards the body of streaming responses.
	 */
	private static class GuardedResponse extends ServerHttpResponseDecorator implements WriteTracker.Exchange {

		final StreamGuardWebFilter filter;

		final ServerWebExchange exchange;

		GuardedResponse(StreamGuardWebFilter filter, ServerWebExchange exchange) {
			super(exchange.getResponse());
			this.filter = filter;
			this.exchange = exchange;
		}

		@Override
		public Mono<Void> writeWith(Publisher<? extends DataBuffer> body) {
			MediaType contentType = getHeaders().getContentType();
			StreamPolicy policy = streamPolicy(contentType, () -> servesResource(this.exchange));
			if (contentType == null || policy == null) {
				return super.writeWith(body);
			}
			return guard(contentType, BodyShape.FLAT, policy, (stream) -> super.writeWith(stream.body(body)));
		}

		@Override
		public Mono<Void> writeAndFlushWith(Publisher<? extends Publisher<? extends DataBuffer>> body) {
			MediaType contentType = getHeaders().getContentType();
			StreamPolicy policy = streamPolicy(contentType, () -> false);
			if (contentType == null || policy == null) {
				return super.writeAndFlushWith(body);
			}
			return guard(contentType, BodyShape.GROUPED, policy,
					(stream) -> super.writeAndFlushWith(stream.body(body)));
		}

		/**
		 * Return the policy of the body if it is a live stream, or {@code null} if it passes
		 * through. Whether the body is a resource is asked only of stream content types.
		 */
		@Nullable StreamPolicy streamPolicy(@Nullable MediaType contentType, BooleanSupplier resource) {
			if (!this.filter.isStream(contentType)) {
				return null;
			}
			StreamPolicy policy = this.filter.policies
				.resolve(this.exchange.getRequest().getPath().pathWithinApplication());
			return (policy.guardResources() || !resource.getAsBoolean()) ? policy : null;
		}

		<T> Mono<Void> guard(MediaType contentType, BodyShape<T> shape, StreamPolicy policy,
				Function<GuardedStream<T>, Mono<Void>> write) {
			// Admitted when the write is subscribed, not when it is created: a write that is never
			// subscribed holds no permit, and a refusal still comes before the source is
			// subscribed and the headers are committed.
			return new GuardedWrite<>(this, contentType, shape, policy, write);
		}

		private <T> Mono<Void> admitAndWrite(MediaType contentType, BodyShape<T> shape, StreamPolicy policy,
				Function<GuardedStream<T>, Mono<Void>> write) {
			String route = route(this.exchange);
			InetSocketAddress client = this.filter.clientAddresses.resolve(this.exchange.getRequest());
			Admission admission = this.filter.admit(route, policy, (client != null) ? client.getAddress() : null);
			if (admission instanceof StreamAdmission.Refused refused) {
				String mediaType = contentType.getType() + "/" + contentType.getSubtype();
				this.filter.registry.reject(route, mediaType, refused.detail());
				return refuse(refused);
			}
			GuardedStream<T> stream = this.filter.open(this.exchange, getDelegate(), contentType, shape, policy, client);
			stream.admitted((StreamAdmission.Admitted) admission);
			getHeaders().set(STREAM_ID_HEADER, stream.id());
			ProxyHeaders.addTo(getHeaders(), contentType);
			stream.writers(this.filter.writerPool);
			return stream.track(write.apply(stream), this);
		}

		@Override
		public @Nullable Mono<Void> done() {
			return exchangeDone(getDelegate());
		}

		@Override
		public @Nullable Mono<Void> refusal(StreamRejectedException rejected) {
			// A source refused before its first element (no writer thread): nothing is committed
			// yet, so the refusal can still be the response.
			return getDelegate().isCommitted() ? null : refuse(rejected.getRefusal());
		}

		private Mono<Void> refuse(StreamAdmission.Refused refused) {
			return ProblemResponses.write(getDelegate(), refused.status(), refused.detail(),
					this.exchange.getRequest().getPath().value(), refused.retryAfter());
		}

	}

	/**
	 * The write of a guarded body, admitted when it is subscribed. A response's body is written
	 * once: what the write needs is let go as soon as it starts, since the server holds the
	 * write (behind WebFlux's assembly checkpoints) for as long as the stream lives.
	 */
	private static final class GuardedWrite<T> extends Mono<Void> {

		@SuppressWarnings("rawtypes")
		private static final AtomicReferenceFieldUpdater<GuardedWrite, Pending> PENDING = AtomicReferenceFieldUpdater
			.newUpdater(GuardedWrite.class, Pending.class, "pending");

		private volatile @Nullable Pending<T> pending;

		GuardedWrite(GuardedResponse response, MediaType contentType, BodyShape<T> shape, StreamPolicy policy,
				Function<GuardedStream<T>, Mono<Void>> write) {
			this.pending = new Pending<>(response, contentType, shape, policy, write);
		}

		@Override
		@SuppressWarnings("unchecked")
		public void subscribe(CoreSubscriber<? super Void> actual) {
			Pending<T> pending = PENDING.getAndSet(this, null);
			if (pending == null) {
				Operators.error(actual, new IllegalStateException("A response's body is written once"));
				return;
			}
			Mono<Void> written;
			try {
				written = pending.response.admitAndWrite(pending.contentType, pending.shape, pending.policy,
						pending.write);
			}
			catch (Throwable ex) {
				Operators.error(actual, Operators.onOperatorError(ex, actual.currentContext()));
				return;
			}
			written.subscribe(actual);
		}

		private record Pending<T>(GuardedResponse response, MediaType contentType, BodyShape<T> shape,
				StreamPolicy policy, Function<GuardedStream<T>, Mono<Void>> write) {
		}

	}

	/**
	 * The guarded response of a server response that can send files with zero-copy: it can
	 * too, and a file goes to the server's response as a file, guarded or not.
	 */
	private static final class ZeroCopyGuardedResponse extends GuardedResponse implements ZeroCopyHttpOutputMessage {

		ZeroCopyGuardedResponse(StreamGuardWebFilter filter, ServerWebExchange exchange) {
			super(filter, exchange);
		}

		@Override
		public Mono<Void> writeWith(Path file, long position, long count) {
			ZeroCopyHttpOutputMessage server = (ZeroCopyHttpOutputMessage) getDelegate();
			MediaType contentType = getHeaders().getContentType();
			boolean fileIsStream = Boolean.TRUE.equals(this.exchange.getAttribute(FILE_IS_STREAM_ATTRIBUTE));
			StreamPolicy policy = streamPolicy(contentType, () -> !fileIsStream);
			if (contentType == null || policy == null) {
				return server.writeWith(file, position, count);
			}
			// The kernel sends the file: there are no elements to time and no buffers to hold
			// back, so the limits on the whole stream apply (max duration, drain, operator,
			// admission) and the socket's own (user timeout, keepalive). The stream's body is
			// empty and the file follows it; its bytes count once the transport has written them.
			StreamPolicy whole = policy.withIdleTimeout(null)
				.withFirstElementTimeout(null)
				.withStallTimeout(null)
				.withHeartbeatInterval(null);
			return guard(contentType, BodyShape.FLAT, whole, (stream) -> stream.body(Flux.<DataBuffer>empty())
				.then(Mono.defer(() -> server.writeWith(file, position, count)))
				.doOnSuccess((written) -> stream.addBytes(count)));
		}

	}

}
