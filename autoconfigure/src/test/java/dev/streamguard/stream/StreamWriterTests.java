package dev.streamguard.stream;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscription;
import reactor.core.publisher.BaseSubscriber;
import reactor.util.context.Context;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The write/wait API against a subscriber whose demand the test controls.
 */
class StreamWriterTests {

	@Test
	void tryWriteAnswersFullWithoutDemandAndWrittenWithIt() throws Exception {
		Harness harness = Harness.start();
		StreamWriter<String> writer = harness.writer();
		assertThat(writer.tryWrite("a")).isEqualTo(WriteResult.FULL);
		harness.subscriber.request(1);
		assertThat(writer.tryWrite("a")).isEqualTo(WriteResult.WRITTEN);
		assertThat(writer.tryWrite("b")).isEqualTo(WriteResult.FULL);
		assertThat(harness.received).hasToString("a");
		harness.finish();
	}

	@Test
	void awaitWritableWithADeadlineInThePastTimesOutAtOnce() throws Exception {
		Harness harness = Harness.start();
		long start = System.nanoTime();
		WaitResult result = harness.writer().awaitWritable(Deadline.after(Duration.ofSeconds(-5)));
		assertThat(result).isEqualTo(WaitResult.TIMED_OUT);
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofMillis(50));
		harness.finish();
	}

	@Test
	void awaitWritableHonoursAnAbsoluteDeadline() throws Exception {
		Harness harness = Harness.start();
		Deadline deadline = Deadline.after(Duration.ofMillis(200));
		Thread.sleep(100);
		long start = System.nanoTime();
		WaitResult result = harness.writer().awaitWritable(deadline);
		long waited = System.nanoTime() - start;
		assertThat(result).isEqualTo(WaitResult.TIMED_OUT);
		assertThat(deadline.isExpired()).isTrue();
		// The deadline is absolute: the 100 ms already spent are not waited again.
		assertThat(Duration.ofNanos(waited)).isLessThan(Duration.ofMillis(190));
		harness.finish();
	}

	@Test
	void awaitWritableWakesWhenDemandArrives() throws Exception {
		Harness harness = Harness.start();
		CompletableFuture<WaitResult> waiting = harness.parkedWaiter(Deadline.after(Duration.ofSeconds(10)));
		long requested = System.nanoTime();
		harness.subscriber.request(1);
		assertThat(waiting.get(1, TimeUnit.SECONDS)).isEqualTo(WaitResult.WRITABLE);
		// The waiter re-checks once a second on its own: waking sooner proves the signal.
		assertThat(Duration.ofNanos(harness.wokenNanos.get() - requested)).isLessThan(Duration.ofMillis(200));
		harness.finish();
	}

	@Test
	void awaitWritableReturnsClosedPromptlyWhenTheStreamIsCancelled() throws Exception {
		Harness harness = Harness.start();
		CompletableFuture<WaitResult> waiting = harness.parkedWaiter(Deadline.after(Duration.ofSeconds(30)));
		long cancelled = System.nanoTime();
		harness.subscriber.cancel();
		assertThat(waiting.get(1, TimeUnit.SECONDS)).isEqualTo(WaitResult.CLOSED);
		assertThat(Duration.ofNanos(harness.wokenNanos.get() - cancelled)).isLessThan(Duration.ofMillis(200));
		assertThat(harness.writer().tryWrite("late")).isEqualTo(WriteResult.CLOSED);
	}

	@Test
	void writeThrowsClosedExceptionNamingTheReasonOfTheLiveStream() throws Exception {
		LiveStream stream = org.mockito.Mockito.mock(LiveStream.class);
		org.mockito.BDDMockito.given(stream.terminationReason())
			.willReturn(java.util.Optional.of(TerminationReason.STALLED));
		Harness harness = Harness.start(Context.of(LiveStream.class, stream));
		harness.subscriber.cancel();
		assertThatExceptionOfType(StreamClosedException.class)
			.isThrownBy(() -> harness.writer().write("x", Deadline.after(Duration.ofSeconds(1))))
			.satisfies((ex) -> assertThat(ex.getReason()).isEqualTo(TerminationReason.STALLED))
			.withMessageContaining("stalled");
	}

	@Test
	void writeThrowsTimeoutWhenTheWindowStaysFull() throws Exception {
		Harness harness = Harness.start();
		assertThatExceptionOfType(StreamWriteTimeoutException.class)
			.isThrownBy(() -> harness.writer().write("x", Deadline.after(Duration.ofMillis(50))));
		assertThat(harness.writer().isClosed()).isFalse();
		harness.finish();
	}

	@Test
	void producerIsInterruptedWhenTheStreamIsCancelled() throws Exception {
		CountDownLatch interrupted = new CountDownLatch(1);
		CountDownLatch running = new CountDownLatch(1);
		BaseSubscriber<String> subscriber = new BaseSubscriber<>() {
			@Override
			protected void hookOnSubscribe(Subscription subscription) {
			}
		};
		StreamWriters.<String>flux((writer) -> {
			running.countDown();
			try {
				Thread.sleep(30_000);
			}
			catch (InterruptedException ex) {
				interrupted.countDown();
			}
		}).subscribe(subscriber);
		assertThat(running.await(5, TimeUnit.SECONDS)).isTrue();
		subscriber.cancel();
		assertThat(interrupted.await(1, TimeUnit.SECONDS)).isTrue();
	}

	@Test
	void producerFailureFailsTheStreamAndReturnCompletesIt() throws Exception {
		AtomicReference<Throwable> error = new AtomicReference<>();
		CountDownLatch done = new CountDownLatch(2);
		StreamWriters.<String>flux((writer) -> {
			throw new IllegalStateException("boom");
		}).subscribe((item) -> {
		}, (ex) -> {
			error.set(ex);
			done.countDown();
		});
		StreamWriters.<String>flux((writer) -> writer.write("only", Deadline.after(Duration.ofSeconds(5))))
			.subscribe((item) -> {
			}, (ex) -> {
			}, done::countDown);
		assertThat(done.await(5, TimeUnit.SECONDS)).isTrue();
		assertThat(error.get()).hasMessage("boom");
	}

	@Test
	void deadlineFarInTheFutureDoesNotOverflow() {
		Deadline deadline = Deadline.after(Duration.ofSeconds(Long.MAX_VALUE));
		assertThat(deadline.isExpired()).isFalse();
		assertThat(deadline.remainingNanos()).isPositive();
		assertThat(Deadline.after(Duration.ofDays(1)).compareTo(deadline)).isNegative();
	}

	/**
	 * A writer flux whose producer hands its writer to the test and waits until released.
	 */
	static final class Harness {

		final BaseSubscriber<String> subscriber;

		final StringBuilder received = new StringBuilder();

		final AtomicReference<Long> wokenNanos = new AtomicReference<>();

		private final CompletableFuture<StreamWriter<String>> writer = new CompletableFuture<>();

		private final CountDownLatch release = new CountDownLatch(1);

		private Harness(Context context) {
			this.subscriber = new BaseSubscriber<>() {

				@Override
				protected void hookOnSubscribe(Subscription subscription) {
				}

				@Override
				protected void hookOnNext(String value) {
					Harness.this.received.append(value);
				}

				@Override
				public Context currentContext() {
					return context;
				}

			};
		}

		static Harness start() throws Exception {
			return start(Context.empty());
		}

		static Harness start(Context context) throws Exception {
			Harness harness = new Harness(context);
			StreamWriters.<String>flux((writer) -> {
				harness.writer.complete(writer);
				harness.release.await();
			}).subscribe(harness.subscriber);
			harness.writer.get(5, TimeUnit.SECONDS);
			return harness;
		}

		StreamWriter<String> writer() {
			return this.writer.join();
		}

		/**
		 * Start a thread that waits for the writer and return once it is parked inside
		 * {@code awaitWritable}: a signal sent before would find nobody waiting, and the test
		 * would pass without it.
		 */
		CompletableFuture<WaitResult> parkedWaiter(Deadline deadline) {
			CompletableFuture<WaitResult> result = new CompletableFuture<>();
			Thread waiter = new Thread(() -> {
				try {
					result.complete(awaitQuietly(deadline));
				}
				catch (Throwable ex) {
					result.completeExceptionally(ex);
				}
			}, "stream-writer-waiter");
			waiter.setDaemon(true);
			waiter.start();
			Awaitility.await()
				.atMost(Duration.ofSeconds(5))
				.pollInterval(Duration.ofMillis(1))
				.until(() -> result.isDone() || (waiter.getState() == Thread.State.TIMED_WAITING
						&& Arrays.stream(waiter.getStackTrace()).anyMatch(Harness::isAwaitWritable)));
			assertThat(result).as("waiter returned before anything woke it").isNotDone();
			return result;
		}

		private static boolean isAwaitWritable(StackTraceElement frame) {
			return frame.getMethodName().equals("awaitWritable")
					&& frame.getClassName().startsWith(WriterFlux.class.getName());
		}

		WaitResult awaitQuietly(Deadline deadline) {
			try {
				WaitResult result = writer().awaitWritable(deadline);
				this.wokenNanos.set(System.nanoTime());
				return result;
			}
			catch (InterruptedException ex) {
				throw new IllegalStateException(ex);
			}
		}

		void finish() {
			this.release.countDown();
		}

	}

}
