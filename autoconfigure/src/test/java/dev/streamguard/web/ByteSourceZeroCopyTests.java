package dev.streamguard.web;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;

import dev.streamguard.source.ByteSource;
import dev.streamguard.stream.TerminationReason;
import dev.streamguard.test.BinaryHttp;
import dev.streamguard.test.FileRegionSpy;
import dev.streamguard.test.RecordingListener;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A file-backed {@link ByteSource} at {@code /streams/{name}}: full and ranged answers are sent
 * with zero-copy, and each is still a guarded live stream.
 */
class ByteSourceZeroCopyTests {

	private static final int FILE_LENGTH = 3 * 1024 * 1024 + 11;

	private static final int BIG_LENGTH = 64 * 1024 * 1024;

	@TempDir
	static Path files;

	private static byte[] content;

	private static ConfigurableApplicationContext context;

	private static int port;

	@BeforeAll
	static void start() throws IOException {
		content = new byte[FILE_LENGTH];
		new Random(11).nextBytes(content);
		Files.write(files.resolve("archive.bin"), content);
		Files.write(files.resolve("big.bin"), new byte[BIG_LENGTH]);
		context = new SpringApplicationBuilder(FileSourceApplication.class).web(WebApplicationType.REACTIVE)
			.properties("server.port=0", "server.address=127.0.0.1", "spring.main.banner-mode=off",
					"server.shutdown=immediate", "test.files=" + files,
					"streamguard.routes[/streams/big].max-duration=300ms")
			.run();
		port = Integer.parseInt(context.getEnvironment().getRequiredProperty("local.server.port"));
	}

	@AfterAll
	static void stop() {
		context.close();
	}

	@BeforeEach
	void forgetEarlierRequests() throws InterruptedException {
		spy().reset();
		while (listener().pollEnd(Duration.ZERO) != null) {
			// Drained.
		}
	}

	@Test
	void fullAnswerIsSentWithSendfileAsALiveStream() throws Exception {
		HttpResponse<byte[]> response = BinaryHttp.get(port, "/streams/archive");
		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(response.headers().firstValue("Content-Length")).hasValue(Integer.toString(FILE_LENGTH));
		assertThat(response.headers().firstValue(StreamGuardWebFilter.STREAM_ID_HEADER)).isPresent();
		assertThat(response.body()).isEqualTo(content);
		assertThat(spy().regionBytes()).isEqualTo(FILE_LENGTH);
		assertCompleted("/streams/archive", FILE_LENGTH);
	}

	@Test
	void rangeIsSentWithSendfile() throws Exception {
		HttpResponse<byte[]> response = BinaryHttp.get(port, "/streams/archive", "Range", "bytes=1000-200999");
		assertThat(response.statusCode()).isEqualTo(206);
		assertThat(response.headers().firstValue("Content-Range")).hasValue("bytes 1000-200999/" + FILE_LENGTH);
		assertThat(response.body()).isEqualTo(Arrays.copyOfRange(content, 1000, 201000));
		assertThat(spy().regionBytes()).isEqualTo(200000);
		assertCompleted("/streams/archive", 200000);
	}

	@Test
	void resumeFromAnOffsetIsSentWithSendfile() throws Exception {
		HttpResponse<byte[]> response = BinaryHttp.get(port, "/streams/archive", "Range", "bytes=3000000-");
		assertThat(response.statusCode()).isEqualTo(206);
		assertThat(response.body()).isEqualTo(Arrays.copyOfRange(content, 3000000, FILE_LENGTH));
		assertThat(spy().regionBytes()).isEqualTo(FILE_LENGTH - 3000000);
	}

	@Test
	void fileSentWithSendfileStillEndsAtItsRoutesMaxDuration() throws Exception {
		try (Socket socket = new Socket()) {
			socket.setReceiveBufferSize(16 * 1024);
			socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
			socket.getOutputStream()
				.write("GET /streams/big HTTP/1.1\r\nHost: test\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
			// Read nothing: the kernel's buffers fill and the file stays unsent.
			RecordingListener.Ended ended = listener().awaitEnd(Duration.ofSeconds(10));
			assertThat(ended.stream().route()).isEqualTo("/streams/big");
			assertThat(ended.reason()).isEqualTo(TerminationReason.MAX_DURATION);
			assertThat(spy().regionBytes()).isEqualTo(BIG_LENGTH);
			socket.setSoTimeout(10_000);
			assertThat(drain(socket.getInputStream())).isLessThan(BIG_LENGTH);
		}
	}

	private static void assertCompleted(String route, long bytes) throws InterruptedException {
		RecordingListener.Ended ended = listener().awaitEnd(Duration.ofSeconds(5));
		assertThat(ended.stream().route()).isEqualTo(route);
		assertThat(ended.reason()).isEqualTo(TerminationReason.COMPLETED);
		assertThat(ended.stream().bytesSent()).isEqualTo(bytes);
	}

	/** Read until the server closes the connection; return how many bytes came. */
	private static long drain(InputStream in) {
		long total = 0;
		byte[] buffer = new byte[64 * 1024];
		try {
			for (int n; (n = in.read(buffer)) >= 0;) {
				total += n;
			}
		}
		catch (IOException ex) {
			// Reset by the server: as closed.
		}
		return total;
	}

	private static FileRegionSpy spy() {
		return context.getBean(FileRegionSpy.class);
	}

	private static RecordingListener listener() {
		return context.getBean(RecordingListener.class);
	}

	@SpringBootConfiguration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class FileSourceApplication {

		@Bean
		FileRegionSpy fileRegionSpy() {
			return new FileRegionSpy();
		}

		@Bean
		RecordingListener recordingListener() {
			return new RecordingListener();
		}

		@Bean
		ByteSource archive(Environment environment) {
			return ByteSource.ofFile("archive", Path.of(environment.getRequiredProperty("test.files"), "archive.bin"));
		}

		@Bean
		ByteSource big(Environment environment) {
			return ByteSource.ofFile("big", Path.of(environment.getRequiredProperty("test.files"), "big.bin"));
		}

	}

}
