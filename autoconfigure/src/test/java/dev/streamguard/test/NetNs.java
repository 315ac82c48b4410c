package dev.streamguard.test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.jspecify.annotations.Nullable;

/**
 * A network namespace joined to this host by a veth pair, for clients that can be cut off
 * without FIN or RST. Every command is bounded in time; {@link #close()} removes the namespace,
 * the pair and the processes started in it.
 */
public final class NetNs implements AutoCloseable {

	private static final long COMMAND_TIMEOUT_SECONDS = 10;

	/** Where this JVM looks for a free subnet next; random, so that other JVMs start elsewhere. */
	private static final AtomicInteger NEXT_SUBNET = new AtomicInteger(
			ThreadLocalRandom.current().nextInt(250));

	private final String name;

	private final String hostInterface;

	private final String nsInterface;

	private final String hostAddress;

	private final String nsAddress;

	private final List<Process> processes = new ArrayList<>();

	private NetNs(String id, int subnet) {
		this.name = "sg" + id;
		this.hostInterface = "sgh" + id;
		this.nsInterface = "sgn" + id;
		this.hostAddress = "10.213." + subnet + ".1";
		this.nsAddress = "10.213." + subnet + ".2";
	}

	/**
	 * Create a namespace, or skip the calling test where this machine cannot (not root, no
	 * iproute2). Under {@code CI=true} a missing capability fails the test instead.
	 */
	public static NetNs createOrSkip() {
		String problem = capabilityProblem();
		Capabilities.require(problem == null, "Network namespace tests need root, iproute2 (ip netns) and curl: " + problem);
		int subnet = freeSubnet();
		int id = (ThreadLocalRandom.current().nextInt(0x100) << 8) | subnet;
		NetNs ns = new NetNs(String.format("%04x", id), subnet);
		try {
			ns.setUp();
		}
		catch (IOException | RuntimeException ex) {
			ns.close();
			throw new IllegalStateException("Could not create network namespace " + ns.name, ex);
		}
		return ns;
	}

	/**
	 * Pick a /30 of 10.213.0.0/16 that no namespace of this JVM holds and no interface of this
	 * host uses: two namespaces on one subnet would route each other's packets and make live
	 * peers look dead.
	 */
	private static synchronized int freeSubnet() {
		for (int tries = 0; tries < 250; tries++) {
			int subnet = (NEXT_SUBNET.getAndIncrement() % 250) + 1;
			try {
				Process show = new ProcessBuilder("ip", "-o", "addr", "show", "to", "10.213." + subnet + ".0/30")
					.redirectErrorStream(true)
					.start();
				String used = new String(show.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
				if (show.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS) && used.isEmpty()) {
					return subnet;
				}
			}
			catch (IOException ex) {
				throw new IllegalStateException("Could not list this host's addresses", ex);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new IllegalStateException(ex);
			}
		}
		throw new IllegalStateException("No free /30 left in 10.213.0.0/16 for a test namespace");
	}

	private static @Nullable String capabilityProblem() {
		try {
			Process id = new ProcessBuilder("id", "-u").redirectErrorStream(true).start();
			String uid = new String(id.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
			if (!id.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS) || !"0".equals(uid)) {
				return "running as uid " + uid + ", not root";
			}
		}
		catch (IOException ex) {
			return ex.getMessage();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return "interrupted";
		}
		String ip = Capabilities.commandProblem("ip", "-V");
		return (ip != null) ? ip : Capabilities.commandProblem("curl", "--version");
	}

	private void setUp() throws IOException {
		run("ip", "netns", "add", this.name);
		run("ip", "link", "add", this.hostInterface, "type", "veth", "peer", "name", this.nsInterface);
		run("ip", "link", "set", this.nsInterface, "netns", this.name);
		run("ip", "addr", "add", this.hostAddress + "/30", "dev", this.hostInterface);
		run("ip", "link", "set", this.hostInterface, "up");
		inNs("ip", "addr", "add", this.nsAddress + "/30", "dev", this.nsInterface);
		inNs("ip", "link", "set", this.nsInterface, "up");
		inNs("ip", "link", "set", "lo", "up");
	}

	/** The address of this host on the pair, where a server for the namespace listens. */
	public String hostAddress() {
		return this.hostAddress;
	}

	/** Start a command inside the namespace; it is destroyed on {@link #close()}. */
	public Process start(String... command) throws IOException {
		List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", this.name));
		full.addAll(List.of(command));
		Process process = new ProcessBuilder(full).redirectOutput(ProcessBuilder.Redirect.DISCARD)
			.redirectError(ProcessBuilder.Redirect.DISCARD)
			.start();
		this.processes.add(process);
		return process;
	}

	/** Take the namespace's end of the link down: from now on nothing gets through, no FIN, no RST. */
	public void cut() throws IOException {
		inNs("ip", "link", "set", this.nsInterface, "down");
	}

	/** Bring the namespace's end of the link back up after {@link #cut()}. */
	public void restore() throws IOException {
		inNs("ip", "link", "set", this.nsInterface, "up");
	}

	/**
	 * Drop the given share of packets at random, in both directions, inside the namespace
	 * (these kernels have no netem; nftables' {@code numgen random} does the same job).
	 * @param percent from 1 to 99
	 */
	public void dropAtRandom(int percent) throws IOException {
		Capabilities.requireNft();
		if (percent < 1 || percent > 99) {
			throw new IllegalArgumentException("percent must be from 1 to 99, was " + percent);
		}
		inNs("nft", "add", "table", "inet", "sgloss");
		for (String hook : new String[] { "input", "output" }) {
			inNs("nft", "add", "chain", "inet", "sgloss", hook,
					"{ type filter hook " + hook + " priority 0; policy accept; }");
			inNs("nft", "add", "rule", "inet", "sgloss", hook, "numgen", "random", "mod", "100", "<",
					Integer.toString(percent), "drop");
		}
	}

	/**
	 * Drop every packet in both directions inside the namespace, with the link left up: a
	 * black hole, as a pulled cable behind a router looks to the server. Unlike {@link #cut()},
	 * no ICMP error ever comes back.
	 */
	public void blackHole() throws IOException {
		Capabilities.requireNft();
		inNs("nft", "add", "table", "inet", "sghole");
		for (String hook : new String[] { "input", "output" }) {
			inNs("nft", "add", "chain", "inet", "sghole", hook,
					"{ type filter hook " + hook + " priority 0; policy drop; }");
		}
	}

	/** Stop a process started in the namespace without ending it: its kernel still acknowledges. */
	public static void pause(Process process) throws IOException {
		run("kill", "-STOP", Long.toString(process.pid()));
	}

	private void inNs(String... command) throws IOException {
		List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", this.name));
		full.addAll(List.of(command));
		run(full.toArray(String[]::new));
	}

	private static void run(String... command) throws IOException {
		Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
		try {
			String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
			if (!process.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
				process.destroyForcibly();
				throw new IOException(String.join(" ", command) + " timed out");
			}
			if (process.exitValue() != 0) {
				throw new IOException(String.join(" ", command) + " failed: " + output.trim());
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IOException("Interrupted", ex);
		}
	}

	@Override
	public void close() {
		for (Process process : this.processes) {
			process.destroyForcibly();
		}
		for (Process process : this.processes) {
			try {
				process.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
		try {
			run("ip", "netns", "del", this.name);
		}
		catch (IOException ex) {
			// Best effort; the link below may still exist.
		}
		try {
			run("ip", "link", "del", this.hostInterface);
		}
		catch (IOException ex) {
			// Removed with the namespace.
		}
	}

}
