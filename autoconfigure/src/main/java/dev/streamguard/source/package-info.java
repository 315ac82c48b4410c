/**
 * Resumable stream sources, served at {@code /streams/{name}}: positioned items (SSE, NDJSON)
 * and byte sources (octet streams with HTTP ranges).
 */
@NullMarked
package dev.streamguard.source;

import org.jspecify.annotations.NullMarked;
