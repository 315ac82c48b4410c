package dev.streamguard.source;

import java.nio.file.Path;
import java.util.Optional;

import reactor.core.publisher.Flux;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferFactory;

/**
 * A named source of bytes of known length, served at
 * {@code streamguard.endpoint.base-path + "/" + name()} as {@code application/octet-stream}
 * with {@code Range: bytes=N-} support, so that {@code curl -C -} resumes a download. Declare
 * one as a bean; {@link #ofFile(String, Path)} serves a file, sent by the kernel
 * ({@code sendfile}) where the server offers zero-copy.
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
	 * Return a source that serves a file. Its length is the file's size when a request asks
	 * for it; the file should not change while it is served.
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
