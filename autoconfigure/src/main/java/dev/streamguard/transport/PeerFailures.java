package dev.streamguard.transport;

import java.net.NoRouteToHostException;
import java.util.Locale;

import org.jspecify.annotations.Nullable;

/**
 * Tells a peer that stopped responding from one that closed its connection, by the error the
 * transport reported. The kernel reports ETIMEDOUT when TCP_USER_TIMEOUT or keepalive gives up
 * on a peer, and EHOSTUNREACH/ENETUNREACH when ICMP says the peer cannot be reached; a peer that
 * closed or reset its end gives EOF, ECONNRESET or EPIPE.
 *
 * @since 0.1.0
 */
public final class PeerFailures {

	private static final String[] UNRESPONSIVE_MESSAGES = { "connection timed out", "no route to host",
			"host is unreachable", "network is unreachable", "host unreachable", "network unreachable" };

	private PeerFailures() {
	}

	/**
	 * Whether the given failure, or one of its causes, says the peer stopped responding.
	 * @param failure the failure, may be {@code null}
	 * @return {@code true} for a timed-out or unreachable peer
	 */
	public static boolean isPeerUnresponsive(@Nullable Throwable failure) {
		for (Throwable t = failure; t != null; t = (t.getCause() != t) ? t.getCause() : null) {
			if (t instanceof NoRouteToHostException) {
				return true;
			}
			String message = t.getMessage();
			if (message != null) {
				String lower = message.toLowerCase(Locale.ROOT);
				for (String unresponsive : UNRESPONSIVE_MESSAGES) {
					if (lower.contains(unresponsive)) {
						return true;
					}
				}
			}
		}
		return false;
	}

}
