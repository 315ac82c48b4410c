package dev.streamguard.source;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferFactory;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * {@link ByteSource#ofFile}: the file's bytes, whether the kernel sends them or the source
 * reads them.
 */
class FileByteSourceTests {

	@TempDir
	Path directory;

	@Test
	void fileSourceNamesItsFileAndItsLength() throws Exception {
		Path file = write(100_000);
		ByteSource source = ByteSource.ofFile("archive", file);
		assertThat(source.name()).isEqualTo("archive");
		assertThat(source.length()).isEqualTo(100_000);
		assertThat(source.file()).hasValue(file);
	}

	@Test
	void fileSourceOpensExactlyTheRangeAskedFor() throws Exception {
		Path file = write(300_000);
		byte[] content = Files.readAllBytes(file);
		ByteSource source = ByteSource.ofFile("archive", file);
		assertThat(read(source, 0, 300_000)).isEqualTo(content);
		assertThat(read(source, 70_001, 150_000)).isEqualTo(Arrays.copyOfRange(content, 70_001, 220_001));
		assertThat(read(source, 299_999, 1)).isEqualTo(new byte[] { content[299_999] });
	}

	@Test
	void fileSourceOfAMissingFileFailsNamingIt() {
		Path missing = this.directory.resolve("missing.bin");
		assertThatIllegalArgumentException().isThrownBy(() -> ByteSource.ofFile("archive", missing))
			.withMessageContaining("'" + missing + "'")
			.withMessageContaining("not a readable regular file");
	}

	@Test
	void sourceWithoutAFileHasNone() {
		ByteSource generated = new ByteSource() {

			@Override
			public String name() {
				return "generated";
			}

			@Override
			public long length() {
				return 0;
			}

			@Override
			public Flux<DataBuffer> open(long offset, long count, DataBufferFactory buffers) {
				return Flux.empty();
			}

		};
		assertThat(generated.file()).isEmpty();
	}

	private Path write(int length) throws Exception {
		byte[] content = new byte[length];
		new Random(length).nextBytes(content);
		return Files.write(this.directory.resolve("file-" + length + ".bin"), content);
	}

	private static byte[] read(ByteSource source, long offset, long count) {
		DataBuffer joined = DataBufferUtils.join(source.open(offset, count, DefaultDataBufferFactory.sharedInstance))
			.block(Duration.ofSeconds(5));
		byte[] bytes = new byte[joined.readableByteCount()];
		joined.read(bytes);
		DataBufferUtils.release(joined);
		return bytes;
	}

}
