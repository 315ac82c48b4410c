package dev.streamguard.web;

import java.net.URI;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ReactiveHttpOutputMessage;
import org.springframework.http.ZeroCopyHttpOutputMessage;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.web.reactive.function.BodyInserter;
import org.springframework.web.reactive.function.BodyInserters;
import org.springframework.web.reactive.function.server.RequestPredicates;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * Serves {@link StreamSource} and {@link ByteSource} beans at {@code <base-path>/{name}}, with
 * resume: SSE {@code Last-Event-ID} (after the given position), NDJSON {@code ?from=} (at the
 * given position), and {@code Range: bytes=N-} for byte sources ({@code 206 Partial Content}).
 * A byte source backed by a {@linkplain ByteSource#file() file} is sent with zero-copy
 * ({@code sendfile}) where the server offers it, and is a live stream all the same. Unknown
 * sources answer 404, bad positions 400 and unsatisfiable ranges 416, each as an RFC 9457
 * problem.
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
		return RouterFunctions.route(RequestPredicates.GET(this.basePath + "/{name}"), this::handle);
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
		return ServerResponse.ok()
			.contentType(MediaType.TEXT_EVENT_STREAM)
			.body(BodyInserters.fromServerSentEvents(events));
	}

	private Mono<ServerResponse> ndjson(ServerRequest request, StreamSource<?> source) {
		Long from = position(request);
		if (from == null) {
			return badFrom(request);
		}
		Flux<Line> lines = open(source, from).map((item) -> new Line(item.position(), item.value()));
		return ServerResponse.ok()
			.contentType(MediaType.APPLICATION_NDJSON)
			.body(BodyInserters.fromPublisher(lines, Line.class));
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

	private Mono<ServerResponse> bytes(ServerRequest request, ByteSource source) {
		long length = source.length();
		String rangeHeader = request.headers().firstHeader(HttpHeaders.RANGE);
		if (rangeHeader == null) {
			return send(ServerResponse.ok(), source, 0, length);
		}
		ByteRange range = Positions.parseRange(rangeHeader);
		if (range == null) {
			return problem(request, HttpStatus.BAD_REQUEST, "Header 'Range' must be one range of the form "
					+ "'bytes=first-' or 'bytes=first-last', was '" + abbreviate(rangeHeader) + "'");
		}
		if (!range.satisfiable(length)) {
			ProblemDetail detail = ProblemDetail.forStatusAndDetail(HttpStatus.REQUESTED_RANGE_NOT_SATISFIABLE,
					"Range starts at byte " + range.first() + " but the body has " + length + " bytes");
			return ServerResponse.status(HttpStatus.REQUESTED_RANGE_NOT_SATISFIABLE)
				.header(HttpHeaders.CONTENT_RANGE, "bytes */" + length)
				.contentType(MediaType.APPLICATION_PROBLEM_JSON)
				.bodyValue(withInstance(detail, request));
		}
		long first = range.first();
		long last = range.lastWithin(length);
		long count = last - first + 1;
		return send(ServerResponse.status(HttpStatus.PARTIAL_CONTENT)
			.header(HttpHeaders.CONTENT_RANGE, "bytes " + first + "-" + last + "/" + length), source, first, count);
	}

	private static Mono<ServerResponse> send(ServerResponse.BodyBuilder response, ByteSource source, long first,
			long count) {
		return response.contentType(MediaType.APPLICATION_OCTET_STREAM)
			.contentLength(count)
			.header(HttpHeaders.ACCEPT_RANGES, "bytes")
			.body(byteRange(source, first, count));
	}

	/**
	 * Write {@code count} bytes of the source from {@code first}: the source's file, sent by
	 * the kernel, where both the source and the response allow it, its buffers otherwise.
	 */
	private static BodyInserter<Void, ReactiveHttpOutputMessage> byteRange(ByteSource source, long first, long count) {
		return (message, context) -> {
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
