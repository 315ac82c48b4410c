package dev.streamguard.autoconfigure;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import dev.streamguard.stream.TerminationReason;
import dev.streamguard.web.ClientAddressResolver;
import dev.streamguard.web.StreamGuardWebFilter;
import dev.streamguard.web.TrustedProxies;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.convert.DurationUnit;
import org.springframework.http.MediaType;
import org.springframework.util.unit.DataSize;

/**
 * Configuration properties of StreamGuard's server side. A key under {@code streamguard.} that
 * names none of them fails startup (see {@link UnknownPropertyFailureAnalyzer}), and a duration
 * written without a unit is read in seconds. The client's keys, {@code streamguard.client.*}, are
 * {@link StreamGuardClientProperties}; {@code StreamGuardPropertiesValidator} checks the values.
 *
 * @since 0.1.0
 */
@ConfigurationProperties(prefix = "streamguard", ignoreUnknownFields = false)
public class StreamGuardProperties {

	/**
	 * Whether to guard streaming responses.
	 */
	private boolean enabled = true;

	/**
	 * Content types that make a response a stream. Setting it replaces the defaults; use
	 * additional-media-types to keep them and add more.
	 */
	private List<MediaType> mediaTypes = new ArrayList<>(StreamGuardWebFilter.DEFAULT_MEDIA_TYPES);

	/**
	 * Content types that make a response a stream, in addition to media-types.
	 */
	private List<MediaType> additionalMediaTypes = new ArrayList<>();

	/**
	 * How long the peer may take no data at all, while data waits for it in the write window or
	 * in the kernel's send buffer, before the stream ends STALLED. Where the transport offers
	 * TCP_INFO (epoll), progress is data the peer acknowledged. Keep it longer than a slow live
	 * reader keeps its receive window closed. Zero disables.
	 */
	@DurationUnit(ChronoUnit.SECONDS)
	private Duration stallTimeout = Duration.ofMinutes(2);

	/**
	 * How long the upstream may go without producing an element, while the stream asks for
	 * one, before the stream ends IDLE_TIMEOUT. Zero disables.
	 */
	@DurationUnit(ChronoUnit.SECONDS)
	private Duration idleTimeout = Duration.ZERO;

	/**
	 * How long the upstream may take to produce its first element before the stream ends
	 * FIRST_ELEMENT_TIMEOUT. Zero disables, leaving the first element to the idle timeout.
	 */
	@DurationUnit(ChronoUnit.SECONDS)
	private Duration firstElementTimeout = Duration.ZERO;

	/**
	 * How long a whole stream may last before it ends MAX_DURATION. Zero disables.
	 */
	@DurationUnit(ChronoUnit.SECONDS)
	private Duration maxDuration = Duration.ZERO;

	/**
	 * How long a stream that its client can resume may last before the guard rotates it: SSE
	 * streams, and NDJSON streams of stream sources (?from=), end LEASE_EXPIRED and the client
	 * reconnects where it left off. Bounds how long a client that vanished behind a proxy holds
	 * its stream, since the proxy keeps reading for it. Each stream draws its lease from the
	 * last tenth of this value. Byte streams and other NDJSON streams are never rotated. Zero
	 * disables.
	 */
	@DurationUnit(ChronoUnit.SECONDS)
	private Duration lease = Duration.ofMinutes(5);

	/**
	 * How many live streams this instance serves at most; beyond it new streams are refused
	 * (503) and readiness reports OUT_OF_SERVICE. Zero means no limit.
	 */
	private int maxStreams = 10_000;

	/**
	 * How many live streams one client address may hold; beyond it new streams are refused
	 * (429). Zero means no limit. A client is its connection's address; behind a proxy, set
	 * trusted-proxies so that the client's own address counts.
	 */
	private int maxStreamsPerClient = 100;

	/**
	 * Addresses and CIDR blocks (IPv4 or IPv6) of the proxies whose forwarded-header is
	 * believed, for example "10.0.0.0/8, 127.0.0.1". A request from one of them counts for the
	 * right-most address in that header that is not a trusted proxy; a request from any other
	 * address counts for that address, whatever headers it sends. Independent of
	 * server.forward-headers-strategy, which believes anyone's headers. Empty trusts no proxy.
	 */
	private List<String> trustedProxies = new ArrayList<>();

	/**
	 * Header the trusted proxies append the address they received a request from to.
	 */
	private ClientAddressResolver.ForwardedHeader forwardedHeader = ClientAddressResolver.ForwardedHeader.X_FORWARDED_FOR;

	private final Metrics metrics = new Metrics();

	private final Drain drain = new Drain();

	private final Endpoint endpoint = new Endpoint();

	private final ResilienceDefaults resilience = new ResilienceDefaults();

	private final Window window = new Window();

	private final Heartbeat heartbeat = new Heartbeat();

	/**
	 * Per-route policies, keyed by path pattern in brackets (for example "[/export/**]" in
	 * YAML): stall-timeout, idle-timeout, first-element-timeout, max-duration, lease,
	 * heartbeat-interval, window-low, window-high, guard-resources, and the Resilience4j
	 * instances under resilience (bulkhead, rate-limiter, time-limiter, circuit-breaker). Unset
	 * values fall back to the defaults above; the most specific matching pattern wins.
	 */
	private final Map<String, Route> routes = new LinkedHashMap<>();

	private final Logging logging = new Logging();

	private final Transport transport = new Transport();

	private final Http2 http2 = new Http2();

	private final Writer writer = new Writer();

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public List<MediaType> getMediaTypes() {
		return this.mediaTypes;
	}

	public void setMediaTypes(List<MediaType> mediaTypes) {
		this.mediaTypes = mediaTypes;
	}

	public List<MediaType> getAdditionalMediaTypes() {
		return this.additionalMediaTypes;
	}

	public void setAdditionalMediaTypes(List<MediaType> additionalMediaTypes) {
		this.additionalMediaTypes = additionalMediaTypes;
	}

	/**
	 * Return the content types that make a response a stream: media-types, then
	 * additional-media-types.
	 * @return the content types, without duplicates
	 * @since 0.2.0
	 */
	public List<MediaType> streamMediaTypes() {
		Set<MediaType> all = new LinkedHashSet<>(this.mediaTypes);
		all.addAll(this.additionalMediaTypes);
		return List.copyOf(all);
	}

	public Duration getStallTimeout() {
		return this.stallTimeout;
	}

	public void setStallTimeout(Duration stallTimeout) {
		this.stallTimeout = stallTimeout;
	}

	public Duration getIdleTimeout() {
		return this.idleTimeout;
	}

	public void setIdleTimeout(Duration idleTimeout) {
		this.idleTimeout = idleTimeout;
	}

	public Duration getFirstElementTimeout() {
		return this.firstElementTimeout;
	}

	public void setFirstElementTimeout(Duration firstElementTimeout) {
		this.firstElementTimeout = firstElementTimeout;
	}

	public Duration getMaxDuration() {
		return this.maxDuration;
	}

	public void setMaxDuration(Duration maxDuration) {
		this.maxDuration = maxDuration;
	}

	public Duration getLease() {
		return this.lease;
	}

	public void setLease(Duration lease) {
		this.lease = lease;
	}

	public int getMaxStreams() {
		return this.maxStreams;
	}

	public void setMaxStreams(int maxStreams) {
		this.maxStreams = maxStreams;
	}

	public int getMaxStreamsPerClient() {
		return this.maxStreamsPerClient;
	}

	public void setMaxStreamsPerClient(int maxStreamsPerClient) {
		this.maxStreamsPerClient = maxStreamsPerClient;
	}

	public List<String> getTrustedProxies() {
		return this.trustedProxies;
	}

	public void setTrustedProxies(List<String> trustedProxies) {
		this.trustedProxies = trustedProxies;
	}

	public ClientAddressResolver.ForwardedHeader getForwardedHeader() {
		return this.forwardedHeader;
	}

	public void setForwardedHeader(ClientAddressResolver.ForwardedHeader forwardedHeader) {
		this.forwardedHeader = forwardedHeader;
	}

	/**
	 * Return the resolver that the trusted proxies and the forwarded header describe.
	 * @return the resolver
	 * @throws IllegalArgumentException if an entry of trusted-proxies is no address or block
	 */
	public ClientAddressResolver clientAddressResolver() {
		return new ClientAddressResolver(TrustedProxies.of(this.trustedProxies), this.forwardedHeader);
	}

	public Metrics getMetrics() {
		return this.metrics;
	}

	public Drain getDrain() {
		return this.drain;
	}

	public Endpoint getEndpoint() {
		return this.endpoint;
	}

	public ResilienceDefaults getResilience() {
		return this.resilience;
	}

	public Window getWindow() {
		return this.window;
	}

	public Heartbeat getHeartbeat() {
		return this.heartbeat;
	}

	public Map<String, Route> getRoutes() {
		return this.routes;
	}

	public Logging getLogging() {
		return this.logging;
	}

	public Transport getTransport() {
		return this.transport;
	}

	public Http2 getHttp2() {
		return this.http2;
	}

	public Writer getWriter() {
		return this.writer;
	}

	/**
	 * Per-stream write window: the write-buffer water marks of the stream's connection. The
	 * upstream gets demand only while fewer than {@code high} bytes wait to be sent.
	 */
	public static class Window {

		/**
		 * Size under which a full write window has room again.
		 */
		private DataSize low = DataSize.ofKilobytes(128);

		/**
		 * Size at which the write window is full and the upstream gets no more demand.
		 */
		private DataSize high = DataSize.ofKilobytes(512);

		public DataSize getLow() {
			return this.low;
		}

		public void setLow(DataSize low) {
			this.low = low;
		}

		public DataSize getHigh() {
			return this.high;
		}

		public void setHigh(DataSize high) {
			this.high = high;
		}

	}

	/**
	 * Heartbeats that keep quiet streams writing, so that a dead peer is noticed.
	 */
	public static class Heartbeat {

		/**
		 * How long a stream may send nothing before a heartbeat (an SSE comment line) is sent.
		 * Zero disables.
		 */
		@DurationUnit(ChronoUnit.SECONDS)
		private Duration interval = Duration.ofSeconds(15);

		/**
		 * Whether NDJSON streams get heartbeats too, as an empty line.
		 */
		private boolean ndjson;

		public Duration getInterval() {
			return this.interval;
		}

		public void setInterval(Duration interval) {
			this.interval = interval;
		}

		public boolean isNdjson() {
			return this.ndjson;
		}

		public void setNdjson(boolean ndjson) {
			this.ndjson = ndjson;
		}

	}

	/**
	 * Policy of the streams on one route. Unset values fall back to the defaults, the
	 * Resilience4j instances to those of {@code streamguard.resilience}.
	 */
	public static class Route {

		/**
		 * Stall timeout on this route.
		 */
		@DurationUnit(ChronoUnit.SECONDS)
		private @Nullable Duration stallTimeout;

		/**
		 * Idle timeout on this route.
		 */
		@DurationUnit(ChronoUnit.SECONDS)
		private @Nullable Duration idleTimeout;

		/**
		 * First-element timeout on this route.
		 */
		@DurationUnit(ChronoUnit.SECONDS)
		private @Nullable Duration firstElementTimeout;

		/**
		 * Maximum duration of a stream on this route.
		 */
		@DurationUnit(ChronoUnit.SECONDS)
		private @Nullable Duration maxDuration;

		/**
		 * Lease of a resumable stream on this route. Zero disables it on this route.
		 */
		@DurationUnit(ChronoUnit.SECONDS)
		private @Nullable Duration lease;

		/**
		 * Heartbeat interval on this route.
		 */
		@DurationUnit(ChronoUnit.SECONDS)
		private @Nullable Duration heartbeatInterval;

		/**
		 * Low water mark of the write window on this route.
		 */
		private @Nullable DataSize windowLow;

		/**
		 * High water mark of the write window on this route.
		 */
		private @Nullable DataSize windowHigh;

		/**
		 * Whether Resource and file bodies of a stream content type on this route (static
		 * files, controllers returning a Resource) are live streams. Off, they are passed
		 * through untouched; on, they are registered and bounded by max-duration, drain and
		 * admission, and files keep being sent with zero-copy.
		 */
		private boolean guardResources;

		/**
		 * Resilience4j instances of this route; an unset one falls back to that of
		 * streamguard.resilience.
		 */
		private final Resilience resilience = new Resilience();

		public @Nullable Duration getStallTimeout() {
			return this.stallTimeout;
		}

		public void setStallTimeout(@Nullable Duration stallTimeout) {
			this.stallTimeout = stallTimeout;
		}

		public @Nullable Duration getIdleTimeout() {
			return this.idleTimeout;
		}

		public void setIdleTimeout(@Nullable Duration idleTimeout) {
			this.idleTimeout = idleTimeout;
		}

		public @Nullable Duration getFirstElementTimeout() {
			return this.firstElementTimeout;
		}

		public void setFirstElementTimeout(@Nullable Duration firstElementTimeout) {
			this.firstElementTimeout = firstElementTimeout;
		}

		public @Nullable Duration getMaxDuration() {
			return this.maxDuration;
		}

		public void setMaxDuration(@Nullable Duration maxDuration) {
			this.maxDuration = maxDuration;
		}

		public @Nullable Duration getLease() {
			return this.lease;
		}

		public void setLease(@Nullable Duration lease) {
			this.lease = lease;
		}

		public @Nullable Duration getHeartbeatInterval() {
			return this.heartbeatInterval;
		}

		public void setHeartbeatInterval(@Nullable Duration heartbeatInterval) {
			this.heartbeatInterval = heartbeatInterval;
		}

		public @Nullable DataSize getWindowLow() {
			return this.windowLow;
		}

		public void setWindowLow(@Nullable DataSize windowLow) {
			this.windowLow = windowLow;
		}

		public @Nullable DataSize getWindowHigh() {
			return this.windowHigh;
		}

		public void setWindowHigh(@Nullable DataSize windowHigh) {
			this.windowHigh = windowHigh;
		}

		public boolean isGuardResources() {
			return this.guardResources;
		}

		public void setGuardResources(boolean guardResources) {
			this.guardResources = guardResources;
		}

		public Resilience getResilience() {
			return this.resilience;
		}

	}

	/**
	 * Resilience4j instances for every route that names none, and whether routes may name
	 * instances that are not configured.
	 */
	public static class ResilienceDefaults extends Resilience {

		/**
		 * Whether a route may name a Resilience4j instance that is not configured, which
		 * Resilience4j then creates from its default configuration. Off, such a name fails
		 * startup.
		 */
		private boolean allowDefaultInstances;

		public boolean isAllowDefaultInstances() {
			return this.allowDefaultInstances;
		}

		public void setAllowDefaultInstances(boolean allowDefaultInstances) {
			this.allowDefaultInstances = allowDefaultInstances;
		}

	}

	/**
	 * Resilience4j instances that guard streams; configured the usual way
	 * (resilience4j.bulkhead.instances.NAME...). Those under streamguard.resilience apply to
	 * every route whose streamguard.routes[PATTERN].resilience names none.
	 */
	public static class Resilience {

		/**
		 * Bulkhead bounding concurrent streams.
		 */
		private @Nullable String bulkhead;

		/**
		 * Rate limiter bounding how often streams open.
		 */
		private @Nullable String rateLimiter;

		/**
		 * Time limiter whose timeout bounds the time to the first element.
		 */
		private @Nullable String timeLimiter;

		/**
		 * Circuit breaker guarding the opening of the stream's source.
		 */
		private @Nullable String circuitBreaker;

		public @Nullable String getBulkhead() {
			return this.bulkhead;
		}

		public void setBulkhead(@Nullable String bulkhead) {
			this.bulkhead = bulkhead;
		}

		public @Nullable String getRateLimiter() {
			return this.rateLimiter;
		}

		public void setRateLimiter(@Nullable String rateLimiter) {
			this.rateLimiter = rateLimiter;
		}

		public @Nullable String getTimeLimiter() {
			return this.timeLimiter;
		}

		public void setTimeLimiter(@Nullable String timeLimiter) {
			this.timeLimiter = timeLimiter;
		}

		public @Nullable String getCircuitBreaker() {
			return this.circuitBreaker;
		}

		public void setCircuitBreaker(@Nullable String circuitBreaker) {
			this.circuitBreaker = circuitBreaker;
		}

	}

	/**
	 * The endpoint that serves StreamSource and ByteSource beans.
	 */
	public static class Endpoint {

		/**
		 * Whether to serve StreamSource and ByteSource beans.
		 */
		private boolean enabled = true;

		/**
		 * Path under which sources are served, each at base-path + "/" + its name.
		 */
		private String basePath = "/streams";

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public String getBasePath() {
			return this.basePath;
		}

		public void setBasePath(String basePath) {
			this.basePath = basePath;
		}

	}

	/**
	 * Threads of the blocking producers of StreamWriters.flux(producer): each holds a thread
	 * for its stream's whole life, on threads of their own rather than Reactor's bounded
	 * elastic scheduler, which Actuator operations share.
	 */
	public static class Writer {

		/**
		 * Whether producers run on virtual threads where the JVM has them (Java 21 and later).
		 * Otherwise, and on older JVMs, they run on platform threads, at most max-threads at once.
		 */
		private boolean virtualThreads = true;

		/**
		 * How many producers may run at once; a writer stream beyond it is refused with 503 and
		 * Retry-After before anything is written. Unset: 200 on platform threads, no limit on
		 * virtual threads.
		 */
		private @Nullable Integer maxThreads;

		public boolean isVirtualThreads() {
			return this.virtualThreads;
		}

		public void setVirtualThreads(boolean virtualThreads) {
			this.virtualThreads = virtualThreads;
		}

		public @Nullable Integer getMaxThreads() {
			return this.maxThreads;
		}

		public void setMaxThreads(@Nullable Integer maxThreads) {
			this.maxThreads = maxThreads;
		}

	}

	/**
	 * Graceful drain of live streams on shutdown.
	 */
	public static class Drain {

		/**
		 * How long streams may take to finish once the instance starts shutting down. SSE
		 * streams end at once with a final event; the others are cut at this timeout. The
		 * drain is one shutdown phase: spring.lifecycle.timeout-per-shutdown-phase must be at
		 * least this timeout plus 1s, or startup fails.
		 */
		@DurationUnit(ChronoUnit.SECONDS)
		private Duration timeout = Duration.ofSeconds(20);

		/**
		 * Reconnection delay suggested to clients of streams refused or ended by the drain:
		 * the SSE "retry:" field and the Retry-After header.
		 */
		@DurationUnit(ChronoUnit.SECONDS)
		private Duration reconnectDelay = Duration.ofSeconds(1);

		public Duration getTimeout() {
			return this.timeout;
		}

		public void setTimeout(Duration timeout) {
			this.timeout = timeout;
		}

		public Duration getReconnectDelay() {
			return this.reconnectDelay;
		}

		public void setReconnectDelay(Duration reconnectDelay) {
			this.reconnectDelay = reconnectDelay;
		}

	}

	/**
	 * Micrometer metrics of streams.
	 */
	public static class Metrics {

		/**
		 * Whether to publish stream metrics and observations when Micrometer is present.
		 */
		private boolean enabled = true;

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

	}

	/**
	 * Socket options of the server's accepted connections.
	 */
	public static class Transport {

		/**
		 * TCP_USER_TIMEOUT of accepted connections: how long sent data may stay unacknowledged
		 * (or the peer's receive window stay closed) before the kernel drops the connection and
		 * the stream ends PEER_UNRESPONSIVE. Applies on the native epoll and io_uring transports.
		 * Zero disables.
		 */
		@DurationUnit(ChronoUnit.SECONDS)
		private Duration userTimeout = Duration.ofSeconds(30);

		/**
		 * How long a request's headers may take to arrive before the connection is closed
		 * (slowloris): from a new connection's accept, and from the first byte of each later
		 * request on a persistent one; a response still being written is never cut for it.
		 * On HTTP/2 a connection must send its preface and its first complete request headers
		 * within it, and a header block once begun must end within it. WebSocket connections
		 * leave it behind. Zero disables. An idle persistent connection is left to
		 * server.netty.idle-timeout.
		 */
		@DurationUnit(ChronoUnit.SECONDS)
		private Duration requestHeaderTimeout = Duration.ofSeconds(10);

		private final Keepalive keepalive = new Keepalive();

		public Duration getRequestHeaderTimeout() {
			return this.requestHeaderTimeout;
		}

		public void setRequestHeaderTimeout(Duration requestHeaderTimeout) {
			this.requestHeaderTimeout = requestHeaderTimeout;
		}

		public Duration getUserTimeout() {
			return this.userTimeout;
		}

		public void setUserTimeout(Duration userTimeout) {
			this.userTimeout = userTimeout;
		}

		public Keepalive getKeepalive() {
			return this.keepalive;
		}

	}

	/**
	 * HTTP/2 connections of the server: liveness of the connection and streams per connection.
	 *
	 * @since 0.2.0
	 */
	public static class Http2 {

		/**
		 * Maximum number of concurrent streams per HTTP/2 connection, advertised to the client
		 * as SETTINGS_MAX_CONCURRENT_STREAMS. A stream beyond it is refused (REFUSED_STREAM)
		 * while the connection's other streams keep running.
		 */
		private long maxConcurrentStreams = 100;

		private final Ping ping = new Ping();

		public long getMaxConcurrentStreams() {
			return this.maxConcurrentStreams;
		}

		public void setMaxConcurrentStreams(long maxConcurrentStreams) {
			this.maxConcurrentStreams = maxConcurrentStreams;
		}

		public Ping getPing() {
			return this.ping;
		}

	}

	/**
	 * HTTP/2 PING on the server's connections: a connection from which nothing arrives for
	 * the interval is sent a PING, and it is closed when nothing, not even the PING's
	 * acknowledgement, arrives within the ack timeout; every stream on it ends
	 * PEER_UNRESPONSIVE. While the kernel shows the peer acknowledging data sent ahead of the
	 * PING, the ack timeout waits for it.
	 *
	 * @since 0.2.0
	 */
	public static class Ping {

		/**
		 * How long nothing may arrive on an HTTP/2 connection before the server sends it a
		 * PING. Zero disables.
		 */
		@DurationUnit(ChronoUnit.SECONDS)
		private Duration interval = Duration.ofSeconds(30);

		/**
		 * How long after a PING the connection may stay silent before it is closed. Zero
		 * disables.
		 */
		@DurationUnit(ChronoUnit.SECONDS)
		private Duration ackTimeout = Duration.ofSeconds(20);

		public Duration getInterval() {
			return this.interval;
		}

		public void setInterval(Duration interval) {
			this.interval = interval;
		}

		public Duration getAckTimeout() {
			return this.ackTimeout;
		}

		public void setAckTimeout(Duration ackTimeout) {
			this.ackTimeout = ackTimeout;
		}

	}

	/**
	 * TCP keepalive: probes a connection that is idle in both directions. The server's
	 * accepted connections and the client's connections each have their own.
	 */
	public static class Keepalive {

		/**
		 * Whether to turn on TCP keepalive.
		 */
		private boolean enabled = true;

		/**
		 * Idle time before the first keepalive probe (TCP_KEEPIDLE), whole seconds.
		 */
		@DurationUnit(ChronoUnit.SECONDS)
		private Duration idle = Duration.ofSeconds(30);

		/**
		 * Time between keepalive probes (TCP_KEEPINTVL), whole seconds.
		 */
		@DurationUnit(ChronoUnit.SECONDS)
		private Duration interval = Duration.ofSeconds(10);

		/**
		 * Unanswered keepalive probes before the connection is dropped (TCP_KEEPCNT).
		 */
		private int count = 3;

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public Duration getIdle() {
			return this.idle;
		}

		public void setIdle(Duration idle) {
			this.idle = idle;
		}

		public Duration getInterval() {
			return this.interval;
		}

		public void setInterval(Duration interval) {
			this.interval = interval;
		}

		public int getCount() {
			return this.count;
		}

		public void setCount(int count) {
			this.count = count;
		}

	}

	/**
	 * Logging of ended streams.
	 */
	public static class Logging {

		/**
		 * Termination reasons whose end-of-stream line is logged at DEBUG instead of INFO. By
		 * default the normal ends, COMPLETED and CLIENT_CLOSED; set it empty to log every end
		 * at INFO.
		 */
		private Set<TerminationReason> debugReasons = EnumSet.of(TerminationReason.COMPLETED,
				TerminationReason.CLIENT_CLOSED);

		public Set<TerminationReason> getDebugReasons() {
			return this.debugReasons;
		}

		public void setDebugReasons(Set<TerminationReason> debugReasons) {
			this.debugReasons = debugReasons;
		}

	}

}
