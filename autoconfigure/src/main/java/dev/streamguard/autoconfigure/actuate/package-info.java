/**
 * Auto-configuration of the Actuator support.
 */
@NullMarked
package dev.streamguard.autoconfigure.actuate;

import org.jspecify.annotations.NullMarked;
