package dev.streamguard.web;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;

import dev.streamguard.stream.StreamPolicy;
import dev.streamguard.stream.StreamRegistry;
import dev.streamguard.stream.TerminationReason;
import dev.streamguard.test.BinaryHttp;
import dev.streamguard.test.FileRegionSpy;
import dev.streamguard.test.RecordingListener;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Mono;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.core.io.ByteArrayResource;
import org.springframework.core.env.Environment;
import org.springframework.core.io.FileSystemResource;
import org.springframework.core.io.Resource;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ZeroCopyHttpOutputMessage;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.util.unit.DataSize;
import org.springframework.web.server.ServerWebExchange;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.BDDMockito.given;
import static org.mockito.BDDMockito.then;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.withSettings;

/**
 * Static files and {@link Resource} bodies behind the guard: the server's zero-copy path stays
 * open, and a file is a live stream only where a route says so.
 */
class StaticFileZeroCopyTests {

	private static final int FILE_LENGTH = 3 * 1024 * 1024 + 7;

	@TempDir
	static Path files;

	private static byte[] content;

	private static ConfigurableApplicationContext context;

	private static int port;

	@BeforeAll
	static void start() throws IOException {
		content = new byte[FILE_LENGTH];
		new Random(7).nextBytes(content);
		Files.write(files.resolve("data.bin"), content);
		Files.createDirectories(files.resolve("guarded"));
		Files.write(files.resolve("guarded/archive.bin"), content);
		context = new SpringApplicationBuilder(FileApplication.class).web(WebApplicationType.REACTIVE)
			.properties("server.port=0", "server.address=127.0.0.1", "spring.main.banner-mode=off",
					"server.shutdown=immediate", "spring.web.resources.static-locations=file:" + files + "/",
					"test.file=" + files.resolve("data.bin"), "streamguard.routes[/guarded/**].guard-resources=true")
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
	void staticBinFileIsServedByteExactWithSendfileAndIsNoLiveStream() throws Exception {
		HttpResponse<byte[]> response = BinaryHttp.get(port, "/data.bin");
		assertThat(response.statusCode()).isEqualTo(200);
		assertThat(response.headers().firstValue("Content-Type")).hasValue("application/octet-stream");
		assertThat(response.body()).isEqualTo(content);
		assertNoLiveStream(response);
		assertThat(spy().regionBytes()).isEqualTo(FILE_LENGTH);
	}

	@Test
	void staticFileRangeIsServedWithSendfile() throws Exception {
		HttpResponse<byte[]> response = BinaryHttp.get(port, "/data.bin", "Range", "bytes=1000-200999");
		assertThat(response.statusCode()).isEqualTo(206);
		assertThat(response.body()).isEqualTo(Arrays.copyOfRange(content, 1000, 201000));
		assertNoLiveStream(response);
		assertThat(spy().regionBytes()).isEqualTo(200000);
	}

	@Test
	void controllerReturningAFileResourceIsServedWithSendfileAndIsNoLiveStream() throws Exception {
		HttpResponse<byte[]> response = BinaryHttp.get(port, "/resource/file");
		assertThat(response.body()).isEqualTo(content);
		assertNoLiveStream(response);
		assertThat(spy().regionBytes()).isEqualTo(FILE_LENGTH);
	}

	@Test
	void controllerReturningAnInMemoryResourceIsNoLiveStream() throws Exception {
		HttpResponse<byte[]> response = BinaryHttp.get(port, "/resource/bytes");
		assertThat(response.headers().firstValue("Content-Type")).hasValue("application/octet-stream");
		assertThat(response.body()).isEqualTo(content);
		assertNoLiveStream(response);
	}

	@Test
	void routeThatGuardsResourcesMakesAStaticFileALiveStreamThatKeepsSendfile() throws Exception {
		HttpResponse<byte[]> response = BinaryHttp.get(port, "/guarded/archive.bin");
		assertThat(response.body()).isEqualTo(content);
		assertThat(response.headers().firstValue(StreamGuardWebFilter.STREAM_ID_HEADER)).isPresent();
		RecordingListener.Ended ended = listener().awaitEnd(Duration.ofSeconds(5));
		assertThat(ended.reason()).isEqualTo(TerminationReason.COMPLETED);
		assertThat(ended.stream().bytesSent()).isEqualTo(FILE_LENGTH);
		assertThat(spy().regionBytes()).isEqualTo(FILE_LENGTH);
	}

	private static void assertNoLiveStream(HttpResponse<byte[]> response) throws InterruptedException {
		assertThat(response.headers().firstValue(StreamGuardWebFilter.STREAM_ID_HEADER)).isEmpty();
		// Every stream that starts ends, at the latest once its response is written.
		assertThat(listener().pollEnd(Duration.ofMillis(200))).isNull();
	}

	private static ServerHttpResponse decorate(ServerHttpResponse response) {
		StreamPolicy policy = new StreamPolicy(null, null, null, null, null, false, DataSize.ofKilobytes(32),
				DataSize.ofKilobytes(64));
		StreamGuardWebFilter filter = new StreamGuardWebFilter(new StreamRegistry(),
				new StreamPolicyResolver(policy, Map.of()), List.of(), StreamGuardWebFilter.DEFAULT_MEDIA_TYPES,
				Duration.ofSeconds(1));
		ServerWebExchange exchange = MockServerWebExchange.from(MockServerHttpRequest.get("/data.bin"))
			.mutate()
			.response(response)
			.build();
		AtomicReference<ServerHttpResponse> seen = new AtomicReference<>();
		filter.filter(exchange, (decorated) -> {
			seen.set(decorated.getResponse());
			return Mono.empty();
		}).block(Duration.ofSeconds(5));
		return seen.get();
	}

	private static FileRegionSpy spy() {
		return context.getBean(FileRegionSpy.class);
	}

	private static RecordingListener listener() {
		return context.getBean(RecordingListener.class);
	}

	@SpringBootConfiguration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	@Import(Resources.class)
	static class FileApplication {

		@Bean
		FileRegionSpy fileRegionSpy() {
			return new FileRegionSpy();
		}

		@Bean
		RecordingListener recordingListener() {
			return new RecordingListener();
		}

	}

	@RestController
	static class Resources {

		private final Path file;

		Resources(Environment environment) {
			this.file = Path.of(environment.getRequiredProperty("test.file"));
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
