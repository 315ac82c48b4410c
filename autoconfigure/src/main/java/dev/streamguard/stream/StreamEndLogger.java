package dev.streamguard.stream;

import java.util.EnumSet;
import java.util.Set;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * Logs one line per ended stream: id, route, remote address, reason, duration, bytes and
 * elements. At INFO, except for the reasons configured to log at DEBUG.
 *
 * @since 0.1.0
 */
public class StreamEndLogger implements StreamListener {

	private static final Log logger = LogFactory.getLog(StreamEndLogger.class);

	private final Set<TerminationReason> debugReasons;

	/**
	 * Create a logger.
	 * @param debugReasons reasons logged at DEBUG rather than INFO
	 */
	public StreamEndLogger(Set<TerminationReason> debugReasons) {
		this.debugReasons = debugReasons.isEmpty() ? EnumSet.noneOf(TerminationReason.class)
				: EnumSet.copyOf(debugReasons);
	}

	@Override
	public void onEnd(LiveStream stream, TerminationReason reason) {
		boolean debug = this.debugReasons.contains(reason);
		if (debug ? logger.isDebugEnabled() : logger.isInfoEnabled()) {
			String line = "Stream " + stream.id() + " on " + stream.route() + " from "
					+ stream.remoteAddress().map(String::valueOf).orElse("unknown") + " ended " + reason + " after "
					+ stream.age().toMillis() + " ms: " + stream.bytesSent() + " bytes, " + stream.elementsSent()
					+ " elements";
			if (debug) {
				logger.debug(line);
			}
			else {
				logger.info(line);
			}
		}
	}

}
