/**
 * The network transport under Reactor Netty: socket options for accepted connections and how
 * transport failures are told apart.
 */
@NullMarked
package dev.streamguard.transport;

import org.jspecify.annotations.NullMarked;
