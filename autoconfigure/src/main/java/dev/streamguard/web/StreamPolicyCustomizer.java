package dev.streamguard.web;

import dev.streamguard.stream.StreamPolicy;

/**
 * Changes each policy the {@link StreamPolicyResolver} resolves, the defaults and every route,
 * after the configuration has been applied. Declare one as a bean.
 *
 * @since 0.1.0
 */
@FunctionalInterface
public interface StreamPolicyCustomizer {

	/**
	 * Customize a policy.
	 * @param policy the policy as configured
	 * @return the policy to use
	 */
	StreamPolicy customize(StreamPolicy policy);

}
