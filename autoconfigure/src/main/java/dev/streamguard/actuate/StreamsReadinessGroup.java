package dev.streamguard.actuate;

import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.health.actuate.endpoint.AdditionalHealthEndpointPath;
import org.springframework.boot.health.actuate.endpoint.HealthEndpointGroup;
import org.springframework.boot.health.actuate.endpoint.HealthEndpointGroups;
import org.springframework.boot.health.actuate.endpoint.HealthEndpointGroupsPostProcessor;
import org.springframework.boot.health.actuate.endpoint.HttpCodeStatusMapper;
import org.springframework.boot.health.actuate.endpoint.StatusAggregator;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;

/**
 * Makes the {@code streams} health indicator a member of the {@code readiness} group, so that a
 * readiness probe stops sending new streams to an instance that drains or is full. The
 * {@code liveness} group is left alone: clients' behaviour must never get an instance restarted.
 *
 * @since 0.1.0
 */
@Order(Ordered.LOWEST_PRECEDENCE)
public class StreamsReadinessGroup implements HealthEndpointGroupsPostProcessor {

	/** Name of the streams health contributor. */
	public static final String MEMBER = "streams";

	private static final String READINESS = "readiness";

	@Override
	public HealthEndpointGroups postProcessHealthEndpointGroups(HealthEndpointGroups groups) {
		HealthEndpointGroup readiness = groups.get(READINESS);
		if (readiness == null || readiness.isMember(MEMBER)) {
			return groups;
		}
		Map<String, HealthEndpointGroup> all = new LinkedHashMap<>();
		for (String name : groups.getNames()) {
			all.put(name, groups.get(name));
		}
		all.put(READINESS, new WithStreams(readiness));
		return HealthEndpointGroups.of(groups.getPrimary(), all);
	}

	private record WithStreams(HealthEndpointGroup delegate) implements HealthEndpointGroup {

		@Override
		public boolean isMember(String name) {
			return MEMBER.equals(name) || this.delegate.isMember(name);
		}

		@Override
		public boolean showComponents(SecurityContext securityContext) {
			return this.delegate.showComponents(securityContext);
		}

		@Override
		public boolean showDetails(SecurityContext securityContext) {
			return this.delegate.showDetails(securityContext);
		}

		@Override
		public StatusAggregator getStatusAggregator() {
			return this.delegate.getStatusAggregator();
		}

		@Override
		public HttpCodeStatusMapper getHttpCodeStatusMapper() {
			return this.delegate.getHttpCodeStatusMapper();
		}

		@Override
		public AdditionalHealthEndpointPath getAdditionalPath() {
			return this.delegate.getAdditionalPath();
		}

	}

}
