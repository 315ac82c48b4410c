package dev.streamguard.source;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
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
	void closedRangesRoundTrip(@ForAll @LongRange(min = 0, max = Long.MAX_VALUE / 2) long first,
			@ForAll @LongRange(min = 0, max = Long.MAX_VALUE / 2) long length) {
		Positions.ByteRange range = Positions.parseRange("bytes=" + first + "-" + (first + length));
		assertThat(range).isNotNull();
		assertThat(range.first()).isEqualTo(first);
		assertThat(range.last()).isEqualTo(first + length);
		assertThat(range.lastWithin(first + 1)).isEqualTo(first);
	}

	@Property
	void openRangesAreSatisfiableOnlyWithinTheBody(@ForAll @LongRange(min = 0, max = 1_000_000) long first,
			@ForAll @LongRange(min = 0, max = 1_000_000) long length) {
		Positions.ByteRange range = Positions.parseRange("bytes=" + first + "-");
		assertThat(range).isNotNull();
		assertThat(range.satisfiable(length)).isEqualTo(first < length);
	}

	@Property
	void arbitraryTextNeverThrows(@ForAll String text) {
		Positions.parsePosition(text);
		Positions.parseRange(text);
	}

	@Provide
	Arbitrary<String> withNonDigit() {
		Arbitrary<String> digits = Arbitraries.strings().numeric().ofMaxLength(10);
		Arbitrary<Character> nonDigit = Arbitraries.chars().filter((c) -> c < '0' || c > '9');
		return net.jqwik.api.Combinators.combine(digits, nonDigit, digits).as((a, c, b) -> a + c + b);
	}

}
