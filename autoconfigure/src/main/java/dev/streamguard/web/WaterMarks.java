package dev.streamguard.web;

import dev.streamguard.stream.StreamPolicy;
import io.netty.channel.WriteBufferWaterMark;
import org.jspecify.annotations.Nullable;

/**
 * The write-buffer water marks of a stream's policy: its write window. Streams of the same
 * window share one instance, so that thousands of connections do not each hold their own.
 */
final class WaterMarks {

	private static volatile @Nullable WriteBufferWaterMark last;

	private WaterMarks() {
	}

	static WriteBufferWaterMark of(StreamPolicy policy) {
		int low = (int) policy.windowLow().toBytes();
		int high = (int) policy.windowHigh().toBytes();
		WriteBufferWaterMark marks = last;
		if (marks == null || marks.low() != low || marks.high() != high) {
			marks = new WriteBufferWaterMark(low, high);
			last = marks;
		}
		return marks;
	}

}
