/**
 * Auto-configuration of the Resilience4j support.
 */
@NullMarked
package dev.streamguard.autoconfigure.resilience;

import org.jspecify.annotations.NullMarked;
