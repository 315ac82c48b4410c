package dev.streamguard.test;

import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import dev.streamguard.stream.LiveStream;
import dev.streamguard.stream.StreamListener;
import dev.streamguard.stream.TerminationReason;

/**
 * Records the streams that start and end, for tests to wait on.
 */
public final class RecordingListener implements StreamListener {

	private final BlockingQueue<LiveStream> started = new LinkedBlockingQueue<>();

	private final BlockingQueue<Ended> ended = new LinkedBlockingQueue<>();

	@Override
	public void onStart(LiveStream stream) {
		this.started.add(stream);
	}

	@Override
	public void onEnd(LiveStream stream, TerminationReason reason) {
		this.ended.add(new Ended(stream, reason, System.nanoTime()));
	}

	public LiveStream awaitStart(Duration timeout) throws InterruptedException {
		LiveStream stream = this.started.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
		if (stream == null) {
			throw new AssertionError("No stream started within " + timeout);
		}
		return stream;
	}

	public Ended awaitEnd(Duration timeout) throws InterruptedException {
		Ended end = this.ended.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
		if (end == null) {
			throw new AssertionError("No stream ended within " + timeout);
		}
		return end;
	}

	public Ended pollEnd(Duration timeout) throws InterruptedException {
		return this.ended.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
	}

	public int endedCount() {
		return this.ended.size();
	}

	/**
	 * Streams started and not yet taken by {@link #awaitStart(Duration)}. A stream registers
	 * before the first byte of its response is written, so once a response has been read this
	 * tells at once, without waiting, whether it was guarded.
	 */
	public int startedCount() {
		return this.started.size();
	}

	/** Forget the streams that started and ended so far. */
	public void clear() {
		this.started.clear();
		this.ended.clear();
	}

	public record Ended(LiveStream stream, TerminationReason reason, long nanoTime) {
	}

}
