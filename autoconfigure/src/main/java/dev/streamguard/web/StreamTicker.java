package dev.streamguard.web;

import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import io.netty.channel.EventLoop;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * Runs the timers of live streams with one periodic task per event loop and period rather than
 * one per stream: thousands of streams on an event loop cost one entry in its scheduled-task
 * queue, and each stream is checked on its own connection's event loop as before. A stream
 * leaves at the first tick after it says it is done (or its check fails); a group without
 * streams cancels its task. A stream says when it next needs a tick, and rounds before that pass
 * it by without touching it: at ten thousand quiet streams a round reads one array instead of
 * ten thousand objects.
 */
final class StreamTicker {

	private static final Log logger = LogFactory.getLog(StreamTicker.class);

	// A due time that is always due: the stream was just added or woken.
	private static final long DUE_NOW = Long.MIN_VALUE;

	private final ConcurrentHashMap<Key, Group> groups = new ConcurrentHashMap<>();

	/**
	 * Tick the given stream every period on the given event loop until it says it is done.
	 * @param loop the event loop of the stream's connection
	 * @param periodNanos the period
	 * @param ticking the stream
	 */
	void register(EventLoop loop, long periodNanos, Ticking ticking) {
		Group group = this.groups.computeIfAbsent(new Key(loop, periodNanos), Group::new);
		if (loop.inEventLoop()) {
			group.add(ticking);
			return;
		}
		try {
			loop.execute(() -> group.add(ticking));
		}
		catch (RejectedExecutionException ex) {
			// The event loop is shutting down, and with it the stream's connection.
		}
	}

	/**
	 * Return how many groups have a task scheduled or about to be.
	 */
	int groupCount() {
		return this.groups.size();
	}

	/**
	 * A stream with timers.
	 */
	interface Ticking {

		/** What {@link #tick(long)} returns when the stream wants no further ticks. */
		long DONE = Long.MIN_VALUE;

		/**
		 * Check the stream's timers.
		 * @param now the {@link System#nanoTime()} of this round of ticks
		 * @return the time before which the stream needs no tick (a time not after {@code now}
		 * for the next round), or {@link #DONE}
		 */
		long tick(long now);

		/**
		 * Where the stream is in its group, for {@link StreamTicker#wake}: set by the group on its
		 * event loop, {@code -1} when the stream is in none.
		 * @param slot the index
		 */
		default void slot(int slot) {
		}

		/**
		 * Return what {@link #slot(int)} last set.
		 */
		default int slot() {
			return -1;
		}

	}

	/**
	 * Have the given stream ticked at the next round of its group, whatever it asked for. Call on
	 * the stream's event loop.
	 * @param loop the event loop of the stream's connection
	 * @param periodNanos the period it registered with
	 * @param ticking the stream
	 */
	void wake(EventLoop loop, long periodNanos, Ticking ticking) {
		Group group = this.groups.get(new Key(loop, periodNanos));
		if (group != null) {
			group.wake(ticking);
		}
	}

	private record Key(EventLoop loop, long periodNanos) {
	}

	/**
	 * The streams of one event loop that tick at one period. Confined to that event loop. A
	 * stream may ask to be left alone until a time of its choosing; the round then passes it
	 * by reading only this group's own array, not the stream.
	 */
	private final class Group implements Runnable {

		private final Key key;

		private Ticking[] members = new Ticking[16];

		// When each member next wants a tick, in System.nanoTime() terms.
		private long[] due = new long[16];

		private int size;

		private @Nullable ScheduledFuture<?> task;

		private boolean retired;

		Group(Key key) {
			this.key = key;
		}

		void add(Ticking ticking) {
			if (this.retired) {
				// Retired since it was looked up: join its successor.
				register(this.key.loop(), this.key.periodNanos(), ticking);
				return;
			}
			if (this.size == this.members.length) {
				this.members = Arrays.copyOf(this.members, this.size * 2);
				this.due = Arrays.copyOf(this.due, this.size * 2);
			}
			this.members[this.size] = ticking;
			this.due[this.size] = DUE_NOW;
			ticking.slot(this.size);
			this.size++;
			if (this.task == null) {
				this.task = this.key.loop()
					.scheduleAtFixedRate(this, this.key.periodNanos(), this.key.periodNanos(), TimeUnit.NANOSECONDS);
			}
		}

		void wake(Ticking ticking) {
			int slot = ticking.slot();
			if (slot >= 0 && slot < this.size && this.members[slot] == ticking) {
				this.due[slot] = DUE_NOW;
			}
		}

		@Override
		public void run() {
			long now = System.nanoTime();
			Ticking[] members = this.members;
			long[] due = this.due;
			for (int i = 0; i < this.size;) {
				if (due[i] != DUE_NOW && due[i] - now > 0) {
					i++;
					continue;
				}
				long next = tick(members[i], now);
				if (next != Ticking.DONE) {
					due[i] = next;
					i++;
				}
				else {
					// Order does not matter: move the last member into the gap.
					members[i].slot(-1);
					int last = --this.size;
					if (i < last) {
						members[i] = members[last];
						due[i] = due[last];
						members[i].slot(i);
					}
					members[last] = null;
				}
			}
			if (this.size == 0) {
				this.retired = true;
				StreamTicker.this.groups.remove(this.key, this);
				ScheduledFuture<?> task = this.task;
				if (task != null) {
					task.cancel(false);
				}
			}
		}

		private long tick(Ticking ticking, long now) {
			try {
				return ticking.tick(now);
			}
			catch (RuntimeException ex) {
				logger.warn("A stream's timer check failed; its timers stop", ex);
				return Ticking.DONE;
			}
		}

	}

}
