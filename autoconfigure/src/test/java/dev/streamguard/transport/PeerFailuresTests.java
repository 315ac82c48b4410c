package dev.streamguard.transport;

import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;

import dev.streamguard.test.Capabilities;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.unix.Errors;
import io.netty.channel.unix.Errors.NativeIoException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.mockito.BDDMockito.given;
import static org.mockito.Mockito.mock;

/**
 * Tests for {@link PeerFailures}: the errno of a native failure decides, whatever its message.
 */
class PeerFailuresTests {

	private static final int ETIMEDOUT = 110;

	private static final int EHOSTUNREACH = 113;

	private static final int ENETUNREACH = 101;

	private static final int ECONNRESET = 104;

	private static final int EPIPE = 32;

	private static final int ECONNREFUSED = 111;

	@Test
	void timedOutPeerIsUnresponsive() {
		assertThat(PeerFailures.isPeerUnresponsive(nativeFailure(ETIMEDOUT, "Connection timed out"))).isTrue();
	}

	@Test
	void unreachableHostIsUnresponsive() {
		assertThat(PeerFailures.isPeerUnresponsive(nativeFailure(EHOSTUNREACH, "No route to host"))).isTrue();
	}

	@Test
	void unreachableNetworkIsUnresponsive() {
		assertThat(PeerFailures.isPeerUnresponsive(nativeFailure(ENETUNREACH, "Network is unreachable"))).isTrue();
	}

	@Test
	void unansweredHttp2PingIsUnresponsive() {
		IOException timedOut = new Http2PingLiveness.PingTimeoutException("Peer sent nothing for 20000 ms after a PING");
		assertThat(PeerFailures.isPeerUnresponsive(timedOut)).isTrue();
		assertThat(PeerFailures.isPeerUnresponsive(new IllegalStateException("stream reset", timedOut))).isTrue();
	}

	@Test
	void resetConnectionIsNotUnresponsive() {
		assertThat(PeerFailures.isPeerUnresponsive(nativeFailure(ECONNRESET, "Connection reset by peer"))).isFalse();
	}

	@Test
	void brokenPipeIsNotUnresponsive() {
		assertThat(PeerFailures.isPeerUnresponsive(nativeFailure(EPIPE, "Broken pipe"))).isFalse();
	}

	@Test
	void timedOutPeerIsUnresponsiveInAnyLocale() {
		// strerror(ETIMEDOUT) under a German C library locale
		assertThat(PeerFailures.isPeerUnresponsive(
				nativeFailure(ETIMEDOUT, "Die Wartezeit für die Verbindung ist abgelaufen")))
			.isTrue();
		assertThat(PeerFailures.isPeerUnresponsive(nativeFailure(EHOSTUNREACH, "Keine Route zum Zielrechner")))
			.isTrue();
	}

	@Test
	void errnoOfANativeFailureOutweighsItsMessage() {
		assertThat(PeerFailures.isPeerUnresponsive(nativeFailure(ECONNRESET, "connection timed out"))).isFalse();
	}

	@Test
	void nativeFailureIsFoundAmongTheCauses() {
		assertThat(PeerFailures.isPeerUnresponsive(
				new IllegalStateException("write failed", nativeFailure(ETIMEDOUT, "Zeitüberschreitung"))))
			.isTrue();
	}

	@Test
	void nettysOwnNativeFailuresCarryTheErrnoThatDecides() {
		Capabilities.requireEpoll();
		assertThat(PeerFailures.isPeerUnresponsive(Errors.newIOException("writev", -ETIMEDOUT))).isTrue();
		assertThat(PeerFailures.isPeerUnresponsive(Errors.newIOException("writev", -EHOSTUNREACH))).isTrue();
		assertThat(PeerFailures.isPeerUnresponsive(Errors.newConnectionResetException("writev", -ECONNRESET)))
			.isFalse();
		assertThat(PeerFailures.isPeerUnresponsive(Errors.newIOException("writev", -EPIPE))).isFalse();
	}

	@Test
	void nettysNativeConnectFailuresAreToldApartByTheirErrno() {
		Capabilities.requireEpoll();
		assertThat(connectFailure(-ETIMEDOUT)).isExactlyInstanceOf(ConnectException.class);
		assertThat(PeerFailures.isPeerUnresponsive(connectFailure(-ETIMEDOUT))).isTrue();
		assertThat(connectFailure(-EHOSTUNREACH)).isInstanceOf(NoRouteToHostException.class);
		assertThat(PeerFailures.isPeerUnresponsive(connectFailure(-EHOSTUNREACH))).isTrue();
		assertThat(PeerFailures.isPeerUnresponsive(connectFailure(-ECONNREFUSED))).isFalse();
	}

	@Test
	void connectTimeoutIsUnresponsive() {
		assertThat(PeerFailures.isPeerUnresponsive(new ConnectTimeoutException("connection timed out: /10.0.0.1")))
			.isTrue();
		assertThat(PeerFailures.isPeerUnresponsive(new RuntimeException(new NoRouteToHostException("x")))).isTrue();
	}

	@Test
	void nioFailuresWithoutACodeFallBackToTheirEnglishMessage() {
		assertThat(PeerFailures.isPeerUnresponsive(new IOException("Connection timed out"))).isTrue();
		assertThat(PeerFailures.isPeerUnresponsive(new IOException("No route to host"))).isTrue();
		assertThat(PeerFailures.isPeerUnresponsive(new IOException("Connection reset by peer"))).isFalse();
		assertThat(PeerFailures.isPeerUnresponsive(new IOException("Broken pipe"))).isFalse();
		assertThat(PeerFailures.isPeerUnresponsive(new IOException((String) null))).isFalse();
		assertThat(PeerFailures.isPeerUnresponsive(null)).isFalse();
	}

	/**
	 * A native failure with the given errno and message: a real one takes its message from the C
	 * library of this machine, in this machine's locale.
	 */
	private static NativeIoException nativeFailure(int errno, String strerror) {
		NativeIoException failure = mock(NativeIoException.class);
		given(failure.expectedErr()).willReturn(-errno);
		given(failure.getMessage()).willReturn("writev(..) failed with error(" + -errno + "): " + strerror);
		return failure;
	}

	private static Throwable connectFailure(int negativeErrno) {
		return catchThrowable(() -> Errors.throwConnectException("connect", negativeErrno));
	}

}
