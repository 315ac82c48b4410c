package dev.streamguard.web;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

import dev.streamguard.stream.LiveStream;
import dev.streamguard.stream.StreamListener;
import dev.streamguard.stream.StreamPolicy;
import dev.streamguard.stream.StreamRegistry;
import dev.streamguard.stream.TerminationReason;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.embedded.EmbeddedChannel;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscription;
import reactor.core.Disposable;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.core.io.buffer.NettyDataBuffer;
import org.springframework.core.io.buffer.NettyDataBufferFactory;
import org.springframework.util.unit.DataSize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIOException;

/**
 * The guard's termination contract, without a server: one reason, one end, one cancel; and on
 * an embedded connection, the paths its handlers take (cancel on the event loop, writability,
 * close).
 */
class GuardedStreamTests {

	private static final StreamPolicy POLICY = new StreamPolicy(null, null, null, null, null, false,
			DataSize.ofKilobytes(32), DataSize.ofKilobytes(64));

	@RepeatedTest(50)
	void concurrentEndsAndCancelTerminateExactlyOnce() throws Exception {
		Started started = Started.on(null);
		assertThat(started.registry.size()).isOne();
		AtomicInteger winners = new AtomicInteger();
		race(8, (n) -> {
			if (n == 0) {
				started.transport.cancel();
			}
			else if (started.stream.end(closingReason(n))) {
				winners.incrementAndGet();
			}
		});
		assertThat(winners.get()).isLessThanOrEqualTo(1);
		started.assertEndedOnce(started.stream.terminationReason().orElseThrow());
		assertThat(started.stream.end(TerminationReason.CLOSED_BY_OPERATOR)).isFalse();
	}

	@RepeatedTest(20)
	void onAConnectionConcurrentEndsCancelAndCloseTerminateExactlyOnce() throws Exception {
		EmbeddedChannel channel = new EmbeddedChannel();
		Started started = Started.on(channel);
		// The transport's cancel is decided on the connection's event loop, after the ends
		// that race it from other threads (an embedded event loop runs its tasks when told).
		started.transport.cancel();
		assertThat(started.registry.size()).as("live until the event loop decides").isOne();
		AtomicInteger winners = new AtomicInteger();
		race(7, (n) -> {
			if (started.stream.end(closingReason(n))) {
				winners.incrementAndGet();
			}
		});
		assertThat(channel.isOpen()).as("connection closed by the guard's end").isFalse();
		channel.close();
		channel.runPendingTasks();
		assertThat(winners).hasValue(1);
		started.assertEndedOnce(started.stream.terminationReason().orElseThrow());
		channel.finishAndReleaseAll();
	}

	@Test
	void aTransportCancelOnAConnectionEndsOnItsEventLoopForTheConnectionsReason() {
		EmbeddedChannel channel = new EmbeddedChannel();
		Started started = Started.on(channel);
		// The write failure that makes a transport cancel reaches the connection's handlers
		// just after the cancel: the reason is decided once both are in.
		started.transport.cancel();
		channel.pipeline().fireExceptionCaught(new IOException("Connection timed out"));
		assertThatIOException().isThrownBy(channel::checkException).withMessage("Connection timed out");
		assertThat(started.ends.reasons).isEmpty();
		channel.runPendingTasks();
		started.assertEndedOnce(TerminationReason.PEER_UNRESPONSIVE);
		channel.finishAndReleaseAll();
	}

	@Test
	void aClosedConnectionEndsItsStreamOnceAndCancelsTheUpstream() {
		EmbeddedChannel channel = new EmbeddedChannel();
		Started started = Started.on(channel);
		channel.close();
		channel.runPendingTasks();
		started.assertEndedOnce(TerminationReason.CLIENT_CLOSED);
		assertThat(started.stream.end(TerminationReason.CLOSED_BY_OPERATOR)).isFalse();
		channel.finishAndReleaseAll();
	}

	@Test
	void aFullWriteWindowStopsTheUpstreamsDemandUntilTheConnectionDrains() {
		StreamRegistry registry = new StreamRegistry();
		EmbeddedChannel channel = new EmbeddedChannel();
		GuardedStream<DataBuffer> stream = newStream(registry, channel);
		AtomicInteger requested = new AtomicInteger();
		int chunk = 16 * 1024;
		// Writes what it gets without flushing, as the server does until the socket takes it.
		BaseSubscriber<DataBuffer> transport = new BaseSubscriber<>() {
			@Override
			protected void hookOnSubscribe(Subscription subscription) {
				request(Long.MAX_VALUE);
			}

			@Override
			protected void hookOnNext(DataBuffer buffer) {
				int size = buffer.readableByteCount();
				DataBufferUtils.release(buffer);
				if (size > 0) {
					channel.write(Unpooled.wrappedBuffer(new byte[size]));
				}
			}
		};
		stream.body(Flux.<DataBuffer>generate((sink) -> sink.next(DefaultDataBufferFactory.sharedInstance.wrap(new byte[chunk])))
			.doOnRequest((n) -> requested.incrementAndGet())).subscribe(transport);
		long high = POLICY.windowHigh().toBytes();
		assertThat(channel.isWritable()).isFalse();
		int whileFull = requested.get();
		// Netty counts a little overhead per queued write, so the last chunk may just reach it.
		// The upstream may deliver up to PARK_CAPACITY elements ahead of the transport, which
		// wait in the guard: the documented bound is the window and PARK_CAPACITY + 1 elements.
		assertThat(whileFull).as("elements asked for until the window filled")
			.isBetween((int) (high / chunk), (int) (high / chunk) + GuardedStream.PARK_CAPACITY + 1);
		assertThat(stream.windowFullCount()).isOne();
		channel.runPendingTasks();
		assertThat(requested).as("no demand while the window is full").hasValue(whileFull);
		long sentWhileFull = stream.bytesSent();
		channel.flush();
		assertThat(stream.bytesSent()).as("elements written once the connection drained").isGreaterThan(sentWhileFull);
		// The elements that waited in the guard go first; demand follows once they are written.
		for (int flushes = 0; flushes < 2 * GuardedStream.PARK_CAPACITY && requested.get() == whileFull; flushes++) {
			channel.flush();
		}
		assertThat(requested.get()).as("demand once the connection drained").isGreaterThan(whileFull);
		stream.end(TerminationReason.CLOSED_BY_OPERATOR);
		channel.finishAndReleaseAll();
	}

	@Test
	void upstreamGetsOneElementOfDemandAtATime() {
		StreamRegistry registry = new StreamRegistry();
		GuardedStream<DataBuffer> stream = newStream(registry);
		List<Long> requests = new ArrayList<>();
		BaseSubscriber<DataBuffer> transport = new BaseSubscriber<>() {
			@Override
			protected void hookOnSubscribe(Subscription subscription) {
				request(128);
			}
		};
		stream.body(Flux.range(0, 5)
			.map((i) -> DefaultDataBufferFactory.sharedInstance.wrap(new byte[] { i.byteValue() }))
			.doOnRequest(requests::add)).subscribe(transport);
		// One request per element, and one more after the last that the range may answer by
		// completing.
		assertThat(requests).hasSizeBetween(5, 5 + 1).allMatch((n) -> n == 1);
		assertThat(stream.terminationReason()).contains(TerminationReason.COMPLETED);
		assertThat(stream.elementsSent()).isEqualTo(5);
		assertThat(stream.bytesSent()).isEqualTo(5);
		assertThat(stream.age()).isLessThan(Duration.ofSeconds(5));
	}

	@Test
	void aResponseCountsAsOpenUntilItsWriteEndsOrItsConnectionCloses() {
		StreamRegistry registry = new StreamRegistry();
		EmbeddedChannel channel = new EmbeddedChannel();
		GuardedStream<DataBuffer> stream = new GuardedStream<>("id", "/route", "application/octet-stream", null,
				POLICY, registry, BodyShape.FLAT, null, DefaultDataBufferFactory.sharedInstance, channel,
				new StreamTicker());
		// A write that never ends: only the connection's close can release the response.
		Disposable stuck = stream.track(Mono.never(), () -> null).subscribe();
		assertThat(registry.openResponses()).isOne();
		channel.close();
		channel.runPendingTasks();
		assertThat(registry.openResponses()).isZero();
		stuck.dispose();
		assertThat(registry.openResponses()).as("released once").isZero();
		// A write that completes releases it at once when the server does not say more.
		stream.track(Mono.empty(), () -> null).subscribe();
		assertThat(registry.openResponses()).isZero();
	}

	@Test
	void aSourceThatKeepsTheDrainBusyOnTheEventLoopLeavesTheRestToATaskOfItsOwn() {
		EmbeddedChannel channel = new EmbeddedChannel();
		GuardedStream<DataBuffer> stream = newStream(new StreamRegistry(), channel);
		AtomicInteger delivered = new AtomicInteger();
		BaseSubscriber<DataBuffer> transport = new BaseSubscriber<>() {
			@Override
			protected void hookOnSubscribe(Subscription subscription) {
				request(Long.MAX_VALUE);
			}

			@Override
			protected void hookOnNext(DataBuffer buffer) {
				delivered.incrementAndGet();
			}
		};
		int count = 100_000;
		// A synchronous source on the event loop: every element it emits is another pass.
		stream.body(Flux.range(0, count).map((i) -> DefaultDataBufferFactory.sharedInstance.wrap(new byte[1])))
			.subscribe(transport);
		int first = delivered.get();
		assertThat(first).as("delivered before the drain yields the event loop").isPositive().isLessThan(count / 10);
		channel.runPendingTasks();
		assertThat(delivered.get()).as("delivered by the task it left").isGreaterThan(first);
		for (int tasks = 0; tasks < count && stream.terminationReason().isEmpty(); tasks++) {
			channel.runPendingTasks();
		}
		assertThat(delivered.get()).as("the source's elements and the commit element").isEqualTo(count + 1);
		assertThat(stream.terminationReason()).contains(TerminationReason.COMPLETED);
		channel.finishAndReleaseAll();
	}

	@Test
	void groupsTheTransportHeldButNeverSubscribedAreReleasedWhenItCancels() {
		StreamRegistry registry = new StreamRegistry();
		GuardedStream<Publisher<? extends DataBuffer>> stream = new GuardedStream<>("id", "/route",
				"text/event-stream", null, POLICY, registry, BodyShape.GROUPED, null,
				DefaultDataBufferFactory.sharedInstance, null, new StreamTicker());
		List<io.netty.buffer.ByteBuf> sourced = new ArrayList<>();
		NettyDataBufferFactory buffers = new NettyDataBufferFactory(PooledByteBufAllocator.DEFAULT);
		// Holds the groups it is handed, as Reactor Netty's prefetch queue does, and subscribes
		// only the first two: the others are still queued when it cancels.
		List<Publisher<? extends DataBuffer>> held = new ArrayList<>();
		BaseSubscriber<Publisher<? extends DataBuffer>> transport = new BaseSubscriber<>() {
			@Override
			protected void hookOnSubscribe(Subscription subscription) {
				request(6);
			}

			@Override
			protected void hookOnNext(Publisher<? extends DataBuffer> group) {
				held.add(group);
			}
		};
		stream.body(Flux.range(0, 5).map((i) -> {
			NettyDataBuffer buffer = buffers.allocateBuffer(8).write(new byte[] { i.byteValue() });
			sourced.add(buffer.getNativeBuffer());
			return Mono.just(buffer);
		}).concatWith(Flux.never())).subscribe(transport);
		assertThat(held).as("the commit element and five groups").hasSize(6);
		Flux.concat(held.subList(0, 3)).subscribe(DataBufferUtils::release);
		transport.cancel();
		assertThat(sourced).as("source buffers").hasSize(5);
		assertThat(sourced).extracting(io.netty.buffer.ByteBuf::refCnt).as("every buffer released once").containsOnly(0);
		assertThat(stream.bytesSent()).as("only the subscribed groups count").isEqualTo(2);
		Flux.concat(held.subList(3, 6)).subscribe(DataBufferUtils::release);
		assertThat(sourced).extracting(io.netty.buffer.ByteBuf::refCnt).as("a released group writes nothing").containsOnly(0);
	}

	@Test
	void aGroupPassesTheTransportsDemandAndCancelToItsSourceAndCountsWhatPassed() {
		GuardedStream<Publisher<? extends DataBuffer>> stream = new GuardedStream<>("id", "/route",
				"text/event-stream", null, POLICY, new StreamRegistry(), BodyShape.GROUPED, null,
				DefaultDataBufferFactory.sharedInstance, null, new StreamTicker());
		java.util.concurrent.atomic.AtomicLong requested = new java.util.concurrent.atomic.AtomicLong();
		java.util.concurrent.atomic.AtomicBoolean cancelled = new java.util.concurrent.atomic.AtomicBoolean();
		Flux<DataBuffer> source = Flux.range(0, 3)
			.<DataBuffer>map((i) -> DefaultDataBufferFactory.sharedInstance.wrap(new byte[] { 1, 2, 3 }))
			.doOnRequest(requested::addAndGet)
			.doOnCancel(() -> cancelled.set(true));
		Publisher<? extends DataBuffer> group = BodyShape.GROUPED.counted(source, stream);
		List<DataBuffer> received = new ArrayList<>();
		BaseSubscriber<DataBuffer> transport = new BaseSubscriber<>() {
			@Override
			protected void hookOnSubscribe(Subscription subscription) {
				request(1);
			}

			@Override
			protected void hookOnNext(DataBuffer buffer) {
				received.add(buffer);
				cancel();
			}
		};
		Flux.from(group).subscribe(transport);
		assertThat(requested.get()).isOne();
		assertThat(received).hasSize(1);
		assertThat(cancelled).isTrue();
		assertThat(stream.bytesSent()).isEqualTo(3);
		// Taken once: a second subscriber gets nothing from it.
		assertThat(Flux.from(group).collectList().block(java.time.Duration.ofSeconds(1))).isEmpty();
	}

	private static GuardedStream<DataBuffer> newStream(StreamRegistry registry) {
		return newStream(registry, null);
	}

	private static GuardedStream<DataBuffer> newStream(StreamRegistry registry, @Nullable Channel channel) {
		return new GuardedStream<>("id", "/route", "application/octet-stream", null, POLICY, registry,
				BodyShape.FLAT, null, DefaultDataBufferFactory.sharedInstance, channel, new StreamTicker());
	}

	private static BaseSubscriber<DataBuffer> demanding(long n) {
		return new BaseSubscriber<>() {
			@Override
			protected void hookOnSubscribe(Subscription subscription) {
				request(n);
			}
		};
	}

	private static TerminationReason closingReason(int n) {
		return (n % 2 == 0) ? TerminationReason.CLOSED_BY_OPERATOR : TerminationReason.SERVER_SHUTDOWN;
	}

	/**
	 * Run the given action on that many threads at once, and fail with what any of them threw
	 * (an exception on a thread of its own would otherwise only be printed).
	 */
	private static void race(int threads, IntConsumer action) throws InterruptedException {
		CyclicBarrier barrier = new CyclicBarrier(threads);
		Queue<Throwable> failures = new ConcurrentLinkedQueue<>();
		List<Thread> started = new ArrayList<>();
		for (int i = 0; i < threads; i++) {
			int n = i;
			Thread thread = new Thread(() -> {
				try {
					barrier.await(5, TimeUnit.SECONDS);
					action.accept(n);
				}
				catch (Throwable ex) {
					failures.add(ex);
				}
			}, "race-" + n);
			thread.start();
			started.add(thread);
		}
		for (Thread thread : started) {
			thread.join(5000);
			assertThat(thread.isAlive()).as("%s still running", thread.getName()).isFalse();
		}
		assertThat(failures).as("failures of the racing threads").isEmpty();
	}

	/**
	 * A stream started on an endless upstream that counts its cancels, with a transport that
	 * asked for a few elements.
	 */
	private static final class Started {

		final Ends ends = new Ends();

		final AtomicInteger upstreamCancels = new AtomicInteger();

		final StreamRegistry registry = new StreamRegistry(List.of(this.ends));

		final GuardedStream<DataBuffer> stream;

		final BaseSubscriber<DataBuffer> transport = demanding(16);

		private Started(@Nullable Channel channel) {
			this.stream = newStream(this.registry, channel);
		}

		static Started on(@Nullable Channel channel) {
			Started started = new Started(channel);
			started.stream.body(Flux.<DataBuffer>never().doOnCancel(started.upstreamCancels::incrementAndGet))
				.subscribe(started.transport);
			return started;
		}

		void assertEndedOnce(TerminationReason reason) {
			assertThat(this.ends.reasons).containsExactly(reason);
			assertThat(this.upstreamCancels).hasValue(1);
			assertThat(this.registry.size()).isZero();
		}

	}

	/** The reasons streams ended with, in order. */
	private static final class Ends implements StreamListener {

		final List<TerminationReason> reasons = new CopyOnWriteArrayList<>();

		@Override
		public void onEnd(LiveStream stream, TerminationReason reason) {
			this.reasons.add(reason);
		}

	}

}
