package dev.streamguard.web;

import java.util.ArrayList;
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
 * streams cancels its task.
 */
final class StreamTicker {

	private static final Log logger = LogFactory.getLog(StreamTicker.class);

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

		/**
		 * Check the stream's timers.
		 * @return whether the stream wants further ticks
		 */
		boolean tick();

	}

	private record Key(EventLoop loop, long periodNanos) {
	}

	/**
	 * The streams of one event loop that tick at one period. Confined to that event loop.
	 */
	private final class Group implements Runnable {

		private final Key key;

		private final ArrayList<Ticking> members = new ArrayList<>();

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
			this.members.add(ticking);
			if (this.task == null) {
				this.task = this.key.loop()
					.scheduleAtFixedRate(this, this.key.periodNanos(), this.key.periodNanos(), TimeUnit.NANOSECONDS);
			}
		}

		@Override
		public void run() {
			ArrayList<Ticking> members = this.members;
			for (int i = 0; i < members.size();) {
				if (tick(members.get(i))) {
					i++;
				}
				else {
					// Order does not matter: move the last member into the gap.
					int last = members.size() - 1;
					members.set(i, members.get(last));
					members.remove(last);
				}
			}
			if (members.isEmpty()) {
				this.retired = true;
				StreamTicker.this.groups.remove(this.key, this);
				ScheduledFuture<?> task = this.task;
				if (task != null) {
					task.cancel(false);
				}
			}
		}

		private boolean tick(Ticking ticking) {
			try {
				return ticking.tick();
			}
			catch (RuntimeException ex) {
				logger.warn("A stream's timer check failed; its timers stop", ex);
				return false;
			}
		}

	}

}
