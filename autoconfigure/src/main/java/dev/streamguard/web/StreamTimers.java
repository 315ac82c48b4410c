package dev.streamguard.web;

import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import dev.streamguard.stream.StreamPolicy;
import dev.streamguard.stream.TerminationReason;
import dev.streamguard.transport.ChannelWatch;
import dev.streamguard.transport.PeerProgress;
import dev.streamguard.transport.TcpInfo;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import org.jspecify.annotations.Nullable;
import reactor.core.Disposable;
import reactor.core.scheduler.Schedulers;

/**
 * The timers of one guarded stream and its stall check: first element, idle, maximum duration,
 * lease, stall, heartbeat, and the send rate. They tick on the connection's event loop (through
 * the {@link StreamTicker} shared by the streams of that loop) and end the stream through
 * {@link dev.streamguard.stream.LiveStream#end(TerminationReason)}, like any other party.
 */
final class StreamTimers implements StreamTicker.Ticking {

	private static final long MIN_TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

	private static final long MAX_TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

	private static final long RATE_SAMPLE_NANOS = TimeUnit.SECONDS.toNanos(1);

	/**
	 * The longest a stream that looks healthy goes without a tick: it bounds how stale the
	 * send rate gets, and how late a stall caught only by a later tick is found.
	 */
	private static final long MAX_SKIP_NANOS = TimeUnit.SECONDS.toNanos(5);

	// More than two ticks: a sibling that holds the connection's window ends first.
	private static final long FROZEN_BY_CONNECTION_GRACE_NANOS = TimeUnit.SECONDS.toNanos(1);

	private final LiveStreamView stream;

	private final boolean heartbeats;

	// Drawn per stream from the last tenth of the policy's lease, so that streams opened together
	// (after a deploy, a drain) do not all come back at the same instant; 0 for none.
	private final long leaseNanos;

	// The ticker of a stream without a connection: a task of its own.
	private volatile @Nullable Disposable elsewhere;

	// Confined to the ticks.
	private long lastFlushed;

	// The period of the shared ticker this stream ticks with, 0 for none.
	private long periodNanos;

	// Where the stream is in its ticker's group.
	private int slot = -1;

	// The last tick found the connection blocked or the kernel holding data for the peer.
	private boolean blocked;

	// The last tick asked to be passed by for a while: only then does a wake have work to do.
	private boolean resting;

	private long rateSampleNanos;

	private long rateSampleBytes;

	private volatile long sendRate;

	private volatile long lastProgressNanos = System.nanoTime();

	private volatile @Nullable TcpInfo lastTcpInfo;

	// An HTTP/2 stream's window; null over HTTP/1.1.
	private final @Nullable Http2StreamProgress http2;

	StreamTimers(LiveStreamView stream, boolean heartbeats) {
		this.stream = stream;
		this.heartbeats = heartbeats;
		this.http2 = Http2StreamProgress.of(stream.channel);
		this.leaseNanos = leaseNanos(stream.policy().lease());
	}

	private static long leaseNanos(@Nullable Duration lease) {
		if (lease == null) {
			return 0;
		}
		long full = lease.toNanos();
		return full - ThreadLocalRandom.current().nextLong(full / 10 + 1);
	}

	/**
	 * Start ticking. With a connection the timers always run: they watch progress and the
	 * kernel's view of a blocked connection, which name the reason when the connection goes
	 * away.
	 */
	void start(StreamTicker ticker, long nowNanos) {
		this.lastProgressNanos = nowNanos;
		StreamPolicy policy = this.stream.policy();
		long shortest = Long.MAX_VALUE;
		for (Duration limit : new Duration[] { policy.stallTimeout(), policy.idleTimeout(),
				policy.firstElementTimeout(), policy.maxDuration(), policy.lease(),
				this.heartbeats ? policy.heartbeatInterval() : null }) {
			if (limit != null) {
				shortest = Math.min(shortest, limit.toNanos());
			}
		}
		Channel channel = this.stream.channel;
		if (shortest == Long.MAX_VALUE && channel == null) {
			return;
		}
		long period = Math.max(MIN_TICK_NANOS, Math.min(MAX_TICK_NANOS, shortest / 10));
		if (channel != null) {
			// Leaves the event loop's shared ticker at the first tick after the stream ended.
			this.periodNanos = period;
			ticker.register(channel.eventLoop(), period, this);
			return;
		}
		this.elsewhere = Schedulers.parallel()
			.schedulePeriodically(() -> tick(System.nanoTime()), period, period, TimeUnit.NANOSECONDS);
		if (this.stream.reason() != null) {
			// Ended while the timers were being started.
			stop(ticker);
		}
	}

	void stop(StreamTicker ticker) {
		Http2StreamProgress http2 = this.http2;
		if (http2 != null) {
			http2.ended(System.nanoTime());
		}
		Disposable elsewhere = this.elsewhere;
		if (elsewhere != null) {
			elsewhere.dispose();
		}
		// Leave the shared ticker at its next round, not at the tick this stream asked for. Read
		// on the event loop, where the ticks write it, whether the stream rests.
		Channel channel = this.stream.channel;
		if (channel != null && this.periodNanos > 0) {
			EventLoop loop = channel.eventLoop();
			if (loop.inEventLoop()) {
				wake(ticker);
			}
			else {
				try {
					loop.execute(() -> wake(ticker));
				}
				catch (RejectedExecutionException ex) {
					// The event loop is shutting down, and its ticker with it.
				}
			}
		}
	}

	/**
	 * Have the stream ticked at its ticker's next round, whatever it asked for. Call on the
	 * connection's event loop. A stream ticked every round anyway (a blocked one: a bulk stream
	 * whose window fills and drains many times a second) costs nothing.
	 */
	void wake(StreamTicker ticker) {
		Channel channel = this.stream.channel;
		if (this.resting && channel != null) {
			this.resting = false;
			ticker.wake(channel.eventLoop(), this.periodNanos, this);
		}
	}

	@Override
	public void slot(int slot) {
		this.slot = slot;
	}

	@Override
	public int slot() {
		return this.slot;
	}

	/**
	 * Check the stream's timers.
	 * @param now the time of this round
	 * @return when the stream next needs a check, {@link StreamTicker.Ticking#DONE} once it ended
	 */
	@Override
	public long tick(long now) {
		LiveStreamView stream = this.stream;
		if (stream.reason() != null) {
			return DONE;
		}
		sampleRate(now);
		StreamPolicy policy = stream.policy();
		long age = now - stream.startNanos;
		TerminationReason expired = null;
		boolean first = stream.elements == 0;
		if (expired(policy.maxDuration(), age)) {
			expired = TerminationReason.MAX_DURATION;
		}
		else if (this.leaseNanos > 0 && age >= this.leaseNanos) {
			expired = TerminationReason.LEASE_EXPIRED;
		}
		else if (first && expired(policy.firstElementTimeout(), age)) {
			expired = TerminationReason.FIRST_ELEMENT_TIMEOUT;
		}
		else if ((!first || policy.firstElementTimeout() == null) && stream.waitingForUpstream()
				&& expired(policy.idleTimeout(), now - stream.lastDemandNanos())) {
			expired = TerminationReason.IDLE_TIMEOUT;
		}
		else if (stalled(now)) {
			TcpInfo info = this.lastTcpInfo;
			expired = (info != null && info.peerSilent()) ? TerminationReason.PEER_UNRESPONSIVE
					: TerminationReason.STALLED;
		}
		if (expired != null) {
			stream.end(expired);
			return DONE;
		}
		if (this.heartbeats && expired(policy.heartbeatInterval(), now - stream.lastEmitNanos())) {
			stream.heartbeatDue();
		}
		return nextTick(now, policy, first);
	}

	/**
	 * Return when the stream next needs a tick. A stream on an HTTP/1.1 connection whose kernel
	 * view is watched, neither blocked nor with data held by the kernel, needs none before its
	 * next timer is due: the connection turning unwritable wakes it ({@link #wake}), and the
	 * peer's progress meanwhile is kept by the connection's {@link PeerProgress}. Every other
	 * stream is checked every round, as its stall check needs.
	 */
	private long nextTick(long now, StreamPolicy policy, boolean first) {
		this.resting = false;
		if (this.blocked || this.http2 != null || this.stream.progress == null || this.periodNanos == 0
				|| policy.idleTimeout() != null) {
			return now;
		}
		this.resting = true;
		long next = now + MAX_SKIP_NANOS;
		long start = this.stream.startNanos;
		next = earlier(next, policy.maxDuration(), start);
		if (this.leaseNanos > 0) {
			next = Math.min(next, start + this.leaseNanos);
		}
		if (first) {
			next = earlier(next, policy.firstElementTimeout(), start);
		}
		if (this.heartbeats) {
			next = earlier(next, policy.heartbeatInterval(), this.stream.lastEmitNanos());
		}
		return next;
	}

	private static long earlier(long next, @Nullable Duration limit, long from) {
		return (limit != null) ? Math.min(next, from + limit.toNanos()) : next;
	}

	private void sampleRate(long now) {
		long elapsed = now - this.rateSampleNanos;
		if (elapsed >= RATE_SAMPLE_NANOS) {
			long flushed = this.stream.bytesSent() - this.stream.pendingBytes();
			this.sendRate = (this.rateSampleNanos == 0) ? 0
					: (flushed - this.rateSampleBytes) * RATE_SAMPLE_NANOS / elapsed;
			this.rateSampleNanos = now;
			this.rateSampleBytes = flushed;
		}
	}

	private static boolean expired(@Nullable Duration limit, long elapsedNanos) {
		return limit != null && elapsedNanos >= limit.toNanos();
	}

	private boolean stalled(long now) {
		Channel channel = this.stream.channel;
		if (channel == null) {
			return false;
		}
		Duration stallTimeout = this.stream.policy().stallTimeout();
		PeerProgress progress = this.stream.progress;
		Http2StreamProgress http2 = this.http2;
		if (http2 != null) {
			return stalledOverHttp2(http2, now, stallTimeout, progress);
		}
		if (progress != null) {
			// Progress is what the peer acknowledged, wherever the bytes waited: bytes that
			// leave the process only fill the kernel's send buffer, which a slow reader takes
			// minutes to drain and a non-reader never does.
			if (channel.isWritable() && !progress.holding()) {
				this.lastProgressNanos = now;
				this.lastTcpInfo = null;
				this.blocked = false;
				return false;
			}
			if (!this.blocked) {
				// Healthy at the last tick, which may have been a while ago (healthy streams are
				// not ticked every round): counted from one round ago, as if it had been.
				this.blocked = true;
				this.lastProgressNanos = Math.max(this.lastProgressNanos, now - this.periodNanos);
			}
			this.lastProgressNanos = Math.max(this.lastProgressNanos, progress.lastProgressNanos());
			this.lastTcpInfo = progress.lastSample();
			return expired(stallTimeout, now - this.lastProgressNanos);
		}
		long flushed = this.stream.bytesSent() - this.stream.pendingBytes();
		if (flushed != this.lastFlushed || channel.isWritable()) {
			this.lastFlushed = flushed;
			this.lastProgressNanos = now;
			this.lastTcpInfo = null;
			return false;
		}
		// Blocked: keep the kernel's view, to tell a silent peer from one that stopped reading.
		Channel connection = this.stream.connection;
		this.lastTcpInfo = (connection != null) ? TcpInfo.read(connection).orElse(null) : null;
		return expired(stallTimeout, now - this.lastProgressNanos);
	}

	/**
	 * Over HTTP/2 a stream channel stays writable while its bytes wait in the connection's flow
	 * control, and the connection's TCP progress may be a sibling's: the stream's own window
	 * tells whether the peer reads it.
	 */
	private boolean stalledOverHttp2(Http2StreamProgress http2, long now, @Nullable Duration stallTimeout,
			@Nullable PeerProgress progress) {
		ChannelWatch watcher = this.stream.watcher;
		long left = (watcher != null) ? watcher.writtenOutBytes() : 0;
		long pending = (watcher != null) ? watcher.pendingBytes() : 0;
		long last = http2.check(now, left, pending, this.lastProgressNanos, progress);
		this.lastProgressNanos = last;
		if (last == now) {
			this.lastTcpInfo = null;
			return false;
		}
		this.lastTcpInfo = (progress != null) ? progress.lastSample() : null;
		if (stallTimeout == null) {
			return false;
		}
		long grace = http2.frozenByConnection() ? FROZEN_BY_CONNECTION_GRACE_NANOS : 0;
		return now - last >= stallTimeout.toNanos() + grace;
	}

	long sendRate() {
		return this.sendRate;
	}

	long lastProgressNanos() {
		return this.lastProgressNanos;
	}

	/** The kernel's last view of the connection while it was blocked, if any. */
	@Nullable TcpInfo lastTcpInfo() {
		return this.lastTcpInfo;
	}

}
