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
import org.springframework.validation.Errors;
import org.springframework.validation.Validator;
import org.springframework.web.util.pattern.PathPatternParser;
import org.springframework.web.util.pattern.PatternParseException;

/**
 * Configuration properties for StreamGuard. A key under {@code streamguard.} that names none of
 * them fails startup (see {@link UnknownPropertyFailureAnalyzer}), and a duration written without
 * a unit is read in seconds.
 *
 * @since 0.1.0
 */
@ConfigurationProperties(prefix = "streamguard", ignoreUnknownFields = false)
public class StreamGuardProperties implements Validator {

	private static final String PREFIX = "streamguard.";

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

	private final Client client = new Client();

	private final ResilienceDefaults resilience = new ResilienceDefaults();

	private final Window window = new Window();

	private final Heartbeat heartbeat = new Heartbeat();

	/**
	 * Per-route policies, keyed by path pattern in brackets (for example "[/export/**]" in
	 * YAML). Unset values fall back to the defaults above; the most specific matching pattern
	 * wins.
	 */
	private final Map<String, Route> routes = new LinkedHashMap<>();

	private final Logging logging = new Logging();

	private final Transport transport = new Transport();

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

	public Client getClient() {
		return this.client;
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

	public Writer getWriter() {
		return this.writer;
	}

	@Override
	public boolean supports(Class<?> clazz) {
		return StreamGuardProperties.class.isAssignableFrom(clazz);
	}

	@Override
	public void validate(Object target, Errors errors) {
		StreamGuardProperties properties = (StreamGuardProperties) target;
		ConfigurationChecks checks = new ConfigurationChecks(errors);
		if (properties.streamMediaTypes().isEmpty()) {
			checks.reject("media-types", properties.getMediaTypes(),
					"must name at least one content type; set streamguard.enabled=false to guard no response");
		}
		checks.notNegative("stall-timeout", properties.getStallTimeout());
		checks.notNegative("idle-timeout", properties.getIdleTimeout());
		checks.notNegative("first-element-timeout", properties.getFirstElementTimeout());
		checks.notNegative("max-duration", properties.getMaxDuration());
		checks.notNegative("lease", properties.getLease());
		checks.notNegative("heartbeat.interval", properties.getHeartbeat().getInterval());
		checks.window("window.low", properties.getWindow().getLow(), "window.high", properties.getWindow().getHigh());
		String basePath = properties.getEndpoint().getBasePath();
		if (basePath == null || !basePath.startsWith("/") || basePath.endsWith("/") || basePath.contains("{")) {
			checks.reject("endpoint.base-path", basePath,
					"must start with '/', not end with '/' and have no variables, for example /streams");
		}
		ClientRetry retry = properties.getClient().getRetry();
		checks.positive("client.retry.max-attempts", retry.getMaxAttempts());
		checks.notNegative("client.read-idle-timeout", properties.getClient().getReadIdleTimeout());
		checks.notNegative("client.transport.user-timeout", properties.getClient().getTransport().getUserTimeout());
		if (retry.getInitialBackoff() == null || retry.getInitialBackoff().isNegative()
				|| retry.getInitialBackoff().isZero()) {
			checks.reject("client.retry.initial-backoff", retry.getInitialBackoff(), "must be more than 0");
		}
		if (retry.getMultiplier() < 1.0) {
			checks.reject("client.retry.multiplier", retry.getMultiplier(), "must be at least 1.0");
		}
		if (retry.getJitter() < 0 || retry.getJitter() >= 1.0) {
			checks.reject("client.retry.jitter", retry.getJitter(), "must be from 0 up to (not including) 1");
		}
		checks.notNegative("drain.timeout", properties.getDrain().getTimeout());
		checks.notNegative("drain.reconnect-delay", properties.getDrain().getReconnectDelay());
		if (properties.getMaxStreamsPerClient() < 0) {
			checks.reject("max-streams-per-client", properties.getMaxStreamsPerClient(),
					"must not be negative; use 0 for no limit");
		}
		List<String> proxies = properties.getTrustedProxies();
		for (int i = 0; i < proxies.size(); i++) {
			try {
				TrustedProxies.of(List.of(proxies.get(i)));
			}
			catch (IllegalArgumentException ex) {
				checks.reject("trusted-proxies[" + i + "]", proxies.get(i), "is invalid: " + ex.getMessage());
			}
		}
		if (properties.getMaxStreams() < 0) {
			checks.reject("max-streams", properties.getMaxStreams(), "must not be negative; use 0 for no limit");
		}
		Integer writerThreads = properties.getWriter().getMaxThreads();
		if (writerThreads != null && writerThreads <= 0) {
			checks.reject("writer.max-threads", writerThreads,
					"must be positive; leave it unset for the default (200 platform threads, no limit on virtual threads)");
		}
		Transport transport = properties.getTransport();
		checks.notNegative("transport.user-timeout", transport.getUserTimeout());
		checks.notNegative("transport.request-header-timeout", transport.getRequestHeaderTimeout());
		if (transport.getKeepalive().isEnabled()) {
			checks.atLeastOneSecond("transport.keepalive.idle", transport.getKeepalive().getIdle());
			checks.atLeastOneSecond("transport.keepalive.interval", transport.getKeepalive().getInterval());
			checks.positive("transport.keepalive.count", transport.getKeepalive().getCount());
		}
		properties.getRoutes().forEach((pattern, route) -> {
			String at = "routes[" + pattern + "].";
			checks.pattern(pattern);
			checks.notNegative(at + "stall-timeout", route.getStallTimeout());
			checks.notNegative(at + "idle-timeout", route.getIdleTimeout());
			checks.notNegative(at + "first-element-timeout", route.getFirstElementTimeout());
			checks.notNegative(at + "max-duration", route.getMaxDuration());
			checks.notNegative(at + "lease", route.getLease());
			checks.notNegative(at + "heartbeat-interval", route.getHeartbeatInterval());
			DataSize low = (route.getWindowLow() != null) ? route.getWindowLow() : properties.getWindow().getLow();
			DataSize high = (route.getWindowHigh() != null) ? route.getWindowHigh() : properties.getWindow().getHigh();
			checks.window(at + "window-low", low, at + "window-high", high);
		});
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
	public static class Route extends Resilience {

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
	 * every route that names none.
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
	 * The auto-configured StreamGuardClient.
	 */
	public static class Client {

		/**
		 * How long a connection may deliver nothing, heartbeats included, before the client
		 * gives it up and resumes on a new one. Zero disables.
		 */
		@DurationUnit(ChronoUnit.SECONDS)
		private Duration readIdleTimeout = Duration.ofSeconds(45);

		private final Transport transport = new Transport();

		private final ClientRetry retry = new ClientRetry();

		public Duration getReadIdleTimeout() {
			return this.readIdleTimeout;
		}

		public void setReadIdleTimeout(Duration readIdleTimeout) {
			this.readIdleTimeout = readIdleTimeout;
		}

		public Transport getTransport() {
			return this.transport;
		}

		public ClientRetry getRetry() {
			return this.retry;
		}

	}

	/**
	 * Reconnection policy of the client, used unless a Resilience4j retry instance named
	 * "streamguard-client" is configured.
	 */
	public static class ClientRetry {

		/**
		 * Attempts in a row, counted since the last event received, before the client gives up.
		 */
		private int maxAttempts = 10;

		/**
		 * Delay before the first reconnection attempt.
		 */
		@DurationUnit(ChronoUnit.SECONDS)
		private Duration initialBackoff = Duration.ofMillis(250);

		/**
		 * Longest delay between attempts.
		 */
		@DurationUnit(ChronoUnit.SECONDS)
		private Duration maxBackoff = Duration.ofSeconds(10);

		/**
		 * Factor by which the delay grows after each attempt.
		 */
		private double multiplier = 2.0;

		/**
		 * Random part of each delay, from 0 (none) to 1 (up to the whole delay either way).
		 */
		private double jitter = 0.5;

		public int getMaxAttempts() {
			return this.maxAttempts;
		}

		public void setMaxAttempts(int maxAttempts) {
			this.maxAttempts = maxAttempts;
		}

		public Duration getInitialBackoff() {
			return this.initialBackoff;
		}

		public void setInitialBackoff(Duration initialBackoff) {
			this.initialBackoff = initialBackoff;
		}

		public Duration getMaxBackoff() {
			return this.maxBackoff;
		}

		public void setMaxBackoff(Duration maxBackoff) {
			this.maxBackoff = maxBackoff;
		}

		public double getMultiplier() {
			return this.multiplier;
		}

		public void setMultiplier(double multiplier) {
			this.multiplier = multiplier;
		}

		public double getJitter() {
			return this.jitter;
		}

		public void setJitter(double jitter) {
			this.jitter = jitter;
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
		 * HTTP/1.1-only servers; WebSocket connections leave it behind. Zero disables. An idle
		 * persistent connection is left to server.netty.idle-timeout.
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
	 * TCP keepalive of accepted connections: probes a connection that is idle in both
	 * directions.
	 */
	public static class Keepalive {

		/**
		 * Whether to turn on TCP keepalive on accepted connections.
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
		 * Termination reasons whose end-of-stream line is logged at DEBUG instead of INFO.
		 */
		private Set<TerminationReason> debugReasons = EnumSet.noneOf(TerminationReason.class);

		public Set<TerminationReason> getDebugReasons() {
			return this.debugReasons;
		}

		public void setDebugReasons(Set<TerminationReason> debugReasons) {
			this.debugReasons = debugReasons;
		}

	}

	/**
	 * Checks that report each problem with the property's full name and its value.
	 */
	private record ConfigurationChecks(Errors errors) {

		void notNegative(String property, @Nullable Duration value) {
			if (value != null && value.isNegative()) {
				reject(property, value, "must not be negative; use 0 to disable");
			}
		}

		void atLeastOneSecond(String property, @Nullable Duration value) {
			if (value != null && value.compareTo(Duration.ofSeconds(1)) < 0) {
				reject(property, value, "must be at least 1s (the kernel counts keepalive time in seconds)");
			}
		}

		void positive(String property, int value) {
			if (value < 1) {
				reject(property, value, "must be at least 1");
			}
		}

		void window(String lowProperty, @Nullable DataSize low, String highProperty, @Nullable DataSize high) {
			if (low == null || low.toBytes() < 0) {
				reject(lowProperty, low, "must be zero or more bytes");
				return;
			}
			if (high == null || high.toBytes() <= 0 || high.toBytes() > Integer.MAX_VALUE) {
				reject(highProperty, high, "must be more than 0 bytes and at most 2GB");
				return;
			}
			if (low.toBytes() > high.toBytes()) {
				reject(lowProperty, low, "must not be greater than " + PREFIX + highProperty + " (" + high + ")");
			}
		}

		void pattern(String pattern) {
			if (!pattern.startsWith("/")) {
				// YAML keys lose their slashes and asterisks unless written in brackets.
				reject("routes", pattern, "is not a path pattern: write route keys in brackets, for example "
						+ "\"[/export/**]\": in YAML or streamguard.routes[/export/**].stall-timeout in properties");
				return;
			}
			try {
				PathPatternParser.defaultInstance.parse(pattern);
			}
			catch (PatternParseException ex) {
				reject("routes", pattern, "is not a valid path pattern (" + ex.getMessage() + ")");
			}
		}

		void reject(String property, @Nullable Object value, String problem) {
			this.errors.reject("streamguard.invalid", PREFIX + property + " (" + value + ") " + problem);
		}

	}

}
