/**
 * Resilience4j per route: bulkheads bound concurrent streams, rate limiters bound stream
 * opens, circuit breakers guard opening a source, time limiters bound the time to the first
 * element.
 */
@NullMarked
package dev.streamguard.resilience;

import org.jspecify.annotations.NullMarked;
