/**
 * A client for guarded streams: transport protection on its own sockets, a read-idle timeout
 * that heartbeats keep quiet, and resume across reconnects without gap or duplicate.
 */
@NullMarked
package dev.streamguard.client;

import org.jspecify.annotations.NullMarked;
