package dev.streamguard.stream;

import java.lang.reflect.Method;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;

/**
 * Threads of their own for the blocking producers of {@link StreamWriters#flux(StreamProducer)}.
 * A producer holds its thread for its stream's whole life, so producers must never share a
 * pool with anything else: on {@code Schedulers.boundedElastic()} a few dozen slow streams
 * starve each other and every Actuator operation, liveness included.
 * <p>
 * Where the JVM has virtual threads (Java 21 and later) each producer gets a virtual thread of
 * its own. Elsewhere producers run on platform threads, at most {@link #maxThreads()} at once.
 * A stream that finds no thread left is never queued: its subscription fails at once with a
 * {@link StreamRejectedException}, before anything is written, which the web filter answers
 * with a 503 problem response and {@code Retry-After}.
 *
 * @since 0.2.0
 */
public final class StreamWriterPool implements Disposable {

	/** Producers that run at once on platform threads when no limit is set. */
	public static final int DEFAULT_MAX_PLATFORM_THREADS = 200;

	private static final Log logger = LogFactory.getLog(StreamWriterPool.class);

	private static final String THREAD_NAME_PREFIX = "streamguard-writer-";

	private static final Object sharedLock = new Object();

	private static volatile @Nullable StreamWriterPool shared;

	private final boolean virtualThreads;

	private final int maxThreads;

	private final Duration retryAfter;

	private final Executor executor;

	private final AtomicInteger active = new AtomicInteger();

	private final AtomicLong refused = new AtomicLong();

	private StreamWriterPool(boolean virtualThreads, int maxThreads, Duration retryAfter, Executor executor) {
		this.virtualThreads = virtualThreads;
		this.maxThreads = maxThreads;
		this.retryAfter = retryAfter;
		this.executor = executor;
	}

	/**
	 * Create a pool.
	 * @param preferVirtualThreads whether producers run on virtual threads where the JVM has
	 * them; {@code false} always uses platform threads
	 * @param maxThreads how many producers may run at once; {@code null} for
	 * {@value #DEFAULT_MAX_PLATFORM_THREADS} on platform threads and no limit on virtual threads
	 * @param retryAfter when refused clients may try again, for the {@code Retry-After} header
	 * @return the pool
	 */
	public static StreamWriterPool create(boolean preferVirtualThreads, @Nullable Integer maxThreads,
			Duration retryAfter) {
		Objects.requireNonNull(retryAfter, "retryAfter");
		if (maxThreads != null && maxThreads <= 0) {
			throw new IllegalArgumentException("maxThreads must be positive (or null for the default), was "
					+ maxThreads);
		}
		ThreadFactory virtual = preferVirtualThreads ? VirtualThreads.factory() : null;
		if (virtual != null) {
			return new StreamWriterPool(true, (maxThreads != null) ? maxThreads : 0, retryAfter,
					(task) -> virtual.newThread(task).start());
		}
		int max = (maxThreads != null) ? maxThreads : DEFAULT_MAX_PLATFORM_THREADS;
		return new StreamWriterPool(false, max, retryAfter, platformThreads());
	}

	/**
	 * Return the pool of writer streams that run outside an application's StreamGuard
	 * configuration (StreamGuard disabled, a plain test): virtual threads where available,
	 * otherwise {@value #DEFAULT_MAX_PLATFORM_THREADS} platform threads. Created on first use.
	 * @return the JVM-wide pool
	 */
	public static StreamWriterPool shared() {
		StreamWriterPool pool = shared;
		if (pool == null) {
			synchronized (sharedLock) {
				pool = shared;
				if (pool == null) {
					pool = create(true, null, Duration.ofSeconds(1));
					shared = pool;
				}
			}
		}
		return pool;
	}

	private static ExecutorService platformThreads() {
		AtomicInteger count = new AtomicInteger();
		ThreadFactory factory = (task) -> {
			Thread thread = new Thread(task, THREAD_NAME_PREFIX + count.incrementAndGet());
			thread.setDaemon(true);
			return thread;
		};
		// The pool never queues: the permits in tryLaunch bound what runs, and a thread whose
		// task just ended may not yet be idle, so the executor itself must not refuse.
		return new ThreadPoolExecutor(0, Integer.MAX_VALUE, 60, TimeUnit.SECONDS, new SynchronousQueue<>(), factory);
	}

	/**
	 * Whether producers run on virtual threads.
	 * @return {@code true} on virtual threads, {@code false} on platform threads
	 */
	public boolean virtualThreads() {
		return this.virtualThreads;
	}

	/**
	 * Return how many producers may run at once.
	 * @return the limit, {@code 0} for none (virtual threads without a configured limit)
	 */
	public int maxThreads() {
		return this.maxThreads;
	}

	/**
	 * Return how many producers run now; a producer counts until its thread returns, also
	 * after its stream ended.
	 * @return the count
	 */
	public int activeThreads() {
		return this.active.get();
	}

	/**
	 * Return how many writer streams were refused because every thread was busy.
	 * @return the count since the pool was created
	 */
	public long refusedCount() {
		return this.refused.get();
	}

	/**
	 * Run a producer on a thread of its own, if one is left.
	 * @param producer what to run
	 * @return the task, whose disposal interrupts the producer (or keeps it from starting),
	 * or {@code null} when every thread is busy
	 */
	@Nullable Disposable tryLaunch(Runnable producer) {
		if (!tryAcquire()) {
			this.refused.incrementAndGet();
			return null;
		}
		ProducerTask task = new ProducerTask(producer);
		try {
			this.executor.execute(task);
		}
		catch (RuntimeException ex) {
			// Shut down, or no thread could be made: the stream is refused like a full pool.
			task.dispose();
			this.refused.incrementAndGet();
			return null;
		}
		return task;
	}

	private boolean tryAcquire() {
		for (;;) {
			int current = this.active.get();
			if (this.maxThreads > 0 && current >= this.maxThreads) {
				return false;
			}
			if (this.active.compareAndSet(current, current + 1)) {
				return true;
			}
		}
	}

	/**
	 * Return the refusal of a writer stream that found no thread.
	 * @return the exception to fail the stream with
	 */
	StreamRejectedException rejection() {
		return new StreamRejectedException(503, this.retryAfter, "This instance has no thread left for a blocking "
				+ "producer (all " + this.maxThreads + " writer threads are busy); retry, another instance may serve "
				+ "the stream");
	}

	@Override
	public void dispose() {
		if (this.executor instanceof ExecutorService service) {
			service.shutdownNow();
		}
	}

	@Override
	public boolean isDisposed() {
		return (this.executor instanceof ExecutorService service) && service.isShutdown();
	}

	@Override
	public String toString() {
		return "StreamWriterPool[" + (this.virtualThreads ? "virtual" : "platform") + " threads, max "
				+ ((this.maxThreads > 0) ? this.maxThreads : "unlimited") + ", active " + this.active.get() + "]";
	}

	/**
	 * One producer's run. It holds its permit until the producer returns, so that a producer
	 * that ignores its interrupt still counts against the limit.
	 */
	private final class ProducerTask implements Runnable, Disposable {

		private static final int NEW = 0;

		private static final int RUNNING = 1;

		private static final int DONE = 2;

		private final Runnable producer;

		// Guarded by "this": the interrupt must never reach a thread that moved on to another task.
		private int state = NEW;

		private @Nullable Thread runner;

		ProducerTask(Runnable producer) {
			this.producer = producer;
		}

		@Override
		public void run() {
			synchronized (this) {
				if (this.state != NEW) {
					return;
				}
				this.state = RUNNING;
				this.runner = Thread.currentThread();
			}
			try {
				this.producer.run();
			}
			finally {
				synchronized (this) {
					this.state = DONE;
					this.runner = null;
					// An interrupt from dispose() must not outlive the task on a pooled thread.
					Thread.interrupted();
				}
				StreamWriterPool.this.active.decrementAndGet();
			}
		}

		@Override
		public void dispose() {
			boolean release = false;
			synchronized (this) {
				if (this.state == NEW) {
					this.state = DONE;
					release = true;
				}
				else if (this.state == RUNNING && this.runner != null) {
					this.runner.interrupt();
				}
			}
			if (release) {
				StreamWriterPool.this.active.decrementAndGet();
			}
		}

		@Override
		public synchronized boolean isDisposed() {
			return this.state == DONE;
		}

	}

	/**
	 * Virtual threads, reached reflectively: the library is compiled for Java 17, and a
	 * multi-release class would need a Java 21 compiler in every build.
	 */
	static final class VirtualThreads {

		private VirtualThreads() {
		}

		/**
		 * Return a factory of virtual threads, or {@code null} where the JVM has none.
		 */
		static @Nullable ThreadFactory factory() {
			try {
				Method ofVirtual = Thread.class.getMethod("ofVirtual");
				Class<?> builderType = Class.forName("java.lang.Thread$Builder");
				Object builder = ofVirtual.invoke(null);
				builder = builderType.getMethod("name", String.class, long.class)
					.invoke(builder, THREAD_NAME_PREFIX, 1L);
				return (ThreadFactory) builderType.getMethod("factory").invoke(builder);
			}
			catch (ReflectiveOperationException | LinkageError | UnsupportedOperationException ex) {
				// Before Java 21, or a preview API that is not enabled (Java 19 and 20).
				if (logger.isDebugEnabled()) {
					logger.debug("No virtual threads on Java " + Runtime.version() + ": " + ex);
				}
				return null;
			}
		}

	}

}
