package dev.streamguard.web;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.UnaryOperator;

import dev.streamguard.stream.StreamPolicy;

import org.springframework.http.server.PathContainer;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;
import org.springframework.web.util.pattern.PatternParseException;

/**
 * Resolves the {@link StreamPolicy} of a stream from the request path: the defaults, changed
 * by the most specific route pattern that matches.
 *
 * @since 0.1.0
 */
public final class StreamPolicyResolver {

	private final StreamPolicy defaults;

	private final List<Route> routes;

	/**
	 * Create a resolver.
	 * @param defaults the policy of streams that match no route
	 * @param routes route path patterns (as understood by {@link PathPatternParser}) mapped to
	 * the changes they make to the defaults
	 * @throws IllegalArgumentException if a pattern cannot be parsed
	 */
	public StreamPolicyResolver(StreamPolicy defaults, Map<String, UnaryOperator<StreamPolicy>> routes) {
		this.defaults = Objects.requireNonNull(defaults, "defaults");
		List<Route> parsed = new ArrayList<>();
		routes.forEach((pattern, customizer) -> parsed.add(new Route(parse(pattern), customizer.apply(defaults))));
		parsed.sort(Comparator.comparing(Route::pattern, PathPattern.SPECIFICITY_COMPARATOR));
		this.routes = List.copyOf(parsed);
	}

	private static PathPattern parse(String pattern) {
		try {
			return PathPatternParser.defaultInstance.parse(pattern);
		}
		catch (PatternParseException ex) {
			throw new IllegalArgumentException(
					"Invalid route pattern '" + pattern + "': " + ex.getMessage() + "; use a path pattern such as '/export/**'",
					ex);
		}
	}

	/**
	 * Return the policy for the given path.
	 * @param path the path within the application
	 * @return the policy
	 */
	public StreamPolicy resolve(PathContainer path) {
		for (Route route : this.routes) {
			if (route.pattern().matches(path)) {
				return route.policy();
			}
		}
		return this.defaults;
	}

	/**
	 * Return the policy of streams that match no route.
	 * @return the default policy
	 */
	public StreamPolicy defaults() {
		return this.defaults;
	}

	private record Route(PathPattern pattern, StreamPolicy policy) {
	}

}
