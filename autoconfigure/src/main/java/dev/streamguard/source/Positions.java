package dev.streamguard.source;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.jspecify.annotations.Nullable;

/**
 * Parsers for the positions and ranges clients send, strict about what they accept: ASCII
 * digits only, no sign, no whitespace, no overflow.
 *
 * @since 0.1.0
 */
public final class Positions {

	/** Longest decimal a position may have: {@code Long.MAX_VALUE} has 19 digits. */
	private static final int MAX_DIGITS = 19;

	private static final Pattern RANGE = Pattern.compile("bytes=(\\d{1,19})-(\\d{0,19})");

	/** One range-spec of RFC 9110 section 14.1.1: {@code first-[last]} or {@code -suffix}. */
	private static final Pattern RANGE_SPEC = Pattern.compile("(\\d*)-(\\d*)");

	/**
	 * Most range-specs a {@code Range} header may list before it is ignored: RFC 9110 section
	 * 14.2 lets a server ignore a set of many small ranges, and a long list only costs the
	 * server to coalesce.
	 */
	static final int MAX_RANGE_SPECS = 100;

	/** What {@link #resolve} answers for a range-spec that is not valid. */
	private static final ByteRange INVALID = new ByteRange(-1, null);

	private Positions() {
	}

	/**
	 * Parse a position: a non-negative decimal that fits in a {@code long}.
	 * @param value the text
	 * @return the position, or {@code null} when the text is not one
	 */
	public static @Nullable Long parsePosition(@Nullable String value) {
		if (value == null) {
			return null;
		}
		String text = value;
		if (text.isEmpty() || text.length() > MAX_DIGITS) {
			return null;
		}
		for (int i = 0; i < text.length(); i++) {
			char c = text.charAt(i);
			if (c < '0' || c > '9') {
				return null;
			}
		}
		try {
			return Long.parseLong(text);
		}
		catch (NumberFormatException ex) {
			return null;
		}
	}

	/**
	 * Parse a single HTTP byte range, {@code bytes=first-} or {@code bytes=first-last}.
	 * @param header the {@code Range} header
	 * @return the range, or {@code null} when the header is not one single range of this form
	 * @deprecated since 0.2.0 in favour of {@link #parseRanges(String, long)}, which reads every
	 * form RFC 9110 allows (suffix ranges, lists, any case of the unit)
	 */
	@Deprecated(since = "0.2.0", forRemoval = true)
	public static @Nullable ByteRange parseRange(String header) {
		Matcher matcher = RANGE.matcher(header);
		if (!matcher.matches()) {
			return null;
		}
		Long first = parsePosition(matcher.group(1));
		if (first == null) {
			return null;
		}
		if (matcher.group(2).isEmpty()) {
			return new ByteRange(first, null);
		}
		Long last = parsePosition(matcher.group(2));
		if (last == null || last < first) {
			return null;
		}
		return new ByteRange(first, last);
	}

	/**
	 * Parse a {@code Range} header as RFC 9110 section 14 defines it, for a body of the given
	 * length. The unit is compared without regard to case; the range set is a comma-separated
	 * list (optional whitespace, empty elements allowed) of {@code first-last},
	 * {@code first-} and {@code -suffix-length}; numbers too large for a {@code long} are
	 * read as {@code Long.MAX_VALUE}, which is past the end of every body.
	 * <p>
	 * A header to be ignored, so that the whole body is served, gives {@code null}: another
	 * unit than {@code bytes} (the server must ignore units it does not understand), a range
	 * set that is not valid (such as {@code bytes=abc} or {@code bytes=5-3}), or more than 100
	 * ranges. Otherwise the result holds the satisfiable ranges, each within the body
	 * ({@code last < length}), sorted, with overlapping and adjacent ranges merged: every byte
	 * asked for, once. It is empty when no range is satisfiable, which is answered
	 * {@code 416}; on a body of length zero no range is.
	 * @param header the {@code Range} header
	 * @param length the body's length
	 * @return the ranges to serve, empty when none is satisfiable, or {@code null} when the
	 * header is to be ignored
	 * @since 0.2.0
	 */
	public static @Nullable List<ByteRange> parseRanges(String header, long length) {
		int equals = header.indexOf('=');
		if (equals < 0 || !"bytes".equalsIgnoreCase(header.substring(0, equals))) {
			return null;
		}
		String[] specs = header.substring(equals + 1).split(",", -1);
		if (specs.length > MAX_RANGE_SPECS) {
			return null;
		}
		List<ByteRange> satisfiable = new ArrayList<>();
		boolean any = false;
		for (String element : specs) {
			String spec = element.strip();
			if (spec.isEmpty()) {
				continue;
			}
			Matcher matcher = RANGE_SPEC.matcher(spec);
			if (!matcher.matches() || (matcher.group(1).isEmpty() && matcher.group(2).isEmpty())) {
				return null;
			}
			any = true;
			ByteRange range = resolve(matcher.group(1), matcher.group(2), length);
			if (range == INVALID) {
				return null;
			}
			if (range != null) {
				satisfiable.add(range);
			}
		}
		return any ? coalesce(satisfiable) : null;
	}

	/**
	 * Resolve one range-spec against the body: {@link #INVALID} when it is not a valid one,
	 * {@code null} when it is not satisfiable, the bytes it selects otherwise.
	 */
	private static @Nullable ByteRange resolve(String firstDigits, String lastDigits, long length) {
		if (firstDigits.isEmpty()) {
			long suffix = saturated(lastDigits);
			return (suffix > 0 && length > 0) ? new ByteRange(Math.max(0, length - suffix), length - 1) : null;
		}
		long first = saturated(firstDigits);
		long last = lastDigits.isEmpty() ? Long.MAX_VALUE : saturated(lastDigits);
		if (last < first) {
			return INVALID;
		}
		return (first < length) ? new ByteRange(first, Math.min(last, length - 1)) : null;
	}

	/** Digits as a number, {@code Long.MAX_VALUE} for any too large for a {@code long}. */
	private static long saturated(String digits) {
		Long value = parsePosition(digits);
		return (value != null) ? value : Long.MAX_VALUE;
	}

	private static List<ByteRange> coalesce(List<ByteRange> ranges) {
		ranges.sort(Comparator.comparingLong(ByteRange::first));
		List<ByteRange> merged = new ArrayList<>(ranges.size());
		for (ByteRange range : ranges) {
			ByteRange previous = merged.isEmpty() ? null : merged.get(merged.size() - 1);
			// Resolved ranges end within the body, so last + 1 cannot overflow.
			long previousLast = (previous != null) ? previous.lastWithin(Long.MAX_VALUE) : -2;
			if (previous != null && range.first() <= previousLast + 1) {
				merged.set(merged.size() - 1,
						new ByteRange(previous.first(), Math.max(previousLast, range.lastWithin(Long.MAX_VALUE))));
			}
			else {
				merged.add(range);
			}
		}
		return merged;
	}

	/**
	 * A byte range as the client asked for it.
	 *
	 * @param first the first byte
	 * @param last the last byte, inclusive, or {@code null} for "to the end"
	 */
	public record ByteRange(long first, @Nullable Long last) {

		/**
		 * Whether any of the range lies within a body of the given length.
		 * @param length the body's length
		 * @return {@code true} when the range can be served
		 */
		public boolean satisfiable(long length) {
			return this.first < length;
		}

		/**
		 * Return the last byte served for a body of the given length.
		 * @param length the body's length
		 * @return the last byte, inclusive
		 */
		public long lastWithin(long length) {
			return (this.last != null) ? Math.min(this.last, length - 1) : length - 1;
		}

	}

}
