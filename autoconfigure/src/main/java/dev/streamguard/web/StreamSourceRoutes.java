package dev.streamguard.web;

import java.net.URI;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Pattern;

import dev.streamguard.source.ByteSource;
import dev.streamguard.source.Positioned;
import dev.streamguard.source.Positions;
import dev.streamguard.source.Positions.ByteRange;
import dev.streamguard.source.StreamSource;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ReactiveHttpOutputMessage;
import org.springframework.http.ZeroCopyHttpOutputMessage;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.reactive.function.BodyInserter;
import org.springframework.web.reactive.function.BodyInserters;
import org.springframework.web.reactive.function.server.RequestPredicates;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * Serves {@link StreamSource} and {@link ByteSource} beans at {@code <base-path>/{name}}
 * ({@code GET} and {@code HEAD}), with resume: SSE {@code Last-Event-ID} (after the given
 * position), NDJSON {@code ?from=} (at the given position), and for byte sources the range and
 * conditional requests of RFC 9110 ({@code Range}, {@code If-Range}, {@code If-None-Match},
 * {@code If-Modified-Since}, {@code If-Match}, {@code If-Unmodified-Since}).
 * A byte source backed by a {@linkplain ByteSource#file() file} is sent with zero-copy
 * ({@code sendfile}) where the server offers it, and is a live stream all the same. Unknown
 * sources answer 404, bad positions 400, unsatisfiable ranges 416 and failed preconditions
 * 412, each as an RFC 9457 problem.
 *
 * @since 0.1.0
 */
public final class StreamSourceRoutes {

	/** Characters a source name may have. */
	public static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

	private static final String LAST_EVENT_ID = "Last-Event-ID";

	private static final String FROM = "from";

	private final String basePath;

	private final Map<String, StreamSource<?>> sources = new LinkedHashMap<>();

	private final Map<String, ByteSource> byteSources = new LinkedHashMap<>();

	/**
	 * Create the routes.
	 * @param basePath the path under which sources are served, such as {@code /streams}
	 * @param sources the positioned sources
	 * @param byteSources the byte sources
	 * @throws IllegalArgumentException on an invalid base path, an invalid name or a name used
	 * twice
	 */
	public StreamSourceRoutes(String basePath, List<? extends StreamSource<?>> sources,
			List<? extends ByteSource> byteSources) {
		if (!basePath.startsWith("/") || basePath.endsWith("/") || basePath.contains("{")) {
			throw new IllegalArgumentException("Base path '" + basePath
					+ "' must start with '/', not end with '/' and have no variables, for example '/streams'");
		}
		this.basePath = basePath;
		for (StreamSource<?> source : sources) {
			checkName(source.name(), source);
			this.sources.put(source.name(), source);
		}
		for (ByteSource source : byteSources) {
			checkName(source.name(), source);
			this.byteSources.put(source.name(), source);
		}
	}

	private void checkName(String name, Object source) {
		if (!NAME.matcher(name).matches()) {
			throw new IllegalArgumentException("Stream source " + source + " has name '" + name
					+ "': use 1 to 64 letters, digits, '.', '_' or '-'");
		}
		if (this.sources.containsKey(name) || this.byteSources.containsKey(name)) {
			throw new IllegalArgumentException("Two stream sources are named '" + name + "': names must be unique");
		}
	}

	/**
	 * Return the router function that serves the sources.
	 * @return the routes
	 */
	public RouterFunction<ServerResponse> routes() {
		String pattern = this.basePath + "/{name}";
		return RouterFunctions.route(RequestPredicates.GET(pattern).or(RequestPredicates.HEAD(pattern)), this::handle);
	}

	Mono<ServerResponse> handle(ServerRequest request) {
		if (request.headers().contentLength().orElse(0) > 0
				|| request.headers().firstHeader(HttpHeaders.TRANSFER_ENCODING) != null) {
			return problem(request, HttpStatus.CONTENT_TOO_LARGE, "Stream requests take no body");
		}
		String name = request.pathVariable("name");
		StreamSource<?> source = this.sources.get(name);
		if (source != null) {
			request.exchange().getAttributes().put(StreamGuardWebFilter.ROUTE_ATTRIBUTE, this.basePath + "/" + name);
			return wantsNdjson(request) ? ndjson(request, source) : serverSentEvents(request, source);
		}
		ByteSource bytes = this.byteSources.get(name);
		if (bytes != null) {
			request.exchange().getAttributes().put(StreamGuardWebFilter.ROUTE_ATTRIBUTE, this.basePath + "/" + name);
			// A byte source is a stream, also when the kernel sends its file.
			request.exchange().getAttributes().put(StreamGuardWebFilter.FILE_IS_STREAM_ATTRIBUTE, Boolean.TRUE);
			return bytes(request, bytes);
		}
		return problem(request, HttpStatus.NOT_FOUND, "No stream source is named '" + abbreviate(name) + "'");
	}

	private static boolean wantsNdjson(ServerRequest request) {
		for (MediaType accepted : request.headers().accept()) {
			if (MediaType.APPLICATION_NDJSON.equalsTypeAndSubtype(accepted)) {
				return true;
			}
			if (MediaType.TEXT_EVENT_STREAM.equalsTypeAndSubtype(accepted)) {
				return false;
			}
		}
		return request.queryParam(FROM).isPresent() && request.headers().firstHeader(LAST_EVENT_ID) == null;
	}

	private Mono<ServerResponse> serverSentEvents(ServerRequest request, StreamSource<?> source) {
		long from = 0;
		String lastEventId = request.headers().firstHeader(LAST_EVENT_ID);
		if (lastEventId != null) {
			Long last = Positions.parsePosition(lastEventId);
			if (last == null || last == Long.MAX_VALUE) {
				return problem(request, HttpStatus.BAD_REQUEST,
						"Header 'Last-Event-ID' must be an event id of this stream (a number from 0), was '"
								+ abbreviate(lastEventId) + "'");
			}
			from = last + 1;
		}
		else {
			Long position = position(request);
			if (position == null) {
				return badFrom(request);
			}
			from = position;
		}
		Flux<ServerSentEvent<Object>> events = open(source, from)
			.map((item) -> ServerSentEvent.builder((Object) item.value()).id(Long.toString(item.position())).build());
		return stream(request, MediaType.TEXT_EVENT_STREAM, BodyInserters.fromServerSentEvents(events));
	}

	private Mono<ServerResponse> ndjson(ServerRequest request, StreamSource<?> source) {
		Long from = position(request);
		if (from == null) {
			return badFrom(request);
		}
		Flux<Line> lines = open(source, from).map((item) -> new Line(item.position(), item.value()));
		// Every line names its position: a client cut off by a rotation resumes with ?from=.
		request.exchange().getAttributes().put(StreamGuardWebFilter.RESUMABLE_ATTRIBUTE, Boolean.TRUE);
		return stream(request, MediaType.APPLICATION_NDJSON, BodyInserters.fromPublisher(lines, Line.class));
	}

	/**
	 * Answer with a stream, or for {@code HEAD} with the headers alone: the source is not
	 * opened, which for an endless one is the only way the answer ends.
	 */
	private static Mono<ServerResponse> stream(ServerRequest request, MediaType contentType,
			BodyInserter<?, ? super ServerHttpResponse> body) {
		ServerResponse.BodyBuilder response = ServerResponse.ok().contentType(contentType);
		return HttpMethod.HEAD.equals(request.method()) ? response.build() : response.body(body);
	}

	@SuppressWarnings("unchecked")
	private static Flux<Positioned<Object>> open(StreamSource<?> source, long from) {
		return Flux.defer(() -> ((StreamSource<Object>) source).open(from));
	}

	private static @Nullable Long position(ServerRequest request) {
		Optional<String> from = request.queryParam(FROM);
		return from.isEmpty() ? Long.valueOf(0) : Positions.parsePosition(from.get());
	}

	private static Mono<ServerResponse> badFrom(ServerRequest request) {
		return problem(request, HttpStatus.BAD_REQUEST, "Parameter 'from' must be a position (a number from 0), was '"
				+ abbreviate(request.queryParam(FROM).orElse("")) + "'");
	}

	/**
	 * Answer a byte source request as RFC 9110 sections 13 and 14 say: preconditions first
	 * ({@code 412}, {@code 304}), then {@code If-Range}, then the range. One range (or several
	 * that coalesce into one) is a {@code 206}; several disjoint ranges get the whole body, a
	 * {@code 200}, which the RFC allows in place of {@code multipart/byteranges} and which keeps
	 * the answer one guarded octet stream that the kernel can send from a file. A range header
	 * in another unit, or one that is not valid, is ignored. The length and validators are
	 * read once, so that every header of the answer describes the same representation.
	 */
	private Mono<ServerResponse> bytes(ServerRequest request, ByteSource source) {
		// Validators before the length: a source that changes in between leaves the client an
		// old tag, which fails its next If-Range (a whole new body), never a new tag on old bytes.
		Preconditions preconditions = new Preconditions(source.entityTag().orElse(null),
				source.lastModified().orElse(null), Instant.now());
		long length = source.length();
		HttpHeaders headers = request.headers().asHttpHeaders();
		switch (preconditions.evaluate(request.method(), headers)) {
			case FAILED:
				return problem(request, HttpStatus.PRECONDITION_FAILED,
						"The current representation of '" + source.name() + "' does not meet the request's "
								+ "preconditions (If-Match or If-Unmodified-Since): fetch it again");
			case NOT_MODIFIED:
				// Section 15.4.5: the validators, and Last-Modified only to guide a cache that has no tag.
				return Mono.just(new ByteSourceResponse(HttpStatus.NOT_MODIFIED,
						validators(preconditions, preconditions.entityTag() == null), null));
			default:
				break;
		}
		List<ByteRange> ranges = null;
		List<String> rangeHeaders = request.headers().header(HttpHeaders.RANGE);
		// Ranges are defined for GET only; a body of length zero has no range to send.
		if (HttpMethod.GET.equals(request.method()) && rangeHeaders.size() == 1 && length > 0
				&& preconditions.rangeAllowed(headers)) {
			ranges = Positions.parseRanges(rangeHeaders.get(0), length);
		}
		if (ranges != null && ranges.isEmpty()) {
			ProblemDetail detail = ProblemDetail.forStatusAndDetail(HttpStatus.REQUESTED_RANGE_NOT_SATISFIABLE,
					"No range of '" + abbreviate(rangeHeaders.get(0)) + "' lies within the body, which has " + length
							+ " bytes");
			return ServerResponse.status(HttpStatus.REQUESTED_RANGE_NOT_SATISFIABLE)
				.header(HttpHeaders.CONTENT_RANGE, "bytes */" + length)
				.contentType(MediaType.APPLICATION_PROBLEM_JSON)
				.bodyValue(withInstance(detail, request));
		}
		if (ranges != null && ranges.size() == 1) {
			long first = ranges.get(0).first();
			long last = ranges.get(0).lastWithin(length);
			HttpHeaders partial = new HttpHeaders();
			partial.set(HttpHeaders.CONTENT_RANGE, "bytes " + first + "-" + last + "/" + length);
			return send(request, HttpStatus.PARTIAL_CONTENT, partial, preconditions, source, first, last - first + 1);
		}
		return send(request, HttpStatus.OK, new HttpHeaders(), preconditions, source, 0, length);
	}

	private static Mono<ServerResponse> send(ServerRequest request, HttpStatus status, HttpHeaders headers,
			Preconditions preconditions, ByteSource source, long first, long count) {
		headers.addAll(validators(preconditions, true));
		headers.setContentType(MediaType.APPLICATION_OCTET_STREAM);
		headers.setContentLength(count);
		headers.set(HttpHeaders.ACCEPT_RANGES, "bytes");
		// HEAD: the headers GET would have, and the source is not opened.
		boolean head = HttpMethod.HEAD.equals(request.method());
		return Mono.just(new ByteSourceResponse(status, headers, head ? null : byteRange(source, first, count)));
	}

	private static HttpHeaders validators(Preconditions preconditions, boolean withLastModified) {
		HttpHeaders headers = new HttpHeaders();
		if (preconditions.entityTag() != null) {
			headers.setETag(preconditions.entityTag().formattedTag());
		}
		Instant lastModified = preconditions.lastModified();
		if (withLastModified && lastModified != null) {
			headers.setLastModified(lastModified);
		}
		return headers;
	}

	/**
	 * Write {@code count} bytes of the source from {@code first}: the source's file, sent by
	 * the kernel, where both the source and the response allow it, its buffers otherwise.
	 */
	private static Function<ReactiveHttpOutputMessage, Mono<Void>> byteRange(ByteSource source, long first,
			long count) {
		return (message) -> {
			Path file = source.file().orElse(null);
			if (file != null && count > 0 && message instanceof ZeroCopyHttpOutputMessage zeroCopy) {
				return zeroCopy.writeWith(file, first, count);
			}
			return message.writeWith(Flux.defer(() -> source.open(first, count, message.bufferFactory())));
		};
	}

	private static Mono<ServerResponse> problem(ServerRequest request, HttpStatus status, String detail) {
		return ServerResponse.status(status)
			.contentType(MediaType.APPLICATION_PROBLEM_JSON)
			.bodyValue(withInstance(ProblemDetail.forStatusAndDetail(status, detail), request));
	}

	private static ProblemDetail withInstance(ProblemDetail detail, ServerRequest request) {
		detail.setInstance(URI.create(request.uri().getRawPath()));
		return detail;
	}

	/** Keep echoed client input short: a problem names the value, it does not replay it. */
	private static String abbreviate(String value) {
		String printable = value.codePoints()
			.map((c) -> (c < 0x20 || c == 0x7f) ? '?' : c)
			.collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append)
			.toString();
		return (printable.length() > 40) ? printable.substring(0, 40) + "..." : printable;
	}

	/**
	 * One NDJSON line: the item's position and the item.
	 *
	 * @param position the position, to resume with {@code ?from=position+1}
	 * @param data the item
	 */
	public record Line(long position, Object data) {
	}

}
