package dev.streamguard.web;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

import dev.streamguard.stream.LiveStream;
import dev.streamguard.stream.StreamPolicy;
import dev.streamguard.stream.TerminationReason;
import dev.streamguard.transport.TcpInfo;

import org.springframework.util.unit.DataSize;

/**
 * The stream handed to admissions that are released because a later admission refused it: it
 * never started, sent nothing, and has no termination reason.
 */
enum NeverStarted implements LiveStream {

	INSTANCE;

	private static final StreamPolicy POLICY = new StreamPolicy(null, null, null, null, null, false, DataSize.ofBytes(0),
			DataSize.ofBytes(1));

	@Override
	public String id() {
		return "";
	}

	@Override
	public String route() {
		return "";
	}

	@Override
	public String mediaType() {
		return "";
	}

	@Override
	public Optional<InetSocketAddress> remoteAddress() {
		return Optional.empty();
	}

	@Override
	public StreamPolicy policy() {
		return POLICY;
	}

	@Override
	public Instant startedAt() {
		return Instant.EPOCH;
	}

	@Override
	public Duration age() {
		return Duration.ZERO;
	}

	@Override
	public long elementsSent() {
		return 0;
	}

	@Override
	public long bytesSent() {
		return 0;
	}

	@Override
	public long sendRate() {
		return 0;
	}

	@Override
	public long windowFullCount() {
		return 0;
	}

	@Override
	public long pendingBytes() {
		return 0;
	}

	@Override
	public boolean writable() {
		return false;
	}

	@Override
	public Duration sinceLastProgress() {
		return Duration.ZERO;
	}

	@Override
	public Optional<TcpInfo> tcpInfo() {
		return Optional.empty();
	}

	@Override
	public State state() {
		return State.ENDED;
	}

	@Override
	public Optional<TerminationReason> terminationReason() {
		return Optional.empty();
	}

	@Override
	public boolean end(TerminationReason reason) {
		return false;
	}

}
