package dev.streamguard.source;

import reactor.core.publisher.Flux;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferFactory;

/**
 * A named source of bytes of known length, served at
 * {@code streamguard.endpoint.base-path + "/" + name()} as {@code application/octet-stream}
 * with {@code Range: bytes=N-} support, so that {@code curl -C -} resumes a download. Declare
 * one as a bean.
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

}
