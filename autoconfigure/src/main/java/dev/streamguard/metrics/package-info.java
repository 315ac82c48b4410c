/**
 * Micrometer meters and observations of live streams.
 */
@NullMarked
package dev.streamguard.metrics;

import org.jspecify.annotations.NullMarked;
