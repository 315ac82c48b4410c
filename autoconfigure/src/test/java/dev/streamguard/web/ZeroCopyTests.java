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
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import dev.streamguard.source.ByteSource;
import dev.streamguard.stream.StreamPolicy;
import dev.streamguard.stream.StreamRegistry;
import dev.streamguard.stream.TerminationReason;
import dev.streamguard.test.BinaryHttp;
import dev.streamguard.test.FileServer;
import dev.streamguard.test.RecordingListener;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.Environment;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.core.io.FileSystemResource;
import org.springframework.core.io.Resource;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ZeroCopyHttpOutputMessage;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.util.unit.DataSize;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.reactive.HandlerMapping;
import org.springframework.web.reactive.resource.ResourceWebHandler;
import org.springframework.web.server.ServerWebExchange;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.BDDMockito.given;
import static org.mockito.BDDMockito.then;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.withSettings;

/**
 * Files behind the guard, on a real Reactor Netty server whose pipeline shows what reaches the
 * socket: static files and {@link Resource} bodies keep the zero-copy path and are live streams
 * only where a route says so; a file-backed {@link ByteSource} is answered with zero-copy, full
 * and ranged, as a live stream.
 */
class ZeroCopyTests {

	private static final int FILE_LENGTH = 3 * 1024 * 1024 + 7;

	private static final int BIG_LENGTH = 64 * 1024 * 1024;

	@TempDir
	static Path files;

	private static byte[] content;

	private static FileServer server;

	@BeforeAll
	static void start() throws IOException {
		content = FileServer.writeRandomFile(files.resolve("data.bin"), FILE_LENGTH);
		FileServer.writeRandomFile(files.resolve("guarded/archive.bin"), FILE_LENGTH);
		Files.write(files.resolve("big.bin"), new byte[BIG_LENGTH]);
		server = FileServer.start(FileApplication.class, "spring.web.resources.static-locations=file:" + files + "/",
				"test.files=" + files, "streamguard.routes[/guarded/**].guard-resources=true",
				"streamguard.routes[/streams/big].max-duration=300ms");
	}

	@AfterAll
	static void stop() {
		server.close();
	}

	@BeforeEach
	void forgetEarlierRequests() throws InterruptedException {
		server.forgetEarlierRequests();
	}

	// The decorator

	@Test
	void decoratedResponseOffersZeroCopyWhenTheServerResponseDoes() {
		ServerHttpResponse zeroCopy = mock(ServerHttpResponse.class,
				withSettings().extraInterfaces(ZeroCopyHttpOutputMessage.class));
		assertThat(decorate(zeroCopy)).isInstanceOf(ZeroCopyHttpOutputMessage.class);
	}

	@Test
	void decoratedResponseDoesNotClaimZeroCopyWhenTheServerResponseLacksIt() {
		ServerHttpResponse plain = MockServerWebExchange.from(MockServerHttpRequest.get("/")).getResponse();
		assertThat(plain).isNotInstanceOf(ZeroCopyHttpOutputMessage.class);
		assertThat(decorate(plain)).isNotInstanceOf(ZeroCopyHttpOutputMessage.class);
	}

	@Test
	void zeroCopyWriteOfAnOctetStreamGoesStraightToTheServerResponse() {
		ServerHttpResponse zeroCopy = mock(ServerHttpResponse.class,
				withSettings().extraInterfaces(ZeroCopyHttpOutputMessage.class));
		HttpHeaders headers = new HttpHeaders();
		headers.setContentType(MediaType.APPLICATION_OCTET_STREAM);
		given(zeroCopy.getHeaders()).willReturn(headers);
		Path file = files.resolve("data.bin");
		given(((ZeroCopyHttpOutputMessage) zeroCopy).writeWith(file, 3, 5)).willReturn(Mono.empty());
		ServerHttpResponse decorated = decorate(zeroCopy);
		((ZeroCopyHttpOutputMessage) decorated).writeWith(file, 3, 5).block(Duration.ofSeconds(5));
		then((ZeroCopyHttpOutputMessage) zeroCopy).should().writeWith(file, 3, 5);
		assertThat(headers.containsHeader(StreamGuardWebFilter.STREAM_ID_HEADER)).isFalse();
	}

	@Test
	void staticResourceWrittenAsBuffersIsNoLiveStream() {
		// A static resource that is no file (in a jar, say) reaches the decorator as buffers.
		MockServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/data.bin"));
		exchange.getAttributes().put(HandlerMapping.BEST_MATCHING_HANDLER_ATTRIBUTE, new ResourceWebHandler());
		ServerHttpResponse decorated = decorate(exchange);
		decorated.getHeaders().setContentType(MediaType.APPLICATION_OCTET_STREAM);
		decorated.writeWith(Flux.just(DefaultDataBufferFactory.sharedInstance.wrap(new byte[] { 1, 2, 3 })))
			.block(Duration.ofSeconds(5));
		assertThat(decorated.getHeaders().containsHeader(StreamGuardWebFilter.STREAM_ID_HEADER)).isFalse();
		assertThat(exchange.getResponse().getBodyAsString().block(Duration.ofSeconds(5))).hasSize(3);
	}

	// Static files and resources

	@Test
	void staticBinFileIsServedByteExactWithSendfileAndIsNoLiveStream() throws Exception {
		HttpResponse<byte[]> response = BinaryHttp.get(server.port(), "/data.bin");
		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(response.headers().firstValue("Content-Type")).hasValue("application/octet-stream");
		assertThat(response.body()).isEqualTo(content);
		assertNoLiveStream(response);
		assertThat(server.spy().regionBytes()).isEqualTo(FILE_LENGTH);
	}

	@Test
	void staticFileRangeIsServedWithSendfile() throws Exception {
		HttpResponse<byte[]> response = BinaryHttp.get(server.port(), "/data.bin", "Range", "bytes=1000-200999");
		assertThat(response.statusCode()).isEqualTo(206);
		assertThat(response.body()).isEqualTo(Arrays.copyOfRange(content, 1000, 201000));
		assertNoLiveStream(response);
		assertThat(server.spy().regionBytes()).isEqualTo(200000);
	}

	@Test
	void controllerReturningAFileResourceIsServedWithSendfileAndIsNoLiveStream() throws Exception {
		HttpResponse<byte[]> response = BinaryHttp.get(server.port(), "/resource/file");
		assertThat(response.body()).isEqualTo(content);
		assertNoLiveStream(response);
		assertThat(server.spy().regionBytes()).isEqualTo(FILE_LENGTH);
	}

	@Test
	void controllerReturningAnInMemoryResourceIsNoLiveStream() throws Exception {
		HttpResponse<byte[]> response = BinaryHttp.get(server.port(), "/resource/bytes");
		assertThat(response.headers().firstValue("Content-Type")).hasValue("application/octet-stream");
		assertThat(response.body()).isEqualTo(content);
		assertNoLiveStream(response);
	}

	@Test
	void routeThatGuardsResourcesMakesAStaticFileALiveStreamThatKeepsSendfile() throws Exception {
		HttpResponse<byte[]> response = BinaryHttp.get(server.port(), "/guarded/archive.bin");
		assertThat(response.body()).isEqualTo(content);
		assertThat(response.headers().firstValue(StreamGuardWebFilter.STREAM_ID_HEADER)).isPresent();
		assertThat(server.spy().regionBytes()).isEqualTo(FILE_LENGTH);
		assertCompleted("/**", FILE_LENGTH);
	}

	// File-backed byte sources

	@Test
	void fileSourceAnswerIsSentWithSendfileAsALiveStream() throws Exception {
		HttpResponse<byte[]> response = BinaryHttp.get(server.port(), "/streams/data");
		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(response.headers().firstValue("Content-Length")).hasValue(Integer.toString(FILE_LENGTH));
		assertThat(response.headers().firstValue(StreamGuardWebFilter.STREAM_ID_HEADER)).isPresent();
		assertThat(response.body()).isEqualTo(content);
		assertThat(server.spy().regionBytes()).isEqualTo(FILE_LENGTH);
		assertCompleted("/streams/data", FILE_LENGTH);
	}

	@Test
	void fileSourceRangeIsSentWithSendfile() throws Exception {
		HttpResponse<byte[]> response = BinaryHttp.get(server.port(), "/streams/data", "Range", "bytes=1000-200999");
		assertThat(response.statusCode()).isEqualTo(206);
		assertThat(response.headers().firstValue("Content-Range")).hasValue("bytes 1000-200999/" + FILE_LENGTH);
		assertThat(response.body()).isEqualTo(Arrays.copyOfRange(content, 1000, 201000));
		assertThat(server.spy().regionBytes()).isEqualTo(200000);
		assertCompleted("/streams/data", 200000);
	}

	@Test
	void fileSourceResumeFromAnOffsetIsSentWithSendfile() throws Exception {
		HttpResponse<byte[]> response = BinaryHttp.get(server.port(), "/streams/data", "Range", "bytes=3000000-");
		assertThat(response.statusCode()).isEqualTo(206);
		assertThat(response.body()).isEqualTo(Arrays.copyOfRange(content, 3000000, FILE_LENGTH));
		assertThat(server.spy().regionBytes()).isEqualTo(FILE_LENGTH - 3000000);
		// Also takes this stream's end off the shared listener, where the next test would find it.
		assertCompleted("/streams/data", FILE_LENGTH - 3000000);
	}

	@Test
	void fileSourceRangeUnderAMatchingIfRangeIsSentWithSendfile() throws Exception {
		String tag = BinaryHttp.get(server.port(), "/streams/data", "Range", "bytes=0-0").headers().firstValue("ETag").get();
		assertCompleted("/streams/data", 1);
		server.forgetEarlierRequests();
		HttpResponse<byte[]> response = BinaryHttp.get(server.port(), "/streams/data", "Range", "bytes=-1000",
				"If-Range", tag);
		assertThat(response.statusCode()).isEqualTo(206);
		assertThat(response.body()).isEqualTo(Arrays.copyOfRange(content, FILE_LENGTH - 1000, FILE_LENGTH));
		assertThat(server.spy().regionBytes()).isEqualTo(1000);
		assertCompleted("/streams/data", 1000);
	}

	@Test
	void fileSourceAnswerToAStaleIfRangeIsTheWholeFileSentWithSendfile() throws Exception {
		HttpResponse<byte[]> response = BinaryHttp.get(server.port(), "/streams/data", "Range", "bytes=1000-",
				"If-Range", "\"stale\"");
		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(response.body()).isEqualTo(content);
		assertThat(server.spy().regionBytes()).isEqualTo(FILE_LENGTH);
		assertCompleted("/streams/data", FILE_LENGTH);
	}

	@Test
	void fileSourceNotModifiedAndHeadAnswersSendNoFileAndAreNoLiveStreams() throws Exception {
		HttpResponse<byte[]> head = BinaryHttp.send(server.port(), "HEAD", "/streams/data");
		assertThat(head.statusCode()).isEqualTo(200);
		assertThat(head.headers().firstValue("Content-Length")).hasValue(Integer.toString(FILE_LENGTH));
		assertNoLiveStream(head);
		HttpResponse<byte[]> notModified = BinaryHttp.get(server.port(), "/streams/data", "If-None-Match",
				head.headers().firstValue("ETag").get());
		assertThat(notModified.statusCode()).isEqualTo(304);
		assertNoLiveStream(notModified);
		assertThat(server.spy().regions()).isZero();
	}

	@Test
	void fileSentWithSendfileStillEndsAtItsRoutesMaxDuration() throws Exception {
		try (Socket socket = new Socket()) {
			socket.setReceiveBufferSize(16 * 1024);
			socket.connect(new InetSocketAddress("127.0.0.1", server.port()), 5000);
			socket.getOutputStream()
				.write("GET /streams/big HTTP/1.1\r\nHost: test\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
			// Read nothing: the kernel's buffers fill and the file stays unsent.
			RecordingListener.Ended ended = server.listener().awaitEnd(Duration.ofSeconds(10));
			assertThat(ended.stream().route()).isEqualTo("/streams/big");
			assertThat(ended.reason()).isEqualTo(TerminationReason.MAX_DURATION);
			assertThat(server.spy().regionBytes()).isEqualTo(BIG_LENGTH);
			socket.setSoTimeout(10_000);
			assertThat(drain(socket.getInputStream())).isLessThan(BIG_LENGTH);
		}
	}

	private static void assertNoLiveStream(HttpResponse<byte[]> response) throws InterruptedException {
		// A guarded response registers its stream before its first byte is written.
		assertThat(server.listener().startedCount()).as("streams started").isZero();
		assertThat(response.headers().firstValue(StreamGuardWebFilter.STREAM_ID_HEADER)).isEmpty();
	}

	private static void assertCompleted(String route, long bytes) throws InterruptedException {
		RecordingListener.Ended ended = server.listener().awaitEnd(Duration.ofSeconds(5));
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

	private static ServerHttpResponse decorate(ServerHttpResponse response) {
		return decorate(
				MockServerWebExchange.from(MockServerHttpRequest.get("/data.bin")).mutate().response(response).build());
	}

	private static ServerHttpResponse decorate(ServerWebExchange exchange) {
		StreamPolicy policy = new StreamPolicy(null, null, null, null, null, false, DataSize.ofKilobytes(32),
				DataSize.ofKilobytes(64));
		StreamGuardWebFilter filter = new StreamGuardWebFilter(new StreamRegistry(),
				new StreamPolicyResolver(policy, Map.of()), List.of(), StreamGuardWebFilter.DEFAULT_MEDIA_TYPES,
				Duration.ofSeconds(1));
		AtomicReference<ServerHttpResponse> seen = new AtomicReference<>();
		filter.filter(exchange, (decorated) -> {
			seen.set(decorated.getResponse());
			return Mono.empty();
		}).block(Duration.ofSeconds(5));
		return seen.get();
	}

	@SpringBootConfiguration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	@Import(Resources.class)
	static class FileApplication {

		@Bean
		ByteSource data(Environment environment) {
			return ByteSource.ofFile("data", Path.of(environment.getRequiredProperty("test.files"), "data.bin"));
		}

		@Bean
		ByteSource big(Environment environment) {
			return ByteSource.ofFile("big", Path.of(environment.getRequiredProperty("test.files"), "big.bin"));
		}

	}

	@RestController
	static class Resources {

		private final Path file;

		Resources(Environment environment) {
			this.file = Path.of(environment.getRequiredProperty("test.files"), "data.bin");
		}

		@GetMapping(path = "/resource/file", produces = MediaType.APPLICATION_OCTET_STREAM_VALUE)
		Resource file() {
			return new FileSystemResource(this.file);
		}

		@GetMapping(path = "/resource/bytes", produces = MediaType.APPLICATION_OCTET_STREAM_VALUE)
		Mono<Resource> bytes() {
			return Mono.just(new ByteArrayResource(content));
		}

	}

}
