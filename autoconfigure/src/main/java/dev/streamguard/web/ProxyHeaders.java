package dev.streamguard.web;

import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;

/**
 * The response headers that keep a proxy from holding back a stream of events or lines:
 * nginx buffers a response unless told {@code X-Accel-Buffering: no} (whatever its
 * {@code proxy_buffering}), and caches and CDNs may store, compress or rewrite a response whose
 * {@code Cache-Control} allows it. Byte streams are left alone: they have a length, ranges and
 * validators, and buffering them costs a proxy nothing a client would notice.
 */
final class ProxyHeaders {

	static final String ACCEL_BUFFERING = "X-Accel-Buffering";

	static final String NO_CACHE = "no-cache, no-transform";

	private ProxyHeaders() {
	}

	/**
	 * Add the headers to a stream's response of the given content type, keeping any value the
	 * application set itself.
	 */
	static void addTo(HttpHeaders headers, MediaType contentType) {
		if (!MediaType.TEXT_EVENT_STREAM.equalsTypeAndSubtype(contentType)
				&& !MediaType.APPLICATION_NDJSON.equalsTypeAndSubtype(contentType)) {
			return;
		}
		if (!headers.containsHeader(ACCEL_BUFFERING)) {
			headers.set(ACCEL_BUFFERING, "no");
		}
		if (!headers.containsHeader(HttpHeaders.CACHE_CONTROL)) {
			headers.setCacheControl(NO_CACHE);
		}
	}

}
