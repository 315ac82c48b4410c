package dev.streamguard.metrics;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;

import dev.streamguard.stream.LiveStream;
import dev.streamguard.stream.TerminationReason;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.tck.TestObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistryAssert;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Meters and observations of {@link StreamMetrics}, for every termination reason.
 */
class StreamMetricsTests {

	private final MeterRegistry registry = new SimpleMeterRegistry();

	private final TestObservationRegistry observations = TestObservationRegistry.create();

	private final StreamMetrics metrics = new StreamMetrics(this.registry, this.observations);

	@ParameterizedTest
	@EnumSource(value = TerminationReason.class, mode = EnumSource.Mode.EXCLUDE, names = "REJECTED")
	void endedStreamIsCountedAndTimedWithItsReason(TerminationReason reason) {
		FakeStream stream = new FakeStream("/feed/{id}", 1000, 3);
		this.metrics.onStart(stream.stream());
		assertThat(this.registry.get("streamguard.streams.active").tag("route", "/feed/{id}").gauge().value())
			.isOne();
		this.metrics.onEnd(stream.stream(), reason);
		assertThat(this.registry.get("streamguard.streams.ended")
			.tags("route", "/feed/{id}", "reason", reason.code(), "media.type", "text/event-stream")
			.counter()
			.count()).isOne();
		assertThat(this.registry.get("streamguard.stream.duration")
			.tags("route", "/feed/{id}", "reason", reason.code())
			.timer()
			.totalTime(java.util.concurrent.TimeUnit.MILLISECONDS)).isEqualTo(1500);
		assertThat(this.registry.get("streamguard.streams.active").tag("route", "/feed/{id}").gauge().value())
			.isZero();
		assertThat(this.registry.get("streamguard.stream.sent").tag("route", "/feed/{id}").functionCounter().count())
			.isEqualTo(1000);
		assertThat(this.registry.get("streamguard.stream.stalls").functionCounter().count()).isEqualTo(3);
		TestObservationRegistryAssert.assertThat(this.observations)
			.hasObservationWithNameEqualTo(StreamMetrics.OBSERVATION_NAME)
			.that()
			.hasBeenStarted()
			.hasBeenStopped()
			.hasLowCardinalityKeyValue("route", "/feed/{id}")
			.hasLowCardinalityKeyValue("reason", reason.code());
	}

	@Test
	void liveStreamsCountTowardsSentBytesAndPendingWhileTheyRun() {
		FakeStream first = new FakeStream("/bulk", 10, 0);
		FakeStream second = new FakeStream("/bulk", 20, 0);
		this.metrics.onStart(first.stream());
		this.metrics.onStart(second.stream());
		first.bytes(500);
		first.pending(64);
		assertThat(this.registry.get("streamguard.stream.sent").functionCounter().count()).isEqualTo(520);
		assertThat(this.registry.get("streamguard.stream.pending").gauge().value()).isEqualTo(64);
		assertThat(this.registry.get("streamguard.streams.active").gauge().value()).isEqualTo(2);
		this.metrics.onEnd(first.stream(), TerminationReason.COMPLETED);
		second.bytes(30);
		assertThat(this.registry.get("streamguard.stream.sent").functionCounter().count()).isEqualTo(530);
	}

	@Test
	void rejectedStreamsAreCountedWithoutStarting() {
		this.metrics.onRejected("/feed", "text/event-stream", "limit");
		assertThat(this.registry.get("streamguard.streams.ended").tag("reason", "rejected").counter().count())
			.isOne();
		assertThat(this.registry.find("streamguard.streams.active").gauge()).isNull();
	}

	@Test
	void noTagCarriesAStreamIdOrAddress() {
		FakeStream stream = new FakeStream("/feed", 1, 0);
		this.metrics.onStart(stream.stream());
		this.metrics.onEnd(stream.stream(), TerminationReason.CLIENT_CLOSED);
		assertThat(this.registry.getMeters()).as("meters")
			.isNotEmpty()
			.anySatisfy((meter) -> assertThat(meter.getId().getTag("route")).isEqualTo("/feed"))
			.allSatisfy((meter) -> assertThat(meter.getId().getTags())
			.allSatisfy((tag) -> assertThat(tag.getValue()).doesNotContain(stream.id()).doesNotContain("10.0.0.1")));
	}

	/**
	 * A live stream whose figures the test sets.
	 */
	static final class FakeStream {

		private final LiveStream mock = org.mockito.Mockito.mock(LiveStream.class);

		private final String id = java.util.UUID.randomUUID().toString();

		FakeStream(String route, long bytes, long windowFull) {
			org.mockito.BDDMockito.given(this.mock.id()).willReturn(this.id);
			org.mockito.BDDMockito.given(this.mock.route()).willReturn(route);
			org.mockito.BDDMockito.given(this.mock.mediaType()).willReturn("text/event-stream");
			org.mockito.BDDMockito.given(this.mock.remoteAddress())
				.willReturn(Optional.of(new InetSocketAddress("10.0.0.1", 4000)));
			org.mockito.BDDMockito.given(this.mock.age()).willReturn(Duration.ofMillis(1500));
			org.mockito.BDDMockito.given(this.mock.windowFullCount()).willReturn(windowFull);
			bytes(bytes);
			pending(0);
		}

		void bytes(long bytes) {
			org.mockito.BDDMockito.given(this.mock.bytesSent()).willReturn(bytes);
		}

		void pending(long pending) {
			org.mockito.BDDMockito.given(this.mock.pendingBytes()).willReturn(pending);
		}

		String id() {
			return this.id;
		}

		LiveStream stream() {
			return this.mock;
		}

	}

}
