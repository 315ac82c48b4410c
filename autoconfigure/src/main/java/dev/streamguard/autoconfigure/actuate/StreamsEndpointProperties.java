package dev.streamguard.autoconfigure.actuate;

import java.util.LinkedHashSet;
import java.util.Set;

import org.springframework.boot.actuate.endpoint.Show;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Configuration properties of the {@code streams} endpoint.
 *
 * @since 0.1.0
 */
@ConfigurationProperties("management.endpoint.streams")
public class StreamsEndpointProperties {

	/**
	 * When to show the peers' remote addresses.
	 */
	private Show showDetails = Show.NEVER;

	/**
	 * Roles that may see remote addresses when show-details is when-authorized. When empty,
	 * any authenticated user may.
	 */
	private Set<String> roles = new LinkedHashSet<>();

	public Show getShowDetails() {
		return this.showDetails;
	}

	public void setShowDetails(Show showDetails) {
		this.showDetails = showDetails;
	}

	public Set<String> getRoles() {
		return this.roles;
	}

	public void setRoles(Set<String> roles) {
		this.roles = roles;
	}

}
