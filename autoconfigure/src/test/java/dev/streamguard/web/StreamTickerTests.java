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
 * that is done leaves, a group without streams goes away, and a stream that asks to be left
 * alone until a later time is passed by until then or until it is woken.
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
		this.ticker.register(this.loop, PERIOD, (now) -> {
			failures.incrementAndGet();
			throw new IllegalStateException("broken timer");
		});
		this.ticker.register(this.loop, PERIOD, healthy);
		Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> healthy.ticks.get() >= 5);
		assertThat(failures.get()).isOne();
	}

	@Test
	void aStreamThatAsksToBeLeftAloneIsPassedByUntilItsTimeOrUntilWoken() throws Exception {
		Counting every = new Counting(this.loop);
		Counting later = new Counting(this.loop);
		later.skipNanos = TimeUnit.SECONDS.toNanos(60);
		this.ticker.register(this.loop, PERIOD, every);
		this.ticker.register(this.loop, PERIOD, later);
		Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> every.ticks.get() >= 20);
		assertThat(later.ticks.get()).as("ticked once, then left alone for a minute").isOne();
		this.loop.submit(() -> this.ticker.wake(this.loop, PERIOD, later)).get(5, TimeUnit.SECONDS);
		Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> later.ticks.get() == 2);
		int everyBefore = every.ticks.get();
		Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> every.ticks.get() >= everyBefore + 20);
		assertThat(later.ticks.get()).as("one tick per wake").isEqualTo(2);
		// Woken once it is done, it leaves at the next round.
		later.done.set(true);
		this.loop.submit(() -> this.ticker.wake(this.loop, PERIOD, later)).get(5, TimeUnit.SECONDS);
		Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> later.slot() == -1);
		assertThat(every.slot()).isZero();
		assertThat(this.ticker.groupCount()).isOne();
	}

	@Test
	void streamsThatLeaveKeepTheSlotsOfTheOthersRight() {
		Counting[] streams = new Counting[40];
		for (int i = 0; i < streams.length; i++) {
			streams[i] = new Counting(this.loop);
			streams[i].skipNanos = TimeUnit.SECONDS.toNanos(60);
			this.ticker.register(this.loop, PERIOD, streams[i]);
		}
		Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> streams[streams.length - 1].ticks.get() == 1);
		for (int i = 0; i < streams.length; i += 3) {
			streams[i].done.set(true);
			Counting leaving = streams[i];
			this.loop.execute(() -> this.ticker.wake(this.loop, PERIOD, leaving));
		}
		Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> streams[0].slot() == -1
				&& streams[streams.length - 1].slot() == -1);
		// Every stream still in the group is woken through its slot: each ticks once more.
		for (int i = 0; i < streams.length; i++) {
			if (i % 3 != 0) {
				Counting staying = streams[i];
				this.loop.execute(() -> this.ticker.wake(this.loop, PERIOD, staying));
			}
		}
		Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
			for (int i = 0; i < streams.length; i++) {
				assertThat(streams[i].ticks.get()).as("stream " + i).isEqualTo((i % 3 == 0) ? 1 : 2);
			}
		});
	}

	private static final class Counting implements StreamTicker.Ticking {

		private final EventLoop loop;

		private final AtomicInteger ticks = new AtomicInteger();

		private final AtomicInteger offLoop = new AtomicInteger();

		private final AtomicBoolean done = new AtomicBoolean();

		private volatile long skipNanos;

		private volatile int slot = -1;

		Counting(EventLoop loop) {
			this.loop = loop;
		}

		@Override
		public long tick(long now) {
			if (!this.loop.inEventLoop()) {
				this.offLoop.incrementAndGet();
			}
			if (this.done.get()) {
				return DONE;
			}
			this.ticks.incrementAndGet();
			return now + this.skipNanos;
		}

		@Override
		public void slot(int slot) {
			this.slot = slot;
		}

		@Override
		public int slot() {
			return this.slot;
		}

	}

}
