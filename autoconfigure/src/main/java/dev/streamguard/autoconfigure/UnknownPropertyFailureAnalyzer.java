package dev.streamguard.autoconfigure;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.bind.UnboundConfigurationPropertiesException;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.origin.Origin;
import org.springframework.core.Ordered;

/**
 * Explains a startup that failed on keys under {@code streamguard.} that name no property: each
 * key, its value, where it was set, and the valid key closest to it. Ordered before Spring Boot's
 * own analyzer of unbound properties, which says neither what the key should have been nor that a
 * misspelt timeout would have been ignored.
 */
class UnknownPropertyFailureAnalyzer extends AbstractFailureAnalyzer<UnboundConfigurationPropertiesException>
		implements Ordered {

	private static final ConfigurationPropertyName PREFIX = ConfigurationPropertyName.of("streamguard");

	@Override
	protected @Nullable FailureAnalysis analyze(Throwable rootFailure, UnboundConfigurationPropertiesException cause) {
		List<ConfigurationProperty> unknown = new ArrayList<>(cause.getUnboundProperties()
			.stream()
			.filter((property) -> PREFIX.isAncestorOf(property.getName()))
			.toList());
		if (unknown.isEmpty()) {
			return null;
		}
		unknown.sort(Comparator.comparing((property) -> property.getName().toString()));
		StringBuilder description = new StringBuilder(String.format("StreamGuard has no propert%s named:%n",
				(unknown.size() == 1) ? "y" : "ies"));
		for (ConfigurationProperty property : unknown) {
			description.append(String.format("%n    Property: %s%n    Value: \"%s\"%n    Origin: %s%n", property.getName(),
					property.getValue(), originOf(property)));
			String closest = StreamGuardPropertyNames.closestTo(property.getName());
			if (closest != null) {
				description.append(String.format("    Did you mean: %s%n", closest));
			}
		}
		description.append(String.format("%nA misspelt key would have been ignored, and its default applied "
				+ "without a word."));
		String action = "Correct the key or remove it. Every StreamGuard property is listed, with its default, in the "
				+ "README's configuration reference and in your IDE's completion (spring-configuration-metadata.json).";
		return new FailureAnalysis(description.toString(), action, cause);
	}

	private static String originOf(ConfigurationProperty property) {
		Origin origin = property.getOrigin();
		return (origin != null) ? origin.toString() : "unknown";
	}

	@Override
	public int getOrder() {
		return Ordered.HIGHEST_PRECEDENCE;
	}

}
