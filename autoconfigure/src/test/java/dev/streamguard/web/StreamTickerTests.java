package dev.streamguard.web;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Streams of one event loop and period share one periodic task, on that event loop; a stream
 * that is done leaves, and a group without streams goes away.
 */
class StreamTickerTests {

	private static final long PERIOD = TimeUnit.MILLISECONDS.toNanos(10);

	private final EventLoop loop = new DefaultEventLoop();

	private final EventLoop other = new DefaultEventLoop();

	private final StreamTicker ticker = new StreamTicker();

	@AfterEach
	void shutDown() {
		this.loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
		this.other.shutdownGracefully(0, 1, TimeUnit.SECONDS);
	}

	@Test
	void streamsTickOnTheirOwnEventLoopUntilTheyAreDone() {
		Counting first = new Counting(this.loop);
		Counting second = new Counting(this.loop);
		Counting elsewhere = new Counting(this.other);
		this.ticker.register(this.loop, PERIOD, first);
		this.ticker.register(this.loop, PERIOD, second);
		this.ticker.register(this.other, PERIOD, elsewhere);
		Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> first.ticks.get() >= 3 && second.ticks.get() >= 3
				&& elsewhere.ticks.get() >= 3);
		assertThat(this.ticker.groupCount()).isEqualTo(2);
		first.done.set(true);
		int last = Awaitility.await().atMost(Duration.ofSeconds(5)).until(first.ticks::get, (n) -> n > 0);
		int secondBefore = second.ticks.get();
		Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> second.ticks.get() >= secondBefore + 5);
		assertThat(first.ticks.get()).as("no tick after done").isLessThanOrEqualTo(last + 1);
		assertThat(first.offLoop.get() + second.offLoop.get() + elsewhere.offLoop.get()).isZero();
	}

	@Test
	void aGroupWithoutStreamsGoesAwayAndANewStreamStartsAFreshOne() {
		Counting only = new Counting(this.loop);
		this.ticker.register(this.loop, PERIOD, only);
		Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> only.ticks.get() >= 2);
		only.done.set(true);
		Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> this.ticker.groupCount() == 0);
		Counting next = new Counting(this.loop);
		this.ticker.register(this.loop, PERIOD, next);
		Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> next.ticks.get() >= 2);
		assertThat(this.ticker.groupCount()).isOne();
	}

	@Test
	void aFailingStreamLeavesWithoutStoppingTheOthers() {
		Counting healthy = new Counting(this.loop);
		AtomicInteger failures = new AtomicInteger();
		this.ticker.register(this.loop, PERIOD, () -> {
			failures.incrementAndGet();
			throw new IllegalStateException("broken timer");
		});
		this.ticker.register(this.loop, PERIOD, healthy);
		Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> healthy.ticks.get() >= 5);
		assertThat(failures.get()).isOne();
	}

	private static final class Counting implements StreamTicker.Ticking {

		private final EventLoop loop;

		private final AtomicInteger ticks = new AtomicInteger();

		private final AtomicInteger offLoop = new AtomicInteger();

		private final AtomicBoolean done = new AtomicBoolean();

		Counting(EventLoop loop) {
			this.loop = loop;
		}

		@Override
		public boolean tick() {
			if (!this.loop.inEventLoop()) {
				this.offLoop.incrementAndGet();
			}
			if (this.done.get()) {
				return false;
			}
			this.ticks.incrementAndGet();
			return true;
		}

	}

}
