package dev.streamguard.autoconfigure;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code streamguard.http2.*} properties: their defaults, and values that fail startup
 * naming the property and the value.
 */
class StreamGuardHttp2PropertiesTests {

	private final ReactiveWebApplicationContextRunner contextRunner = new ReactiveWebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(StreamGuardAutoConfiguration.class));

	@Test
	void defaultsNeverCutALiveFarAwayClient() {
		this.contextRunner.run((context) -> {
			StreamGuardProperties.Http2 http2 = context.getBean(StreamGuardProperties.class).getHttp2();
			assertThat(http2.getMaxConcurrentStreams()).isEqualTo(100);
			assertThat(http2.getPing().getInterval()).isEqualTo(Duration.ofSeconds(30));
			assertThat(http2.getPing().getAckTimeout()).isEqualTo(Duration.ofSeconds(20));
		});
	}

	@Test
	void zeroDisablesThePing() {
		this.contextRunner.withPropertyValues("streamguard.http2.ping.interval=0", "streamguard.http2.ping.ack-timeout=0")
			.run((context) -> assertThat(context).hasNotFailed());
	}

	@Test
	void aNegativePingIntervalFailsStartup() {
		this.contextRunner.withPropertyValues("streamguard.http2.ping.interval=-1s")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("streamguard.http2.ping.interval (PT-1S) must not be negative"));
	}

	@Test
	void aNegativeAckTimeoutFailsStartup() {
		this.contextRunner.withPropertyValues("streamguard.http2.ping.ack-timeout=-5s")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("streamguard.http2.ping.ack-timeout (PT-5S) must not be negative"));
	}

	@Test
	void noConcurrentStreamsFailsStartup() {
		this.contextRunner.withPropertyValues("streamguard.http2.max-concurrent-streams=0")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("streamguard.http2.max-concurrent-streams (0) must be between 1 and 2147483647"));
	}

	@Test
	void tooManyConcurrentStreamsFailsStartup() {
		this.contextRunner.withPropertyValues("streamguard.http2.max-concurrent-streams=4294967296")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("streamguard.http2.max-concurrent-streams (4294967296) must be between 1"));
	}

}
