/**
 * Live streams: their registry, policies, termination reasons and the write/wait API for
 * blocking producers.
 */
@NullMarked
package dev.streamguard.stream;

import org.jspecify.annotations.NullMarked;
