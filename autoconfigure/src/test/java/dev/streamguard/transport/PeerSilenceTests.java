package dev.streamguard.transport;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * When the kernel's view makes a peer silent: not on elapsed time alone, which a live peer on a
 * lossy link can pass while the kernel's own retransmission timer is backed off.
 */
class PeerSilenceTests {

	private static final long USER_TIMEOUT = Duration.ofSeconds(3).toNanos();

	@Test
	void dataInFlightWithoutAnAcknowledgementForTheUserTimeoutIsNotSilenceUntilRetransmittedThreeTimes() {
		assertThat(PeerProgress.silent(info(253, 1, 0, Duration.ofSeconds(24)), USER_TIMEOUT)).isFalse();
		assertThat(PeerProgress.silent(info(253, 2, 0, Duration.ofSeconds(24)), USER_TIMEOUT)).isFalse();
		assertThat(PeerProgress.silent(info(253, 3, 0, Duration.ofSeconds(4)), USER_TIMEOUT)).isTrue();
	}

	@Test
	void aClosedWindowIsSilenceOnlyAfterThreeUnansweredProbes() {
		assertThat(PeerProgress.silent(info(0, 0, 2, Duration.ofSeconds(10)), USER_TIMEOUT)).isFalse();
		assertThat(PeerProgress.silent(info(0, 0, 3, Duration.ofSeconds(10)), USER_TIMEOUT)).isTrue();
	}

	@Test
	void nothingIsSilenceBeforeTheUserTimeout() {
		assertThat(PeerProgress.silent(info(253, 9, 0, Duration.ofSeconds(2)), USER_TIMEOUT)).isFalse();
		assertThat(PeerProgress.silent(info(0, 0, 9, Duration.ofSeconds(2)), USER_TIMEOUT)).isFalse();
		assertThat(PeerProgress.silent(info(0, 0, 0, Duration.ofSeconds(60)), USER_TIMEOUT)).isFalse();
	}

	private static TcpInfo info(long unacked, int retransmits, int probes, Duration sinceLastAck) {
		return new TcpInfo(Duration.ofMillis(1), Duration.ofMillis(1), unacked, retransmits, retransmits, probes,
				sinceLastAck, Duration.ofMillis(100), retransmits + probes);
	}

}
