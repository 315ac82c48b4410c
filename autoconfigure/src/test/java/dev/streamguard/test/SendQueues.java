package dev.streamguard.test;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * What the kernel still queues for the peers of a server's port, as {@code ss} shows it: a
 * connection closed with data queued stays in FIN-WAIT-1 with that data until the kernel gives
 * up retransmitting, unless it was reset.
 */
public final class SendQueues {

	private SendQueues() {
	}

	/**
	 * Return the bytes queued for sending on the connections of the given local port.
	 * @param port the server's port
	 * @return the sum of their send queues
	 */
	public static long queuedFrom(int port) throws Exception {
		Process ss = new ProcessBuilder("ss", "-Htn", "state", "all", "( sport = :" + port + " )")
			.redirectErrorStream(true)
			.start();
		String out = new String(ss.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		if (!ss.waitFor(5, TimeUnit.SECONDS) || ss.exitValue() != 0) {
			throw new IllegalStateException("ss failed: " + out);
		}
		long queued = 0;
		for (String line : out.split("\n")) {
			String[] columns = line.trim().split("\\s+");
			if (columns.length >= 3 && !columns[0].equals("LISTEN")) {
				queued += Long.parseLong(columns[2]);
			}
		}
		return queued;
	}

}
