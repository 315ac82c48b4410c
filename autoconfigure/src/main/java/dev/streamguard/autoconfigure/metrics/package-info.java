/**
 * Auto-configuration of the Micrometer support.
 */
@NullMarked
package dev.streamguard.autoconfigure.metrics;

import org.jspecify.annotations.NullMarked;
