package dev.streamguard.test;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What the kernel still queues for the peers of a server, as {@code ss} shows it: a connection
 * closed with data queued stays in FIN-WAIT-1 with that data until the kernel gives up
 * retransmitting, unless it was reset.
 * <p>
 * Connections are matched by the server's local address and port. The port alone is not
 * enough: a fault test that shows a hang leaves its server's connections in FIN-WAIT-1 with
 * megabytes queued for minutes after its namespace is gone, and a later server on another
 * address may be given the same port.
 */
public final class SendQueues {

	private SendQueues() {
	}

	/**
	 * Return the bytes queued for sending on the connections of the given local address and
	 * port.
	 * @param address the address the server is bound to
	 * @param port the server's port
	 * @return the sum of their send queues
	 */
	public static long queuedFrom(String address, int port) throws Exception {
		return connections(address, port).stream().mapToLong(Connection::sendQueue).sum();
	}

	/**
	 * Describe the connections of the given local address and port that still have bytes
	 * queued, one per line, for an assertion's message.
	 * @param address the address the server is bound to
	 * @param port the server's port
	 * @return their state, queue and endpoints
	 */
	public static String describe(String address, int port) throws Exception {
		StringBuilder description = new StringBuilder();
		for (Connection connection : connections(address, port)) {
			if (connection.sendQueue() > 0) {
				description.append(connection).append('\n');
			}
		}
		return description.toString();
	}

	private static List<Connection> connections(String address, int port) throws Exception {
		InetAddress local = InetAddress.getByName(address);
		Process ss = new ProcessBuilder("ss", "-Htn", "state", "all", "( sport = :" + port + " )")
			.redirectErrorStream(true)
			.start();
		String out = new String(ss.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		if (!ss.waitFor(5, TimeUnit.SECONDS) || ss.exitValue() != 0) {
			throw new IllegalStateException("ss failed: " + out);
		}
		List<Connection> connections = new ArrayList<>();
		for (String line : out.split("\n")) {
			// State, Recv-Q, Send-Q, local address:port, peer address:port
			String[] columns = line.trim().split("\\s+");
			if (columns.length >= 5 && !columns[0].equals("LISTEN") && local.equals(host(columns[3]))) {
				connections.add(new Connection(columns[0], Long.parseLong(columns[2]), columns[3], columns[4]));
			}
		}
		return connections;
	}

	private static InetAddress host(String endpoint) throws UnknownHostException {
		String host = endpoint.substring(0, endpoint.lastIndexOf(':'));
		if (host.startsWith("[") && host.endsWith("]")) {
			host = host.substring(1, host.length() - 1);
		}
		// An IPv4-mapped IPv6 address (a dual-stack socket) is the IPv4 address it maps.
		return InetAddress.getByName(host);
	}

	private record Connection(String state, long sendQueue, String local, String peer) {

		@Override
		public String toString() {
			return this.state + " " + this.sendQueue + " " + this.local + " -> " + this.peer;
		}

	}

}
