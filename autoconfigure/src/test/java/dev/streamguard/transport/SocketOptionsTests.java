package dev.streamguard.transport;

import java.time.Duration;

import dev.streamguard.test.Capabilities;
import io.netty.channel.Channel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Options are set with the family of the channel's own transport and read back from the socket.
 */
class SocketOptionsTests {

	private final SocketOptions options = new SocketOptions(TransportOptions.NONE.withUserTimeout(Duration.ofSeconds(7))
		.withKeepalive(Duration.ofSeconds(40), Duration.ofSeconds(5), 4));

	@Test
	void epollSocketGetsUserTimeoutAndKeepaliveReadBackFromTheKernel() {
		Capabilities.requireEpoll();
		Channel channel = new EpollSocketChannel();
		try {
			EffectiveTransport effective = this.options.apply(channel);
			assertThat(effective.kind()).isEqualTo(TransportKind.EPOLL);
			assertThat(effective.userTimeout()).isEqualTo(Duration.ofSeconds(7));
			assertThat(effective.keepalive()).isTrue();
			assertThat(effective.keepaliveIdle()).isEqualTo(Duration.ofSeconds(40));
			assertThat(effective.keepaliveInterval()).isEqualTo(Duration.ofSeconds(5));
			assertThat(effective.keepaliveCount()).isEqualTo(4);
			assertThat(effective.describe()).isEqualTo(
					"epoll, TCP_USER_TIMEOUT 7000 ms, keepalive on (idle 40 s, interval 5 s, count 4)");
		}
		finally {
			channel.unsafe().closeForcibly();
		}
	}

	@Test
	void nioSocketGetsKeepaliveButNoUserTimeout() {
		Channel channel = new NioSocketChannel();
		try {
			EffectiveTransport effective = this.options.apply(channel);
			assertThat(effective.kind()).isEqualTo(TransportKind.NIO);
			assertThat(effective.userTimeout()).isNull();
			assertThat(effective.keepalive()).isTrue();
			assertThat(effective.keepaliveIdle()).isEqualTo(Duration.ofSeconds(40));
			assertThat(effective.keepaliveCount()).isEqualTo(4);
			assertThat(TransportKind.NIO.supportsUserTimeout()).isFalse();
		}
		finally {
			channel.unsafe().closeForcibly();
		}
	}

	@Test
	void disabledOptionsLeaveTheSocketAlone() {
		Capabilities.requireEpoll();
		Channel channel = new EpollSocketChannel();
		try {
			EffectiveTransport effective = new SocketOptions(TransportOptions.NONE).apply(channel);
			assertThat(effective.userTimeout()).isNull();
			assertThat(effective.keepalive()).isFalse();
			assertThat(TransportOptions.NONE.withUserTimeout(Duration.ZERO).isEmpty()).isTrue();
		}
		finally {
			channel.unsafe().closeForcibly();
		}
	}

	@Test
	void transportStatusProbesThePredictedTransportAtStartup() {
		TransportStatus status = new TransportStatus(this.options.options());
		TransportKind expected = Epoll.isAvailable() ? TransportKind.EPOLL : TransportKind.NIO;
		assertThat(status.expected().kind()).isEqualTo(expected);
		assertThat(status.effective()).isEqualTo(status.expected());
		assertThat(status.configuredConnections()).isZero();
	}

}
