package dev.streamguard.test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import reactor.core.publisher.SignalType;

/**
 * What the upstream of a test stream did: how much it produced and how it ended.
 */
public final class Probe {

	private final AtomicLong produced = new AtomicLong();

	private final CountDownLatch finished = new CountDownLatch(1);

	private final AtomicLong finishes = new AtomicLong();

	private final List<String> events = new CopyOnWriteArrayList<>();

	private volatile SignalType signal;

	private volatile long finishedNanos;

	public void produced(long bytes) {
		this.produced.addAndGet(bytes);
	}

	public long produced() {
		return this.produced.get();
	}

	public void finish(SignalType signal) {
		this.signal = signal;
		this.finishedNanos = System.nanoTime();
		this.finishes.incrementAndGet();
		this.finished.countDown();
	}

	public void event(String event) {
		this.events.add(event);
	}

	public List<String> events() {
		return this.events;
	}

	public boolean awaitFinish(Duration timeout) throws InterruptedException {
		return this.finished.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
	}

	public boolean isFinished() {
		return this.finished.getCount() == 0;
	}

	public SignalType signal() {
		return this.signal;
	}

	public long finishes() {
		return this.finishes.get();
	}

	public long finishedNanos() {
		return this.finishedNanos;
	}

}
