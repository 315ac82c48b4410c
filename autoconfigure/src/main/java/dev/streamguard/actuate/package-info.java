/**
 * Actuator support: the {@code streams} health indicator and endpoint.
 */
@NullMarked
package dev.streamguard.actuate;

import org.jspecify.annotations.NullMarked;
