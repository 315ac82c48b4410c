package dev.streamguard.stream;

import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Operators;
import reactor.core.scheduler.Scheduler;

/**
 * A {@link Flux} whose items come from a blocking {@link StreamProducer}. Demand from the
 * subscriber is the write window: {@link StreamWriter#tryWrite(Object)} answers
 * {@link WriteResult#FULL} when no item is requested.
 * <p>
 * Without a scheduler of its own, the producer runs on the {@link StreamWriterPool} found in
 * the subscriber's context (the application's, put there by the web filter) or else on the
 * {@link StreamWriterPool#shared() shared} one; a pool without a free thread fails the
 * subscription at once with a {@link StreamRejectedException}.
 */
final class WriterFlux<T> extends Flux<T> {

	private final StreamProducer<T> producer;

	private final @Nullable Scheduler scheduler;

	WriterFlux(StreamProducer<T> producer, @Nullable Scheduler scheduler) {
		this.producer = producer;
		this.scheduler = scheduler;
	}

	@Override
	public void subscribe(CoreSubscriber<? super T> actual) {
		Writer<T> writer = new Writer<>(actual);
		actual.onSubscribe(writer);
		Scheduler scheduler = this.scheduler;
		if (scheduler != null) {
			writer.start(this.producer, scheduler::schedule);
			return;
		}
		StreamWriterPool pool = actual.currentContext().getOrDefault(StreamWriterPool.class, null);
		StreamWriterPool writers = (pool != null) ? pool : StreamWriterPool.shared();
		if (!writer.start(this.producer, writers::tryLaunch)) {
			writer.fail(writers.rejection());
		}
	}

	static final class Writer<T> implements StreamWriter<T>, Subscription {

		private final CoreSubscriber<? super T> actual;

		private final @Nullable LiveStream liveStream;

		private final AtomicLong requested = new AtomicLong();

		private final AtomicInteger waiters = new AtomicInteger();

		private final ReentrantLock lock = new ReentrantLock();

		private final Condition changed = this.lock.newCondition();

		@SuppressWarnings("rawtypes")
		private static final AtomicIntegerFieldUpdater<Writer> CANCELLED = AtomicIntegerFieldUpdater
			.newUpdater(Writer.class, "cancelled");

		// Set once: a second cancel does not interrupt the producer again.
		private volatile int cancelled;

		// Guarded by "this", which only producer threads take: the subscriber sees their
		// signals serially.
		private boolean done;

		private volatile @Nullable Disposable task;

		Writer(CoreSubscriber<? super T> actual) {
			this.actual = actual;
			this.liveStream = actual.currentContext().getOrDefault(LiveStream.class, null);
		}

		/**
		 * Start the producer through the given launcher.
		 * @return {@code false} if the launcher had no thread for it
		 */
		boolean start(StreamProducer<T> producer, Function<Runnable, @Nullable Disposable> launcher) {
			if (isCancelled()) {
				return true;
			}
			Disposable task = launcher.apply(() -> run(producer));
			if (task == null) {
				return false;
			}
			this.task = task;
			if (isCancelled()) {
				disposeTask();
			}
			return true;
		}

		/** Fail a stream whose producer never started. */
		void fail(Throwable failure) {
			synchronized (this) {
				if (this.done || isCancelled()) {
					return;
				}
				this.done = true;
			}
			this.actual.onError(failure);
		}

		private boolean isCancelled() {
			return this.cancelled != 0;
		}

		private void run(StreamProducer<T> producer) {
			Throwable failure = null;
			try {
				producer.produce(this);
			}
			catch (StreamClosedException ex) {
				// The stream ended underneath the producer: not a failure of the producer.
			}
			catch (Throwable ex) {
				failure = ex;
			}
			synchronized (this) {
				if (this.done || isCancelled()) {
					return;
				}
				this.done = true;
				if (failure != null) {
					this.actual.onError(failure);
				}
				else {
					this.actual.onComplete();
				}
			}
			wakeWaiters();
		}

		@Override
		public WriteResult tryWrite(T item) {
			Objects.requireNonNull(item, "item");
			synchronized (this) {
				if (this.done || isCancelled()) {
					discard(item);
					return WriteResult.CLOSED;
				}
				if (!tryTakeOne()) {
					return WriteResult.FULL;
				}
				this.actual.onNext(item);
				return WriteResult.WRITTEN;
			}
		}

		/**
		 * Hand an item that will never be emitted to the subscriber's discard hook, which
		 * releases buffers (Spring registers one for {@code DataBuffer}).
		 */
		private void discard(T item) {
			Operators.onDiscard(item, this.actual.currentContext());
		}

		private boolean tryTakeOne() {
			for (;;) {
				long r = this.requested.get();
				if (r == 0) {
					return false;
				}
				if (r == Long.MAX_VALUE || this.requested.compareAndSet(r, r - 1)) {
					return true;
				}
			}
		}

		@Override
		public WaitResult awaitWritable(Deadline deadline) throws InterruptedException {
			Objects.requireNonNull(deadline, "deadline");
			WaitResult now = poll();
			if (now != null) {
				return now;
			}
			this.waiters.incrementAndGet();
			this.lock.lock();
			try {
				for (;;) {
					now = poll();
					if (now != null) {
						return now;
					}
					long nanos = deadline.remainingNanos();
					if (nanos <= 0) {
						return WaitResult.TIMED_OUT;
					}
					try {
						this.changed.awaitNanos(Math.min(nanos, TimeUnit.SECONDS.toNanos(1)));
					}
					catch (InterruptedException ex) {
						if (isClosed()) {
							return WaitResult.CLOSED;
						}
						throw ex;
					}
				}
			}
			finally {
				this.lock.unlock();
				this.waiters.decrementAndGet();
			}
		}

		private @Nullable WaitResult poll() {
			if (isClosed()) {
				return WaitResult.CLOSED;
			}
			return (this.requested.get() > 0) ? WaitResult.WRITABLE : null;
		}

		@Override
		public boolean isClosed() {
			return isCancelled() || this.done;
		}

		@Override
		public Optional<TerminationReason> closedReason() {
			if (!isClosed()) {
				return Optional.empty();
			}
			LiveStream stream = this.liveStream;
			return (stream != null) ? stream.terminationReason() : Optional.empty();
		}

		@Override
		public void request(long n) {
			if (Operators.validate(n)) {
				this.requested.getAndUpdate((r) -> Operators.addCap(r, n));
				wakeWaiters();
			}
		}

		@Override
		public void cancel() {
			// Never waits for the producer: the cancel comes from the connection's event loop. An
			// item being handed over meanwhile still reaches the guard, which releases what
			// arrives after its transport let go.
			if (CANCELLED.getAndSet(this, 1) != 0) {
				return;
			}
			wakeWaiters();
			disposeTask();
		}

		private void disposeTask() {
			Disposable task = this.task;
			if (task != null) {
				// Interrupts the producer if it is still running, so that a producer blocked in
				// its own I/O notices the end of the stream too.
				task.dispose();
			}
		}

		private void wakeWaiters() {
			if (this.waiters.get() > 0) {
				this.lock.lock();
				try {
					this.changed.signalAll();
				}
				finally {
					this.lock.unlock();
				}
			}
		}

	}

}
