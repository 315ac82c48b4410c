package dev.streamguard.client;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeoutException;

import dev.streamguard.autoconfigure.StreamGuardClientAutoConfiguration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.resources.LoopResources;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.client.ReactorResourceFactory;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The auto-configured {@link StreamGuardClient} runs on the application's Reactor Netty resources
 * and keeps the application's WebClient.Builder, its read-idle timeout included.
 */
class StreamGuardClientResourcesTests {

	private static final String LOOP_PREFIX = "app-loops";

	private final ReactiveWebApplicationContextRunner contextRunner = new ReactiveWebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(StreamGuardClientAutoConfiguration.class))
		.withUserConfiguration(ApplicationResources.class);

	private DisposableServer server;

	@BeforeEach
	void startServer() {
		// One event naming the X-From header it was asked with, then an open connection that stays quiet.
		this.server = HttpServer.create()
			.host("127.0.0.1")
			.port(0)
			.route((routes) -> routes.get("/events",
					(request, response) -> response.header("Content-Type", "text/event-stream")
						.sendString(Flux.just("id: 1\ndata: " + request.requestHeaders().get("X-From") + "\n\n")
							.concatWith(Mono.never()))))
			.bindNow();
	}

	@AfterEach
	void stopServer() {
		this.server.disposeNow();
	}

	@Test
	void connectionsRunOnTheApplicationsEventLoops() {
		this.contextRunner.run((context) -> {
			StreamGuardClient client = context.getBean(StreamGuardClient.class);
			String thread = client.events(url())
				.map((event) -> Thread.currentThread().getName())
				.blockFirst(Duration.ofSeconds(5));
			assertThat(thread).startsWith(LOOP_PREFIX);
		});
	}

	@Test
	void applicationsBuilderAndReadIdleTimeoutApply() {
		this.contextRunner
			.withPropertyValues("streamguard.client.read-idle-timeout=2s", "streamguard.client.retry.max-attempts=1")
			.withBean(WebClient.Builder.class,
					() -> WebClient.builder().defaultHeader("X-From", "application-builder"))
			.run((context) -> {
				StreamGuardClient client = context.getBean(StreamGuardClient.class);
				List<StreamEvent<String>> received = new CopyOnWriteArrayList<>();
				assertThatExceptionOfType(RuntimeException.class)
					.isThrownBy(() -> client.events(url()).doOnNext(received::add).blockLast(Duration.ofSeconds(10)))
					.withRootCauseInstanceOf(TimeoutException.class);
				assertThat(received).extracting(StreamEvent::data).containsExactly("application-builder");
			});
	}

	private String url() {
		return "http://127.0.0.1:" + this.server.port() + "/events";
	}

	@Configuration(proxyBeanMethods = false)
	static class ApplicationResources {

		@Bean
		ReactorResourceFactory reactorResourceFactory() {
			ReactorResourceFactory factory = new ReactorResourceFactory();
			factory.setUseGlobalResources(false);
			factory.setLoopResourcesSupplier(() -> LoopResources.create(LOOP_PREFIX, 1, true));
			return factory;
		}

	}

}
