package dev.streamguard.demo;

import dev.streamguard.source.Positions;

import org.springframework.http.HttpStatus;
import org.springframework.util.unit.DataSize;
import org.springframework.web.server.ResponseStatusException;

/**
 * Parameters of the demo's streams, checked before any stream starts.
 */
final class BulkRequests {

	static final long MAX_SIZE = DataSize.ofTerabytes(1).toBytes();

	private static final int PERIOD = 251;

	private static final byte[] PATTERN = new byte[64 * 1024 + PERIOD];

	static {
		for (int i = 0; i < PATTERN.length; i++) {
			PATTERN[i] = (byte) (i % PERIOD);
		}
	}

	private BulkRequests() {
	}

	static long parseSize(String size) {
		DataSize parsed;
		try {
			parsed = DataSize.parse(size.trim());
		}
		catch (IllegalArgumentException ex) {
			throw new ResponseStatusException(HttpStatus.BAD_REQUEST,
					"Parameter 'size' must be a size such as 1048576, 64KB or 10GB");
		}
		if (parsed.isNegative() || parsed.toBytes() > MAX_SIZE) {
			throw new ResponseStatusException(HttpStatus.BAD_REQUEST,
					"Parameter 'size' must be between 0B and 1TB");
		}
		return parsed.toBytes();
	}

	static long parseCount(String count) {
		Long parsed = Positions.parsePosition(count);
		if (parsed == null) {
			String shown = (count.length() > 20) ? count.substring(0, 20) + "..." : count;
			throw new ResponseStatusException(HttpStatus.BAD_REQUEST,
					"Parameter 'count' must be a whole number from 0, was '" + shown.replaceAll("\\p{Cntrl}", "?") + "'");
		}
		return parsed;
	}

	/** Return a copy of the pattern bytes at the given offset of the body. */
	static byte[] pattern(long offset, int length) {
		int start = (int) (offset % PERIOD);
		byte[] chunk = new byte[length];
		System.arraycopy(PATTERN, start, chunk, 0, length);
		return chunk;
	}

}
