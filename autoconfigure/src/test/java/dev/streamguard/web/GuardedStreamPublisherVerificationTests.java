package dev.streamguard.web;

import java.io.IOException;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

import dev.streamguard.stream.StreamPolicy;
import dev.streamguard.stream.StreamRegistry;
import dev.streamguard.stream.TerminationReason;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import org.reactivestreams.Publisher;
import org.reactivestreams.tck.PublisherVerification;
import org.reactivestreams.tck.TestEnvironment;
import org.testng.SkipException;
import org.testng.annotations.AfterMethod;
import org.testng.annotations.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Sinks;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.core.io.buffer.NettyDataBuffer;
import org.springframework.core.io.buffer.NettyDataBufferFactory;
import org.springframework.util.unit.DataSize;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * The Reactive Streams TCK's publisher rules for the guarded body ({@link GuardedStream#body}),
 * flat shape, on an embedded connection. Every publisher is a stream of its own on a
 * connection of its own: a guarded stream takes one subscriber.
 * <p>
 * The guarded body hands over an empty element of its own (the commit element, which sends the
 * response's headers before the source has anything to say) ahead of the source's elements, so
 * a publisher of {@code n} elements guards a source of {@code n - 1}.
 */
class GuardedStreamPublisherVerificationTests extends PublisherVerification<DataBuffer> {

	private static final StreamPolicy POLICY = new StreamPolicy(null, null, null, null, null, false,
			DataSize.ofKilobytes(32), DataSize.ofKilobytes(64));

	private final NettyDataBufferFactory sourceBuffers = new NettyDataBufferFactory(
			new UnpooledByteBufAllocator(false));

	private final List<Started> started = new CopyOnWriteArrayList<>();

	GuardedStreamPublisherVerificationTests() {
		super(new TestEnvironment(300, 100));
	}

	@Override
	public Publisher<DataBuffer> createPublisher(long elements) {
		// Only the rules on subscribing itself (1.9) and the optional one on empty streams (1.5)
		// ask for no element: they get an empty source. A source that is already done when its
		// subscription returns gets no commit element (an empty body commits nothing extra), so
		// the one element of a publisher of one is the commit of a source that ends once the
		// commit element was handed over (a source that ends on a timer could end before the
		// subscriber's first request, and its body would then rightly be empty).
		if (elements == 1) {
			Sinks.Empty<DataBuffer> end = Sinks.empty();
			return Flux.from(guarded((started) -> end.asMono()))
				.doOnNext((commit) -> end.tryEmitEmpty());
		}
		return guarded((started) -> oneByteBuffers(Math.max(0, elements - 1), started.sourced));
	}

	@Override
	public Publisher<DataBuffer> createFailedPublisher() {
		return guarded((started) -> Flux.error(new IOException("Source failed at subscription")));
	}

	@Override
	public long maxElementsFromPublisher() {
		// Bounded, so that the rules on completion run; the largest count a rule asks for is
		// Integer.MAX_VALUE (3.17), which the source produces lazily.
		return Integer.MAX_VALUE;
	}

	/**
	 * End what each rule left behind, and check that the guard released every source buffer
	 * it did not hand over: the cancels that a rule made end their streams on the connection's
	 * event loop (which an embedded connection runs when told), then the connection closes.
	 */
	@AfterMethod
	void endStreamsAndCheckBuffers() {
		for (Started started : this.started) {
			// As the transport does when its connection goes away.
			started.stream.cancel();
			started.channel.runPendingTasks();
			started.channel.finishAndReleaseAll();
			// Each source buffer holds one byte, and the commit element none.
			long delivered = started.stream.bytesSent();
			long held = started.sourced.stream().filter((buffer) -> buffer.getNativeBuffer().refCnt() > 0).count();
			assertThat(held).as("source buffers still held: those handed to the subscriber, which owns them")
				.isEqualTo(delivered);
			started.sourced.forEach(DataBufferUtils::release);
		}
		this.started.clear();
	}

	private Publisher<DataBuffer> guarded(Function<Started, Publisher<DataBuffer>> source) {
		EmbeddedChannel channel = new EmbeddedChannel();
		GuardedStream<DataBuffer> stream = new GuardedStream<>("tck-" + this.started.size(), "/tck",
				"application/octet-stream", null, POLICY, new StreamRegistry(), BodyShape.FLAT, null,
				DefaultDataBufferFactory.sharedInstance, channel, new StreamTicker());
		Started started = new Started(channel, stream);
		this.started.add(started);
		return stream.body(source.apply(started));
	}

	private Flux<DataBuffer> oneByteBuffers(long count, Queue<NettyDataBuffer> sourced) {
		return Flux.<DataBuffer, Long>generate(() -> 0L, (sent, sink) -> {
			if (sent == count) {
				sink.complete();
				return sent;
			}
			NettyDataBuffer buffer = this.sourceBuffers.allocateBuffer(1);
			buffer.write((byte) sent.longValue());
			sourced.add(buffer);
			sink.next(buffer);
			return sent + 1;
		});
	}

	/** One publisher's stream, its connection, and the buffers its source allocated. */
	private record Started(EmbeddedChannel channel, GuardedStream<DataBuffer> stream,
			Queue<NettyDataBuffer> sourced) {

		Started(EmbeddedChannel channel, GuardedStream<DataBuffer> stream) {
			this(channel, stream, new ConcurrentLinkedQueue<>());
		}

	}

}
