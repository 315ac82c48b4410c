package dev.streamguard.source;

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
	 */
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
