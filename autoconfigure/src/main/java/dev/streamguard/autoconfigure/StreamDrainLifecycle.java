package dev.streamguard.autoconfigure;

import java.time.Duration;

import dev.streamguard.stream.StreamDrainer;

import org.springframework.context.SmartLifecycle;

/**
 * Drains live streams when the application context stops, before the web server's own
 * graceful shutdown (which would otherwise wait on streams that never end until it is cut
 * off). Runs the drain on a thread of its own and reports back when every stream has ended.
 * <p>
 * Spring waits for one phase at most {@code spring.lifecycle.timeout-per-shutdown-phase}, then
 * goes on to the next one whether the drain has ended or not: the auto-configuration refuses to
 * start when that timeout is shorter than the drain timeout plus a margin.
 *
 * @since 0.1.0
 */
public class StreamDrainLifecycle implements SmartLifecycle {

	/**
	 * Phase of this lifecycle: later than the web server's graceful shutdown
	 * ({@code DEFAULT_PHASE - 1024}), so that it stops first.
	 */
	public static final int PHASE = SmartLifecycle.DEFAULT_PHASE;

	private final StreamDrainer drainer;

	private final Duration timeout;

	private volatile boolean running;

	/**
	 * Create a lifecycle.
	 * @param drainer the drainer
	 * @param timeout how long streams may take to finish once the drain starts
	 */
	public StreamDrainLifecycle(StreamDrainer drainer, Duration timeout) {
		this.drainer = drainer;
		this.timeout = timeout;
	}

	@Override
	public void start() {
		this.running = true;
	}

	@Override
	public void stop() {
		this.drainer.drain(this.timeout);
		this.running = false;
	}

	@Override
	public void stop(Runnable callback) {
		Thread thread = new Thread(() -> {
			try {
				stop();
			}
			finally {
				callback.run();
			}
		}, "streamguard-drain");
		thread.setDaemon(true);
		thread.start();
	}

	@Override
	public boolean isRunning() {
		return this.running;
	}

	@Override
	public int getPhase() {
		return PHASE;
	}

}
