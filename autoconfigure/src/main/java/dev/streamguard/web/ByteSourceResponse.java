package dev.streamguard.web;

import java.util.function.Function;

import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ReactiveHttpOutputMessage;
import org.springframework.http.ResponseCookie;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.util.LinkedMultiValueMap;
import org.springframework.util.MultiValueMap;
import org.springframework.web.reactive.function.server.ServerResponse;
import org.springframework.web.server.ServerWebExchange;

/**
 * A byte source answer whose preconditions {@link Preconditions} has already decided, written
 * as it is. The responses of {@code ServerResponse.ok()} evaluate the conditional headers a
 * second time, by Spring's rules: those skip {@code If-Match} on {@code GET} and then apply
 * {@code If-Unmodified-Since}, so a {@code 200} that RFC 9110 grants would turn into a
 * {@code 412} that still announces the whole body's {@code Content-Length} and sends none.
 */
final class ByteSourceResponse implements ServerResponse {

	private final HttpStatusCode status;

	private final HttpHeaders headers;

	private final @Nullable Function<ReactiveHttpOutputMessage, Mono<Void>> body;

	/**
	 * Create an answer.
	 * @param status the status
	 * @param headers the headers, owned by the answer from now on
	 * @param body what writes the body, or {@code null} for none ({@code HEAD}, {@code 304})
	 */
	ByteSourceResponse(HttpStatusCode status, HttpHeaders headers,
			@Nullable Function<ReactiveHttpOutputMessage, Mono<Void>> body) {
		this.status = status;
		this.headers = headers;
		this.body = body;
	}

	@Override
	public HttpStatusCode statusCode() {
		return this.status;
	}

	@Override
	public HttpHeaders headers() {
		return this.headers;
	}

	@Override
	public MultiValueMap<String, ResponseCookie> cookies() {
		return new LinkedMultiValueMap<>();
	}

	@Override
	public Mono<Void> writeTo(ServerWebExchange exchange, Context context) {
		ServerHttpResponse response = exchange.getResponse();
		response.setStatusCode(this.status);
		response.getHeaders().putAll(this.headers);
		return (this.body != null) ? this.body.apply(response) : response.setComplete();
	}

}
