package dev.streamguard.source;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;

import reactor.core.publisher.Flux;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferFactory;
import org.springframework.http.ETag;

/**
 * A named source of bytes of known length, served at
 * {@code streamguard.endpoint.base-path + "/" + name()} as {@code application/octet-stream}
 * with range requests ({@code Range}, so that {@code curl -C -} resumes a download), {@code HEAD}
 * and, where the source has {@linkplain #entityTag() validators}, conditional requests
 * ({@code If-None-Match}, {@code If-Modified-Since}, {@code If-Match},
 * {@code If-Unmodified-Since}, {@code If-Range}) as RFC 9110 defines them. Declare one as a bean;
 * {@link #ofFile(String, Path)} serves a file, sent by the kernel ({@code sendfile}) where the
 * server offers zero-copy.
 *
 * @since 0.1.0
 */
public interface ByteSource {

	/**
	 * Return the name the source is served under: letters, digits, '.', '_' and '-'.
	 * @return the name
	 */
	String name();

	/**
	 * Return the total length in bytes.
	 * @return the length, zero or more
	 */
	long length();

	/**
	 * Open the source at a byte offset.
	 * @param offset the first byte wanted, {@code 0 <= offset < length()}
	 * @param count how many bytes to emit, at most {@code length() - offset}
	 * @param buffers where to allocate buffers
	 * @return exactly {@code count} bytes, starting at {@code offset}
	 */
	Flux<DataBuffer> open(long offset, long count, DataBufferFactory buffers);

	/**
	 * Return the file that holds this source's bytes, so that the endpoint can answer full and
	 * range requests by having the kernel send the file (zero-copy, {@code sendfile}) where
	 * the server offers it, instead of calling {@link #open}. Byte {@code N} of the source must
	 * be byte {@code N} of the file for every {@code N < length()}; {@link #open} still serves
	 * where the server cannot send files.
	 * @return the file, or empty (the default) for a source served through {@link #open} only
	 * @since 0.2.0
	 */
	default Optional<Path> file() {
		return Optional.empty();
	}

	/**
	 * Return the entity tag of the source's current bytes: the validator a client sends back
	 * in {@code If-Range} so that a resumed download continues the same bytes, and in
	 * {@code If-None-Match} to learn that its copy is current. A strong tag (the usual kind)
	 * must change whenever any byte or the length changes; a weak one (see
	 * {@link ETag#weak()}) only when the bytes change in meaning, and is never good enough to
	 * resume with. It is asked once per request, before {@link #length()}.
	 * @return the entity tag, or empty (the default) for a source without one: then ranges
	 * are served without {@code If-Range} protection against a change, only
	 * {@link #lastModified()} can validate, and {@code If-Match} with a tag fails
	 * @since 0.2.0
	 */
	default Optional<ETag> entityTag() {
		return Optional.empty();
	}

	/**
	 * Return when the source's bytes last changed, sent as {@code Last-Modified} (to the
	 * second) and compared with {@code If-Modified-Since}, {@code If-Unmodified-Since} and a
	 * date in {@code If-Range}. A date is good enough to resume with only when it lies at
	 * least one second in the past (RFC 9110 section 8.8.2.2).
	 * @return the time of the last change, or empty (the default) when it is not known
	 * @since 0.2.0
	 */
	default Optional<Instant> lastModified() {
		return Optional.empty();
	}

	/**
	 * Return a source that serves a file. Its length is the file's size when a request asks
	 * for it; its entity tag is made of the file's size and modification time, and its
	 * last-modified time is the file's, so that a client resuming a file that has changed
	 * since it started gets the whole new file instead of a splice of old and new. A file
	 * that is changed in place while it is being sent can still reach a client mixed:
	 * replace it (write a new file and move it over the old one) instead.
	 * @param name the name the source is served under
	 * @param file the file to serve, readable by the application
	 * @return the source
	 * @throws IllegalArgumentException if the file is not a readable regular file
	 * @since 0.2.0
	 */
	static ByteSource ofFile(String name, Path file) {
		return new FileByteSource(name, file);
	}

}
