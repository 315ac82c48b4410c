package dev.streamguard.web;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

import org.jspecify.annotations.Nullable;

import org.springframework.http.ETag;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpMethod;

/**
 * The conditional requests of RFC 9110 section 13 for one byte source answer, evaluated in the
 * order of section 13.2.2. Spring's {@code checkNotModified} is not enough here: it skips
 * {@code If-Match} and {@code If-Unmodified-Since} on {@code GET} (where a download manager
 * sends them to be sure its ranges come from one representation) and knows no
 * {@code If-Range}.
 *
 * @param entityTag the current entity tag, or {@code null} when the source has none
 * @param modified the time of the last change, or {@code null} when not known
 * @param now the time of the answer, to tell a strong last-modified date from a weak one
 */
record Preconditions(@Nullable ETag entityTag, @Nullable Instant modified, Instant now) {

	/**
	 * Return the last-modified date as HTTP carries it, to the second.
	 * @return the date, or {@code null} when not known
	 */
	@Nullable Instant lastModified() {
		return (this.modified != null) ? this.modified.truncatedTo(ChronoUnit.SECONDS) : null;
	}

	/** What the preconditions of a request decide. */
	enum Outcome {

		/** Answer the request: {@code 200}, or {@code 206} for a range. */
		PROCEED,

		/** Answer {@code 304 Not Modified}: the client's copy is current. */
		NOT_MODIFIED,

		/** Answer {@code 412 Precondition Failed}. */
		FAILED

	}

	Outcome evaluate(HttpMethod method, HttpHeaders request) {
		Instant lastModified = lastModified();
		List<String> ifMatch = request.getOrEmpty(HttpHeaders.IF_MATCH);
		if (!ifMatch.isEmpty()) {
			if (!matches(ifMatch, true)) {
				return Outcome.FAILED;
			}
		}
		else if (request.containsHeader(HttpHeaders.IF_UNMODIFIED_SINCE)) {
			long since = request.getIfUnmodifiedSince();
			// An invalid date, or no date of our own to compare it with: the header is ignored.
			if (since >= 0 && lastModified != null && lastModified.toEpochMilli() > since) {
				return Outcome.FAILED;
			}
		}
		boolean safe = HttpMethod.GET.equals(method) || HttpMethod.HEAD.equals(method);
		List<String> ifNoneMatch = request.getOrEmpty(HttpHeaders.IF_NONE_MATCH);
		if (!ifNoneMatch.isEmpty()) {
			if (matches(ifNoneMatch, false)) {
				return safe ? Outcome.NOT_MODIFIED : Outcome.FAILED;
			}
		}
		else if (safe && request.containsHeader(HttpHeaders.IF_MODIFIED_SINCE)) {
			long since = request.getIfModifiedSince();
			if (since >= 0 && lastModified != null && lastModified.toEpochMilli() <= since) {
				return Outcome.NOT_MODIFIED;
			}
		}
		return Outcome.PROCEED;
	}

	/**
	 * Whether a {@code Range} may be served under the request's {@code If-Range} (section
	 * 13.1.5): when there is none, or it names the current representation by a strong entity
	 * tag (strong comparison) or by exactly its last-modified date, if that date is a strong
	 * validator. Otherwise the whole body is sent, so that a client never splices ranges of
	 * two different representations.
	 */
	boolean rangeAllowed(HttpHeaders request) {
		String ifRange = request.getFirst(HttpHeaders.IF_RANGE);
		if (ifRange == null) {
			return true;
		}
		String value = ifRange.strip();
		if (value.startsWith("\"") || value.startsWith("W/")) {
			List<ETag> tags = ETag.parse(value);
			return this.entityTag != null && tags.size() == 1 && tags.get(0).compare(this.entityTag, true);
		}
		Instant lastModified = lastModified();
		if (lastModified == null || !strongDate()) {
			return false;
		}
		try {
			return request.getFirstDate(HttpHeaders.IF_RANGE) == lastModified.toEpochMilli();
		}
		catch (IllegalArgumentException ex) {
			// Neither an entity tag nor a date: it cannot name the current representation.
			return false;
		}
	}

	/**
	 * A last-modified date is strong once a full second has passed since the change (section
	 * 8.8.2.2): another change within that second would carry the same date.
	 */
	private boolean strongDate() {
		return this.modified != null && !this.modified.plusSeconds(1).isAfter(this.now);
	}

	/**
	 * Whether any of the listed entity tags matches the current one: {@code *} matches any
	 * current representation (a byte source always has one).
	 */
	private boolean matches(List<String> values, boolean strong) {
		for (String value : values) {
			for (ETag tag : ETag.parse(value)) {
				if (tag.isWildcard() || (this.entityTag != null && tag.compare(this.entityTag, strong))) {
					return true;
				}
			}
		}
		return false;
	}

}
