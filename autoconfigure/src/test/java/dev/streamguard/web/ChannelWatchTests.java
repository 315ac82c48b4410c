package dev.streamguard.web;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import dev.streamguard.stream.LiveStream;
import dev.streamguard.stream.TerminationReason;
import dev.streamguard.test.RawHttp;
import dev.streamguard.test.RecordingListener.Ended;
import dev.streamguard.test.TestServer;
import dev.streamguard.transport.ChannelWatch;
import dev.streamguard.transport.RequestHeaderDeadline;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import org.awaitility.Awaitility;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A stream over HTTP/1.1 hears its connection through the connection's one {@link ChannelWatch}:
 * the request-header deadline where there is one, a watcher of its own where the deadline is
 * off. Either way the stream learns that the write window filled and that the client left.
 */
class ChannelWatchTests {

	@ParameterizedTest
	@ValueSource(strings = { "10s", "0s" })
	void aStreamHearsItsConnectionThroughOneWatch(String requestHeaderTimeout) throws Exception {
		try (TestServer server = TestServer.start("streamguard.transport.request-header-timeout=" + requestHeaderTimeout,
				"streamguard.window.low=64KB", "streamguard.window.high=256KB", "streamguard.heartbeat.interval=0")) {
			Ended ended;
			try (RawHttp client = RawHttp.get(server.port(), "/test/bulk", 64 * 1024)) {
				LiveStream stream = server.listener().awaitStart(Duration.ofSeconds(5));
				Channel channel = ((LiveStreamView) stream).channel;
				assertThat(channel).isNotNull();
				List<ChannelHandler> watches = new ArrayList<>();
				for (Map.Entry<String, ChannelHandler> handler : channel.pipeline()) {
					if (handler.getValue() instanceof ChannelWatch) {
						watches.add(handler.getValue());
					}
				}
				assertThat(watches).hasSize(1);
				assertThat(watches.get(0))
					.isInstanceOf("0s".equals(requestHeaderTimeout) ? ChannelWatcher.class : RequestHeaderDeadline.class);
				client.read(1024 * 1024);
				// The client stops reading: the window fills, and the stream is told.
				Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> stream.windowFullCount() > 0);
			}
			ended = server.listener().awaitEnd(Duration.ofSeconds(5));
			assertThat(ended).as("end after the client closed").isNotNull();
			assertThat(ended.reason()).isEqualTo(TerminationReason.CLIENT_CLOSED);
			Awaitility.await().atMost(Duration.ofSeconds(2)).until(() -> server.registry().size() == 0);
		}
	}

}
