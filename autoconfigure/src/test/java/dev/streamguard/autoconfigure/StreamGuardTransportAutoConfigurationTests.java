package dev.streamguard.autoconfigure;

import java.time.Duration;

import dev.streamguard.transport.TransportOptions;
import dev.streamguard.transport.TransportStatus;
import org.junit.jupiter.api.Test;
import reactor.netty.http.server.HttpServer;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link StreamGuardTransportAutoConfiguration}.
 */
class StreamGuardTransportAutoConfigurationTests {

	private final ReactiveWebApplicationContextRunner contextRunner = new ReactiveWebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(StreamGuardTransportAutoConfiguration.class));

	@Test
	void appliesUserTimeoutAndKeepaliveByDefault() {
		this.contextRunner.run((context) -> {
			assertThat(context).hasSingleBean(StreamGuardNettyServerCustomizer.class);
			TransportOptions options = context.getBean(TransportStatus.class).requested();
			assertThat(options.userTimeout()).isEqualTo(Duration.ofSeconds(30));
			assertThat(options.keepalive()).isTrue();
			assertThat(options.keepaliveIdle()).isEqualTo(Duration.ofSeconds(30));
			assertThat(options.keepaliveInterval()).isEqualTo(Duration.ofSeconds(10));
			assertThat(options.keepaliveCount()).isEqualTo(3);
		});
	}

	@Test
	void zeroUserTimeoutAndDisabledKeepaliveSetNothing() {
		this.contextRunner
			.withPropertyValues("streamguard.transport.user-timeout=0",
					"streamguard.transport.keepalive.enabled=false")
			.run((context) -> assertThat(context.getBean(TransportStatus.class).requested().isEmpty()).isTrue());
	}

	@Test
	void customizerAddsAChannelInitializerToTheServer() {
		this.contextRunner.run((context) -> {
			HttpServer server = HttpServer.create();
			HttpServer customized = context.getBean(StreamGuardNettyServerCustomizer.class).apply(server);
			assertThat(customized).isNotSameAs(server);
			assertThat(customized.configuration().doOnChannelInit()).isNotNull();
		});
	}

	@Test
	void backsOffWhenDisabled() {
		this.contextRunner.withPropertyValues("streamguard.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(StreamGuardNettyServerCustomizer.class));
	}

	@Test
	void backsOffWithoutReactorNetty() {
		this.contextRunner.withClassLoader(new FilteredClassLoader(HttpServer.class))
			.run((context) -> assertThat(context).doesNotHaveBean(StreamGuardNettyServerCustomizer.class));
	}

	@Test
	void keepaliveIntervalUnderOneSecondFailsStartup() {
		this.contextRunner.withPropertyValues("streamguard.transport.keepalive.interval=500ms")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("streamguard.transport.keepalive.interval (PT0.5S) must be at least 1s"));
	}

	@Test
	void negativeUserTimeoutFailsStartup() {
		this.contextRunner.withPropertyValues("streamguard.transport.user-timeout=-1s")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("streamguard.transport.user-timeout (PT-1S) must not be negative"));
	}

	@Test
	void userBeansReplaceOurs() {
		TransportStatus mine = new TransportStatus(TransportOptions.NONE);
		this.contextRunner.withBean(TransportStatus.class, () -> mine)
			.run((context) -> assertThat(context.getBean(TransportStatus.class)).isSameAs(mine));
	}

}
