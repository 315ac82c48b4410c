package dev.streamguard.bench;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import dev.streamguard.stream.Deadline;
import dev.streamguard.stream.StreamWriters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;

/**
 * Small-message throughput (100-byte items) of a blocking producer: {@code StreamWriter} against
 * {@code Flux.create} bounded by demand the same way, both read by a subscriber that asks for
 * 128 items and refills at 64, as Reactor Netty does.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class WriterBenchmark {

	static final int ITEMS = 100_000;

	private static final byte[] ITEM = new byte[100];

	@Benchmark
	@OperationsPerInvocation(ITEMS)
	public long streamWriter() throws InterruptedException {
		return consume(StreamWriters.<byte[]>flux((writer) -> {
			Deadline deadline = Deadline.after(Duration.ofSeconds(30));
			for (int i = 0; i < ITEMS; i++) {
				writer.write(ITEM, deadline);
			}
		}));
	}

	@Benchmark
	@OperationsPerInvocation(ITEMS)
	public long fluxCreate() throws InterruptedException {
		return consume(Flux.<byte[]>create((sink) -> Schedulers.boundedElastic().schedule(() -> {
			for (int i = 0; i < ITEMS; i++) {
				while (sink.requestedFromDownstream() == 0 && !sink.isCancelled()) {
					LockSupport.parkNanos(1_000);
				}
				sink.next(ITEM);
			}
			sink.complete();
		})));
	}

	static long consume(Publisher<byte[]> items) throws InterruptedException {
		AtomicLong received = new AtomicLong();
		CountDownLatch done = new CountDownLatch(1);
		items.subscribe(new BaseSubscriber<byte[]>() {

			private int sinceRefill;

			@Override
			protected void hookOnSubscribe(Subscription subscription) {
				request(128);
			}

			@Override
			protected void hookOnNext(byte[] value) {
				received.incrementAndGet();
				if (++this.sinceRefill == 64) {
					this.sinceRefill = 0;
					request(64);
				}
			}

			@Override
			protected void hookFinally(reactor.core.publisher.SignalType type) {
				done.countDown();
			}

		});
		if (!done.await(60, TimeUnit.SECONDS)) {
			throw new IllegalStateException("Producer did not finish");
		}
		return received.get();
	}

}
