package dev.streamguard.autoconfigure;

import java.beans.PropertyDescriptor;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.jspecify.annotations.Nullable;

import org.springframework.beans.BeanUtils;
import org.springframework.boot.context.properties.bind.DataObjectPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName.Form;
import org.springframework.core.ResolvableType;

/**
 * The names of StreamGuard's properties, read from {@link StreamGuardProperties} and
 * {@link StreamGuardClientProperties} themselves so that they cannot drift from what binds, and
 * the name closest to a mistyped one.
 */
final class StreamGuardPropertyNames {

	/** Stands for the path pattern of a route in {@link #all()}. */
	static final String ROUTE = "[*]";

	private static final String ROUTES = "routes";

	private static final String ROUTE_PREFIX = "streamguard." + ROUTES + ROUTE + ".";

	private static final String CLIENT_PREFIX = "streamguard.client.";

	private static final List<String> NAMES = collect();

	private StreamGuardPropertyNames() {
	}

	/**
	 * Return every property name, dashed, with {@link #ROUTE} in place of a route's pattern.
	 */
	static List<String> all() {
		return NAMES;
	}

	/**
	 * Return the valid name closest to the given unknown one, keeping its route pattern and list
	 * indexes, or {@code null} when none is close enough to be a likely typo.
	 */
	static @Nullable String closestTo(ConfigurationPropertyName unknown) {
		StringBuilder shape = new StringBuilder();
		String route = null;
		String index = "";
		for (int i = 0; i < unknown.getNumberOfElements(); i++) {
			String element = unknown.getElement(i, Form.DASHED);
			if (i == 2 && ROUTES.equals(unknown.getElement(1, Form.DASHED))) {
				route = unknown.getElement(i, Form.ORIGINAL);
				shape.append(ROUTE);
			}
			else if (unknown.isNumericIndex(i)) {
				// Lists: media-typs[0] is compared as media-typs, and keeps its index.
				index += "[" + element + "]";
			}
			else {
				shape.append((shape.isEmpty()) ? "" : ".").append(element);
			}
		}
		String closest = closest(shape.toString());
		if (closest == null && route != null) {
			// Up to 0.1, a route named its Resilience4j instances beside its timeouts.
			closest = closest(shape.toString().replace(ROUTE_PREFIX, ROUTE_PREFIX + "resilience."));
		}
		if (closest == null) {
			return null;
		}
		return ((route != null) ? closest.replace(ROUTE, "[" + route + "]") : closest) + index;
	}

	private static @Nullable String closest(String name) {
		String best = null;
		int bestDistance = Integer.MAX_VALUE;
		boolean client = name.startsWith(CLIENT_PREFIX);
		for (String candidate : NAMES) {
			// The client's keys and the server's are told apart: a client key is no typo of a server one.
			if (candidate.startsWith(CLIENT_PREFIX) != client) {
				continue;
			}
			int distance = distance(name, candidate);
			if (distance < bestDistance) {
				best = candidate;
				bestDistance = distance;
			}
		}
		// A third of the last segment's length: stall-timout is a typo of stall-timeout, foo is nobody's.
		String last = name.substring(name.lastIndexOf('.') + 1);
		return (bestDistance <= Math.max(2, last.length() / 3)) ? best : null;
	}

	/** Levenshtein distance. */
	private static int distance(String a, String b) {
		int[] previous = new int[b.length() + 1];
		int[] current = new int[b.length() + 1];
		for (int j = 0; j <= b.length(); j++) {
			previous[j] = j;
		}
		for (int i = 1; i <= a.length(); i++) {
			current[0] = i;
			for (int j = 1; j <= b.length(); j++) {
				int substitution = previous[j - 1] + ((a.charAt(i - 1) == b.charAt(j - 1)) ? 0 : 1);
				current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
			}
			int[] swap = previous;
			previous = current;
			current = swap;
		}
		return previous[b.length()];
	}

	private static List<String> collect() {
		List<String> names = new ArrayList<>();
		collect("streamguard", StreamGuardProperties.class, names);
		collect("streamguard.client", StreamGuardClientProperties.class, names);
		return List.copyOf(names);
	}

	private static void collect(String prefix, Class<?> type, List<String> names) {
		for (PropertyDescriptor descriptor : BeanUtils.getPropertyDescriptors(type)) {
			if (descriptor.getReadMethod() == null || "class".equals(descriptor.getName())) {
				continue;
			}
			String name = prefix + "." + DataObjectPropertyName.toDashedForm(descriptor.getName());
			Class<?> propertyType = descriptor.getPropertyType();
			if (Map.class.isAssignableFrom(propertyType)) {
				Class<?> value = ResolvableType.forMethodReturnType(descriptor.getReadMethod()).asMap().resolveGeneric(1);
				if (value != null && isGroup(value)) {
					collect(name + ROUTE, value, names);
					continue;
				}
			}
			if (isGroup(propertyType)) {
				collect(name, propertyType, names);
			}
			else if (descriptor.getWriteMethod() != null) {
				names.add(name);
			}
		}
	}

	/** Whether a type is one of the nested groups of properties (not a value such as an enum). */
	private static boolean isGroup(Class<?> type) {
		Class<?> enclosing = type.getEnclosingClass();
		return (enclosing == StreamGuardProperties.class || enclosing == StreamGuardClientProperties.class)
				&& !type.isEnum() && !type.isRecord();
	}

}
