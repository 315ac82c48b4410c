package dev.streamguard.autoconfigure;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

import org.springframework.util.unit.DataSize;
import org.springframework.validation.Errors;
import org.springframework.web.util.pattern.PathPatternParser;
import org.springframework.web.util.pattern.PatternParseException;

/**
 * Checks that report each problem with the property's full name and its value. Names are given
 * relative to {@code streamguard.}.
 */
record ConfigurationChecks(Errors errors) {

	private static final String PREFIX = "streamguard.";

	void notNegative(String property, @Nullable Duration value) {
		if (value != null && value.isNegative()) {
			reject(property, value, "must not be negative; use 0 to disable");
		}
	}

	void positive(String property, @Nullable Duration value) {
		if (value == null || value.isNegative() || value.isZero()) {
			reject(property, value, "must be more than 0");
		}
	}

	void atLeastOneSecond(String property, @Nullable Duration value) {
		if (value != null && value.compareTo(Duration.ofSeconds(1)) < 0) {
			reject(property, value, "must be at least 1s (the kernel counts keepalive time in seconds)");
		}
	}

	void positive(String property, int value) {
		if (value < 1) {
			reject(property, value, "must be at least 1");
		}
	}

	void keepalive(String property, StreamGuardProperties.Keepalive keepalive) {
		if (keepalive.isEnabled()) {
			atLeastOneSecond(property + ".idle", keepalive.getIdle());
			atLeastOneSecond(property + ".interval", keepalive.getInterval());
			positive(property + ".count", keepalive.getCount());
		}
	}

	void window(String lowProperty, @Nullable DataSize low, String highProperty, @Nullable DataSize high) {
		if (low == null || low.toBytes() < 0) {
			reject(lowProperty, low, "must be zero or more bytes");
			return;
		}
		if (high == null || high.toBytes() <= 0 || high.toBytes() > Integer.MAX_VALUE) {
			reject(highProperty, high, "must be more than 0 bytes and at most 2GB");
			return;
		}
		if (low.toBytes() > high.toBytes()) {
			reject(lowProperty, low, "must not be greater than " + PREFIX + highProperty + " (" + high + ")");
		}
	}

	void pattern(String pattern) {
		if (!pattern.startsWith("/")) {
			// YAML keys lose their slashes and asterisks unless written in brackets.
			reject("routes", pattern, "is not a path pattern: write route keys in brackets, for example "
					+ "\"[/export/**]\": in YAML or streamguard.routes[/export/**].stall-timeout in properties");
			return;
		}
		try {
			PathPatternParser.defaultInstance.parse(pattern);
		}
		catch (PatternParseException ex) {
			reject("routes", pattern, "is not a valid path pattern (" + ex.getMessage() + ")");
		}
	}

	void reject(String property, @Nullable Object value, String problem) {
		this.errors.reject("streamguard.invalid", PREFIX + property + " (" + value + ") " + problem);
	}

}
