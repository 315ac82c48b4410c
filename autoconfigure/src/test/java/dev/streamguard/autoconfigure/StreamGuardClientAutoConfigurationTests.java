package dev.streamguard.autoconfigure;

import dev.streamguard.client.StreamGuardClient;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.properties.bind.UnboundConfigurationPropertiesException;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link StreamGuardClientAutoConfiguration} and the binding of its
 * {@link StreamGuardClientProperties} beside {@link StreamGuardProperties}.
 */
class StreamGuardClientAutoConfigurationTests {

	private final ReactiveWebApplicationContextRunner contextRunner = new ReactiveWebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(StreamGuardClientAutoConfiguration.class));

	@Test
	void clientIsConfiguredFromItsOwnProperties() {
		this.contextRunner.withPropertyValues("streamguard.client.retry.max-attempts=3").run((context) -> {
			assertThat(context).hasSingleBean(StreamGuardClient.class)
				.hasSingleBean(StreamGuardClientProperties.class)
				.doesNotHaveBean(StreamGuardProperties.class);
			assertThat(context.getBean(StreamGuardClientProperties.class).getRetry().getMaxAttempts()).isEqualTo(3);
		});
	}

	@Test
	void backsOffWithoutWebClient() {
		this.contextRunner.withClassLoader(new FilteredClassLoader(WebClient.class))
			.run((context) -> assertThat(context).doesNotHaveBean(StreamGuardClient.class));
	}

	@Test
	void requestHeaderTimeoutOfTheClientFailsStartupAsAnUnknownKey() {
		this.contextRunner.withPropertyValues("streamguard.client.transport.request-header-timeout=10s")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.isInstanceOf(UnboundConfigurationPropertiesException.class)
				.hasMessageContaining("streamguard.client.transport.request-header-timeout"));
	}

	@Test
	void clientKeysLeaveTheServersStrictBindingAlone() {
		this.contextRunner.withConfiguration(AutoConfigurations.of(StreamGuardAutoConfiguration.class))
			.withPropertyValues("streamguard.client.read-idle-timeout=10s",
					"streamguard.client.transport.keepalive.idle=20s", "streamguard.stall-timeout=30s")
			.run((context) -> assertThat(context).hasNotFailed()
				.hasSingleBean(StreamGuardProperties.class)
				.hasSingleBean(StreamGuardClientProperties.class));
	}

	@Test
	void misspeltClientKeyFailsStartupBesideTheServer() {
		this.contextRunner.withConfiguration(AutoConfigurations.of(StreamGuardAutoConfiguration.class))
			.withPropertyValues("streamguard.client.read-idle-timout=10s")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("streamguard.client.read-idle-timout"));
	}

	@Test
	void badRetryValuesFailStartupNamingPropertyAndValue() {
		this.contextRunner
			.withPropertyValues("streamguard.client.retry.max-attempts=0", "streamguard.client.retry.jitter=1.5",
					"streamguard.client.retry.initial-backoff=0")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("streamguard.client.retry.max-attempts (0) must be at least 1")
				.hasMessageContaining("streamguard.client.retry.jitter (1.5) must be from 0 up to (not including) 1")
				.hasMessageContaining("streamguard.client.retry.initial-backoff (PT0S) must be more than 0"));
	}

	@Test
	void clientKeepaliveUnderOneSecondFailsStartup() {
		this.contextRunner.withPropertyValues("streamguard.client.transport.keepalive.idle=500ms")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("streamguard.client.transport.keepalive.idle (PT0.5S) must be at least 1s"));
	}

}
