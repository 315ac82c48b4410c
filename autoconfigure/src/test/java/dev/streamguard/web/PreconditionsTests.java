package dev.streamguard.web;

import java.time.Instant;

import dev.streamguard.web.Preconditions.Outcome;
import org.junit.jupiter.api.Test;

import org.springframework.http.ETag;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The cases of {@link Preconditions} that depend on the clock or on a source without
 * validators, which a server cannot show with a fixed source.
 */
class PreconditionsTests {

	private static final Instant MODIFIED = Instant.parse("2026-03-01T10:00:00.250Z");

	@Test
	void lastModifiedDateWithinTheLastSecondCannotSelectARange() {
		HttpHeaders request = headers(HttpHeaders.IF_RANGE, "Sun, 01 Mar 2026 10:00:00 GMT");
		// The file may change again within the same second, under the same date: a weak validator.
		assertThat(new Preconditions(null, MODIFIED, Instant.parse("2026-03-01T10:00:01Z")).rangeAllowed(request))
			.isFalse();
		assertThat(new Preconditions(null, MODIFIED, MODIFIED.plusSeconds(1)).rangeAllowed(request)).isTrue();
	}

	@Test
	void sourceWithoutValidatorsFailsIfMatchWithATagAndIgnoresDates() {
		Preconditions none = new Preconditions(null, null, MODIFIED);
		assertThat(none.evaluate(HttpMethod.GET, headers(HttpHeaders.IF_MATCH, "\"a\""))).isEqualTo(Outcome.FAILED);
		assertThat(none.evaluate(HttpMethod.GET, headers(HttpHeaders.IF_MATCH, "*"))).isEqualTo(Outcome.PROCEED);
		assertThat(none.evaluate(HttpMethod.GET, headers(HttpHeaders.IF_NONE_MATCH, "\"a\"")))
			.isEqualTo(Outcome.PROCEED);
		assertThat(none.evaluate(HttpMethod.GET, headers(HttpHeaders.IF_MODIFIED_SINCE, "Sun, 01 Mar 2026 10:00:00 GMT")))
			.isEqualTo(Outcome.PROCEED);
		assertThat(none.evaluate(HttpMethod.GET,
				headers(HttpHeaders.IF_UNMODIFIED_SINCE, "Sun, 01 Mar 2020 10:00:00 GMT")))
			.isEqualTo(Outcome.PROCEED);
		assertThat(none.rangeAllowed(headers(HttpHeaders.IF_RANGE, "\"a\""))).isFalse();
		assertThat(none.rangeAllowed(headers(HttpHeaders.IF_RANGE, "Sun, 01 Mar 2026 10:00:00 GMT"))).isFalse();
		assertThat(none.rangeAllowed(new HttpHeaders())).isTrue();
	}

	@Test
	void ifNoneMatchOfAnUnsafeMethodFailsInsteadOfNotModified() {
		Preconditions tagged = new Preconditions(new ETag("a", false), null, MODIFIED);
		assertThat(tagged.evaluate(HttpMethod.POST, headers(HttpHeaders.IF_NONE_MATCH, "\"a\"")))
			.isEqualTo(Outcome.FAILED);
		assertThat(tagged.evaluate(HttpMethod.GET, headers(HttpHeaders.IF_NONE_MATCH, "\"a\"")))
			.isEqualTo(Outcome.NOT_MODIFIED);
	}

	private static HttpHeaders headers(String name, String value) {
		HttpHeaders headers = new HttpHeaders();
		headers.add(name, value);
		return headers;
	}

}
