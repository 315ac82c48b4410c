package dev.streamguard.source;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

import reactor.core.publisher.Flux;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferFactory;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.ETag;

/**
 * A {@link ByteSource} that serves a file: sent by the kernel where the server offers
 * zero-copy, read in chunks otherwise.
 */
final class FileByteSource implements ByteSource {

	private static final int CHUNK = 64 * 1024;

	private final String name;

	private final Path file;

	FileByteSource(String name, Path file) {
		this.name = Objects.requireNonNull(name, "name");
		this.file = Objects.requireNonNull(file, "file");
		if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
			throw new IllegalArgumentException("Byte source '" + name + "' serves file '" + file
					+ "', which is not a readable regular file: check the path and its permissions");
		}
	}

	@Override
	public String name() {
		return this.name;
	}

	@Override
	public long length() {
		return attributes().size();
	}

	/**
	 * A strong tag of the file's size and modification time, to the nanosecond where the file
	 * system keeps it, as common web servers make theirs: a file replaced or rewritten gets a
	 * new tag.
	 */
	@Override
	public Optional<ETag> entityTag() {
		BasicFileAttributes attributes = attributes();
		Instant modified = attributes.lastModifiedTime().toInstant();
		return Optional.of(new ETag(Long.toHexString(attributes.size()) + "-" + Long.toHexString(modified.getEpochSecond())
				+ "." + Integer.toHexString(modified.getNano()), false));
	}

	@Override
	public Optional<Instant> lastModified() {
		return Optional.of(attributes().lastModifiedTime().toInstant());
	}

	private BasicFileAttributes attributes() {
		try {
			return Files.readAttributes(this.file, BasicFileAttributes.class);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot read the size and modification time of file '" + this.file
					+ "' of byte source '" + this.name + "'", ex);
		}
	}

	@Override
	public Flux<DataBuffer> open(long offset, long count, DataBufferFactory buffers) {
		Flux<DataBuffer> all = DataBufferUtils.readAsynchronousFileChannel(
				() -> AsynchronousFileChannel.open(this.file, StandardOpenOption.READ), offset, buffers, CHUNK);
		return DataBufferUtils.takeUntilByteCount(all, count);
	}

	@Override
	public Optional<Path> file() {
		return Optional.of(this.file);
	}

	@Override
	public String toString() {
		return "ByteSource[name=" + this.name + ", file=" + this.file + "]";
	}

}
