package dev.streamguard.test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.streamguard.stream.StreamRegistry;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.web.reactive.HandlerMapping;
import org.springframework.web.reactive.handler.SimpleUrlHandlerMapping;
import org.springframework.web.reactive.socket.WebSocketHandler;

/**
 * A real StreamGuard server on a random port of 127.0.0.1 (or all addresses, for tests whose
 * clients live in another network namespace).
 */
public final class TestServer implements AutoCloseable {

	private final ConfigurableApplicationContext context;

	private TestServer(ConfigurableApplicationContext context) {
		this.context = context;
	}

	public static TestServer start(String... properties) {
		List<String> all = new ArrayList<>(List.of("server.port=0", "server.address=127.0.0.1",
				"spring.main.banner-mode=off", "server.shutdown=immediate",
				// A test that ends with a download still live closes its server within a second,
				// not the default 20 s; the drain tests set their own.
				"streamguard.drain.timeout=1s"));
		all.addAll(List.of(properties));
		ConfigurableApplicationContext context = new SpringApplicationBuilder(TestApplication.class)
			.web(WebApplicationType.REACTIVE)
			.properties(all.toArray(String[]::new))
			.run();
		return new TestServer(context);
	}

	public int port() {
		return Integer.parseInt(this.context.getEnvironment().getRequiredProperty("local.server.port"));
	}

	public Probe probe() {
		return this.context.getBean(Probe.class);
	}

	public RecordingListener listener() {
		return this.context.getBean(RecordingListener.class);
	}

	public StreamRegistry registry() {
		return this.context.getBean(StreamRegistry.class);
	}

	public ConfigurableApplicationContext context() {
		return this.context;
	}

	@Override
	public void close() {
		this.context.close();
	}

	@SpringBootConfiguration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	@Import({ TestStreams.class, TestSources.class })
	static class TestApplication {

		@Bean
		Probe probe() {
			return new Probe();
		}

		@Bean
		RecordingListener recordingListener() {
			return new RecordingListener();
		}

		/** A WebSocket that echoes every text message, at {@code /test/ws/echo}. */
		@Bean
		HandlerMapping echoWebSocket() {
			WebSocketHandler echo = (session) -> session
				.send(session.receive().map((message) -> session.textMessage(message.getPayloadAsText())));
			return new SimpleUrlHandlerMapping(Map.of("/test/ws/echo", echo), -1);
		}

	}

}
