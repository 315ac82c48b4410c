package dev.streamguard.web;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicInteger;

import dev.streamguard.stream.LiveStream;
import dev.streamguard.stream.StreamListener;
import dev.streamguard.stream.StreamPolicy;
import dev.streamguard.stream.StreamRegistry;
import dev.streamguard.stream.TerminationReason;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import io.netty.channel.embedded.EmbeddedChannel;
import org.reactivestreams.Subscription;
import reactor.core.Disposable;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.util.unit.DataSize;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The guard's termination contract, without a server: one reason, one end, one cancel.
 */
class GuardedStreamTests {

	private static final StreamPolicy POLICY = new StreamPolicy(null, null, null, null, null, false,
			DataSize.ofKilobytes(32), DataSize.ofKilobytes(64));

	@RepeatedTest(50)
	void concurrentEndsAndCancelTerminateExactlyOnce() throws Exception {
		AtomicInteger ends = new AtomicInteger();
		AtomicInteger upstreamCancels = new AtomicInteger();
		StreamRegistry registry = new StreamRegistry(List.of(new StreamListener() {
			@Override
			public void onEnd(LiveStream stream, TerminationReason reason) {
				ends.incrementAndGet();
			}
		}));
		GuardedStream<DataBuffer> stream = newStream(registry);
		BaseSubscriber<DataBuffer> transport = new BaseSubscriber<>() {
			@Override
			protected void hookOnSubscribe(Subscription subscription) {
				request(16);
			}
		};
		stream.body(Flux.<DataBuffer>never().doOnCancel(upstreamCancels::incrementAndGet)).subscribe(transport);
		assertThat(registry.size()).isOne();
		int threads = 8;
		CyclicBarrier barrier = new CyclicBarrier(threads);
		AtomicInteger winners = new AtomicInteger();
		List<Thread> started = new ArrayList<>();
		for (int i = 0; i < threads; i++) {
			int n = i;
			Thread thread = new Thread(() -> {
				try {
					barrier.await();
					if (n == 0) {
						transport.cancel();
					}
					else if (stream.end((n % 2 == 0) ? TerminationReason.CLOSED_BY_OPERATOR
							: TerminationReason.SERVER_SHUTDOWN)) {
						winners.incrementAndGet();
					}
				}
				catch (Exception ex) {
					throw new IllegalStateException(ex);
				}
			});
			thread.start();
			started.add(thread);
		}
		for (Thread thread : started) {
			thread.join(5000);
		}
		assertThat(ends).hasValue(1);
		assertThat(upstreamCancels).hasValue(1);
		assertThat(winners.get()).isLessThanOrEqualTo(1);
		assertThat(registry.size()).isZero();
		assertThat(stream.terminationReason()).isPresent();
		assertThat(stream.end(TerminationReason.CLOSED_BY_OPERATOR)).isFalse();
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
		assertThat(requests).hasSize(5 + 1).allMatch((n) -> n == 1);
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

	private static GuardedStream<DataBuffer> newStream(StreamRegistry registry) {
		return new GuardedStream<>("id", "/route", "application/octet-stream", null, POLICY, registry,
				BodyShape.FLAT, null, DefaultDataBufferFactory.sharedInstance, null, new StreamTicker());
	}

}
