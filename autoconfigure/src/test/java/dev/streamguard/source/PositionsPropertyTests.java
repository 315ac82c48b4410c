package dev.streamguard.source;

import java.util.List;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.StringLength;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Properties of the position and range parsers, over generated input.
 */
class PositionsPropertyTests {

	@Property
	void everyNonNegativeLongRoundTrips(@ForAll @LongRange(min = 0, max = Long.MAX_VALUE) long position) {
		assertThat(Positions.parsePosition(Long.toString(position))).isEqualTo(position);
	}

	@Property
	void negativeNumbersAreRejected(@ForAll @LongRange(min = Long.MIN_VALUE, max = -1) long position) {
		assertThat(Positions.parsePosition(Long.toString(position))).isNull();
	}

	@Property
	void anythingWithANonDigitIsRejected(@ForAll("withNonDigit") String text) {
		assertThat(Positions.parsePosition(text)).isNull();
	}

	@Property
	void numbersBeyondLongAreRejected(@ForAll @StringLength(min = 20, max = 40) @net.jqwik.api.constraints.NumericChars String digits) {
		assertThat(Positions.parsePosition(digits)).isNull();
	}

	@Property
	@SuppressWarnings("removal") // the single-range parser stays covered until it is removed
	void closedRangesRoundTrip(@ForAll @LongRange(min = 0, max = Long.MAX_VALUE / 2) long first,
			@ForAll @LongRange(min = 0, max = Long.MAX_VALUE / 2) long length) {
		Positions.ByteRange range = Positions.parseRange("bytes=" + first + "-" + (first + length));
		assertThat(range).isNotNull();
		assertThat(range.first()).isEqualTo(first);
		assertThat(range.last()).isEqualTo(first + length);
		assertThat(range.lastWithin(first + 1)).isEqualTo(first);
	}

	@Property
	@SuppressWarnings("removal") // the single-range parser stays covered until it is removed
	void openRangesAreSatisfiableOnlyWithinTheBody(@ForAll @LongRange(min = 0, max = 1_000_000) long first,
			@ForAll @LongRange(min = 0, max = 1_000_000) long length) {
		Positions.ByteRange range = Positions.parseRange("bytes=" + first + "-");
		assertThat(range).isNotNull();
		assertThat(range.satisfiable(length)).isEqualTo(first < length);
	}

	@Property
	@SuppressWarnings("removal") // the single-range parser stays covered until it is removed
	void arbitraryTextNeverThrows(@ForAll String text, @ForAll @LongRange(min = 0, max = 1000) long length) {
		Positions.parsePosition(text);
		Positions.parseRange(text);
		Positions.parseRanges(text, length);
		Positions.parseRanges("bytes=" + text, length);
	}

	@Property
	void suffixRangesServeTheLastBytes(@ForAll @LongRange(min = 1, max = Long.MAX_VALUE) long suffix,
			@ForAll @LongRange(min = 1, max = Long.MAX_VALUE) long length) {
		List<Positions.ByteRange> ranges = Positions.parseRanges("bytes=-" + suffix, length);
		assertThat(ranges).hasSize(1);
		assertThat(ranges.get(0).first()).isEqualTo(Math.max(0, length - suffix));
		assertThat(ranges.get(0).lastWithin(length)).isEqualTo(length - 1);
	}

	@Property
	void otherUnitsAreIgnored(@ForAll("unit") String unit) {
		assertThat(Positions.parseRanges(unit + "=0-9", 100)).isNull();
	}

	@Property
	void rangeSetsCoverExactlyTheBytesAskedForSortedAndDisjoint(@ForAll("rangeSet") List<long[]> specs,
			@ForAll @LongRange(min = 1, max = 300) long length) {
		StringBuilder header = new StringBuilder("bytes=");
		boolean[] asked = new boolean[(int) length];
		for (long[] spec : specs) {
			header.append((header.length() > 6) ? ", " : "");
			if (spec[0] < 0) {
				header.append('-').append(spec[1]);
				for (long i = Math.max(0, length - spec[1]); i < length; i++) {
					asked[(int) i] = true;
				}
			}
			else {
				header.append(spec[0]).append('-').append(spec[0] + spec[1]);
				for (long i = spec[0]; i <= spec[0] + spec[1] && i < length; i++) {
					asked[(int) i] = true;
				}
			}
		}
		List<Positions.ByteRange> ranges = Positions.parseRanges(header.toString(), length);
		assertThat(ranges).as(header.toString()).isNotNull();
		boolean[] served = new boolean[(int) length];
		long previousLast = -2;
		for (Positions.ByteRange range : ranges) {
			// Sorted, and neither overlapping nor adjacent: each would have been merged.
			assertThat(range.first()).as(header.toString()).isGreaterThan(previousLast + 1);
			previousLast = range.lastWithin(length);
			assertThat(previousLast).isLessThan(length).isGreaterThanOrEqualTo(range.first());
			for (long i = range.first(); i <= previousLast; i++) {
				served[(int) i] = true;
			}
		}
		assertThat(served).as(header.toString()).isEqualTo(asked);
	}

	@Property
	void aRangeThatEndsBeforeItStartsMakesTheHeaderIgnored(@ForAll @LongRange(min = 1, max = 1_000_000) long first,
			@ForAll @LongRange(min = 1, max = 1_000_000) long shorter) {
		assertThat(Positions.parseRanges("bytes=0-1," + first + "-" + Math.max(0, first - shorter), 2_000_000))
			.isNull();
	}

	@Provide
	Arbitrary<String> unit() {
		return Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(8).filter((u) -> !u.equalsIgnoreCase("bytes"));
	}

	/** Range-specs as {first, extent} ({@code first-(first+extent)}) or {-1, suffix}. */
	@Provide
	Arbitrary<List<long[]>> rangeSet() {
		Arbitrary<long[]> closed = Combinators.combine(Arbitraries.longs().between(0, 400),
				Arbitraries.longs().between(0, 50)).as((first, extent) -> new long[] { first, extent });
		Arbitrary<long[]> suffix = Arbitraries.longs().between(1, 400).map((n) -> new long[] { -1, n });
		return Arbitraries.oneOf(closed, suffix).list().ofMinSize(1).ofMaxSize(10);
	}

	@Provide
	Arbitrary<String> withNonDigit() {
		Arbitrary<String> digits = Arbitraries.strings().numeric().ofMaxLength(10);
		Arbitrary<Character> nonDigit = Arbitraries.chars().filter((c) -> c < '0' || c > '9');
		return Combinators.combine(digits, nonDigit, digits).as((a, c, b) -> a + c + b);
	}

}
