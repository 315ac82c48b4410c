package dev.streamguard.web;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import dev.streamguard.stream.Deadline;
import dev.streamguard.stream.LiveStream;
import dev.streamguard.stream.StreamAdmission;
import dev.streamguard.stream.StreamDrainer;
import dev.streamguard.stream.StreamGate;
import dev.streamguard.stream.StreamListener;
import dev.streamguard.stream.StreamPolicy;
import dev.streamguard.stream.StreamRegistry;
import dev.streamguard.stream.TerminationReason;
import dev.streamguard.test.RawHttp;
import dev.streamguard.test.RecordingListener;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelException;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutor;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscription;
import org.slf4j.LoggerFactory;
import reactor.core.CoreSubscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Hooks;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.netty.Connection;
import reactor.netty.NettyOutbound;
import reactor.netty.NettyPipeline;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.MediaType;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.http.server.reactive.ServerHttpResponseDecorator;
import org.springframework.util.unit.DataSize;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * The termination contract under contention, on real connections over 127.0.0.1: threads race
 * the upstream's completion and failure, the transport's cancel, an operator's close, a drain,
 * the connection's close from either side and the stream's own timers. Every stream must end
 * exactly once, for one of its racers' reasons, cancel its upstream at most once (and exactly
 * once when the upstream did not end on its own), leave the registry, and give back every
 * admission permit.
 * <p>
 * Streams are raced in two ways: many on guarded streams built directly over accepted socket
 * channels with a real event loop group (the event loop, the transport's write path and its
 * cancel take part), and fewer through a real guarded WebFlux server with raw socket clients.
 * Every loop is bounded by a count and a time budget.
 */
class StreamTerminationStressTests {

	private static final Duration AWAIT = Duration.ofSeconds(5);

	// The ticker's shortest period: timers this short expire at its first or second tick.
	private static final Duration TIMER = Duration.ofMillis(10);

	private static final int LOOPBACK_WORKERS = 4;

	private static final int LOOPBACK_ROUNDS = 8000;

	private static final Duration LOOPBACK_BUDGET = Duration.ofSeconds(20);

	private static final int SERVER_ROUNDS = 800;

	private static final Duration SERVER_BUDGET = Duration.ofSeconds(15);

	// Fewer rounds than this (a machine far busier than 2 shared cores) prove too little.
	private static final int MIN_ROUNDS = 200;

	private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

	private static final byte[] ELEMENT = new byte[256];

	private static final Set<Racer> THROUGH_THE_SERVER = EnumSet.complementOf(
			EnumSet.of(Racer.TRANSPORT_CANCELS, Racer.TRANSPORT_CANCELS_ON_EVENT_LOOP));

	@Test
	void racingEndsOnRealConnectionsEndEveryStreamOnceForOneOfTheRacersReasons() throws Exception {
		Summary summary = raceOnLoopback(LOOPBACK_ROUNDS, LOOPBACK_BUDGET);
		summary.print("loopback");
		summary.assertEveryReasonWon(EnumSet.allOf(Racer.class));
	}

	@Test
	void racingEndsThroughTheServerEndEveryStreamOnceForOneOfTheRacersReasons() throws Exception {
		ConfigurableApplicationContext context = new SpringApplicationBuilder(StressApplication.class)
			.web(WebApplicationType.REACTIVE)
			.properties("server.port=0", "server.address=127.0.0.1", "spring.main.banner-mode=off",
					"server.shutdown=immediate", "logging.level.dev.streamguard=warn",
					"logging.level.org.springframework.web=off", "logging.level.reactor.netty=off",
					"streamguard.heartbeat.interval=0", "streamguard.max-streams=4",
					"streamguard.max-streams-per-client=2",
					"streamguard.routes[/stress/max-duration/**].max-duration=" + TIMER.toMillis() + "ms",
					"streamguard.routes[/stress/idle-timeout/**].idle-timeout=" + TIMER.toMillis() + "ms")
			.run();
		Summary summary = new Summary();
		DroppedErrors dropped = DroppedErrors.install();
		EventLoopWatch watch = EventLoopWatch.start("reactor-http-", List.of());
		try (Racing racing = new Racing("server-racer")) {
			Server server = new Server(context);
			Deadline budget = Deadline.after(SERVER_BUDGET);
			Random random = new Random(ThreadLocalRandom.current().nextLong());
			for (int round = 0; round < SERVER_ROUNDS && !budget.isExpired(); round++) {
				Set<Racer> racers = Racer.draw(round, random, THROUGH_THE_SERVER);
				summary.add(racers, new ServerRound(server, "r" + round, racers).run(racing, random));
			}
			server.assertEveryStreamEndedOnce(summary.rounds());
		}
		finally {
			summary.blocking = watch.stop();
			summary.dropped = dropped.uninstall();
			context.close();
		}
		summary.print("server");
		summary.assertEveryReasonWon(THROUGH_THE_SERVER);
	}

	@Test
	void eventLoopsNeverWaitForAMonitorHeldByAnotherThread() throws Exception {
		Summary summary = raceOnLoopback(1000, Duration.ofSeconds(10));
		summary.print("loopback, event loops watched");
		assertThat(summary.blocking.waits()).as("event-loop threads blocked on a monitor held by another thread")
			.isEmpty();
	}

	/**
	 * Race streams on accepted loopback connections with a few workers at once (timer rounds
	 * spend most of their time waiting for the ticker).
	 */
	private static Summary raceOnLoopback(int rounds, Duration budget) throws Exception {
		Logger drainLogger = (Logger) LoggerFactory.getLogger(StreamDrainer.class);
		Level drainLevel = drainLogger.getLevel();
		// Every drain round would log its drain.
		drainLogger.setLevel(Level.WARN);
		Summary summary = new Summary();
		DroppedErrors dropped = DroppedErrors.install();
		try (Loopback loopback = Loopback.start()) {
			EventLoopWatch watch = EventLoopWatch.start(Loopback.SERVER_LOOP, loopback.serverLoops());
			StreamTicker ticker = new StreamTicker();
			EndCounts everyEnd = new EndCounts();
			// Admits at most the workers' streams: a permit that leaks soon refuses every stream.
			StreamGate shared = new StreamGate(LOOPBACK_WORKERS, LOOPBACK_WORKERS);
			Deadline deadline = Deadline.after(budget);
			AtomicInteger next = new AtomicInteger();
			ExecutorService workers = Executors.newFixedThreadPool(LOOPBACK_WORKERS,
					new DefaultThreadFactory("stress-worker", true));
			try {
				List<Future<?>> running = new ArrayList<>();
				for (int w = 0; w < LOOPBACK_WORKERS; w++) {
					running.add(workers.submit(() -> {
						Random random = new Random(ThreadLocalRandom.current().nextLong());
						try (Racing racing = new Racing("loopback-racer")) {
							for (int round; (round = next.getAndIncrement()) < rounds && !deadline.isExpired();) {
								Set<Racer> racers = Racer.draw(round, random, EnumSet.allOf(Racer.class));
								LoopbackRound race = new LoopbackRound(loopback, "s" + round, racers, ticker,
										shared, everyEnd);
								summary.add(racers, race.run(racing, random));
							}
						}
						return null;
					}));
				}
				for (Future<?> worker : running) {
					worker.get(budget.toMillis() + AWAIT.toMillis() * 4, TimeUnit.MILLISECONDS);
				}
			}
			catch (ExecutionException ex) {
				throw rethrown(ex);
			}
			finally {
				workers.shutdownNow();
				summary.blocking = watch.stop();
				summary.dropped = dropped.uninstall();
				drainLogger.setLevel(drainLevel);
			}
			assertThat(shared.admitted()).as("permits of the shared gate after every round").isZero();
			assertThat(shared.streamsOf(LOOPBACK)).as("permits of the loopback client").isZero();
			everyEnd.assertEveryStreamEndedOnce(summary.rounds());
		}
		return summary;
	}

	private static Exception rethrown(ExecutionException ex) {
		if (ex.getCause() instanceof Error error) {
			throw error;
		}
		return (ex.getCause() instanceof Exception cause) ? cause : ex;
	}

	/**
	 * What may end a stream, and the one reason it ends the stream for when it wins.
	 */
	enum Racer {

		UPSTREAM_COMPLETES(TerminationReason.COMPLETED),

		UPSTREAM_FAILS(TerminationReason.UPSTREAM_ERROR),

		/** The transport cancels the body from a thread of its own. */
		TRANSPORT_CANCELS(TerminationReason.CLIENT_CLOSED),

		/** The transport cancels the body on the connection's event loop, as Reactor Netty does. */
		TRANSPORT_CANCELS_ON_EVENT_LOOP(TerminationReason.CLIENT_CLOSED),

		OPERATOR_CLOSES(TerminationReason.CLOSED_BY_OPERATOR),

		DRAIN(TerminationReason.SERVER_SHUTDOWN),

		/** The client closes its end (FIN). */
		PEER_CLOSES(TerminationReason.CLIENT_CLOSED),

		/** The client resets the connection (RST). */
		PEER_RESETS(TerminationReason.CLIENT_CLOSED),

		/** The server closes the connection underneath the stream. */
		SERVER_CLOSES_CONNECTION(TerminationReason.CLIENT_CLOSED),

		/** Not a thread: the stream's max-duration expires on the ticker during the race. */
		MAX_DURATION_EXPIRES(TerminationReason.MAX_DURATION),

		/** Not a thread: the stream's idle-timeout expires on the ticker during the race. */
		IDLE_TIMEOUT_EXPIRES(TerminationReason.IDLE_TIMEOUT);

		final TerminationReason reason;

		Racer(TerminationReason reason) {
			this.reason = reason;
		}

		boolean timer() {
			return this == MAX_DURATION_EXPIRES || this == IDLE_TIMEOUT_EXPIRES;
		}

		/**
		 * Draw the racers of a round: every tenth round one racer alone (each in turn, so that
		 * each reason is seen to win), otherwise two to five threads, a quarter of the time with
		 * one of the timers.
		 */
		static Set<Racer> draw(int round, Random random, Set<Racer> available) {
			List<Racer> all = new ArrayList<>(available);
			if (round % 10 == 0) {
				return EnumSet.of(all.get((round / 10) % all.size()));
			}
			List<Racer> threads = new ArrayList<>(all.stream().filter((racer) -> !racer.timer()).toList());
			List<Racer> timers = all.stream().filter(Racer::timer).toList();
			Collections.shuffle(threads, random);
			Set<Racer> drawn = EnumSet.copyOf(threads.subList(0, 2 + random.nextInt(4)));
			if (!timers.isEmpty() && random.nextInt(4) == 0) {
				drawn.add(timers.get(random.nextInt(timers.size())));
			}
			return drawn;
		}

		static Set<TerminationReason> reasons(Set<Racer> racers) {
			Set<TerminationReason> reasons = EnumSet.noneOf(TerminationReason.class);
			racers.forEach((racer) -> reasons.add(racer.reason));
			return reasons;
		}

		static boolean anyTimer(Set<Racer> racers) {
			return racers.contains(MAX_DURATION_EXPIRES) || racers.contains(IDLE_TIMEOUT_EXPIRES);
		}

	}

	/**
	 * A source the racers complete or fail, that counts how it ended.
	 */
	static final class Upstream {

		private final Sinks.Many<DataBuffer> sink = Sinks.many().unicast().onBackpressureBuffer();

		private final AtomicInteger cancels = new AtomicInteger();

		private final AtomicInteger terminals = new AtomicInteger();

		private volatile @Nullable Channel channel;

		// Asked while the connection is registered: a closed one may leave its event loop.
		private volatile @Nullable EventLoop loop;

		final Flux<DataBuffer> flux = this.sink.asFlux()
			.doOnCancel(this.cancels::incrementAndGet)
			.doOnTerminate(this.terminals::incrementAndGet);

		void produce(int elements) {
			for (int i = 0; i < elements; i++) {
				if (emit(() -> this.sink.tryEmitNext(DefaultDataBufferFactory.sharedInstance.wrap(ELEMENT))).isFailure()) {
					return;
				}
			}
		}

		void complete() {
			emit(this.sink::tryEmitComplete);
		}

		void fail() {
			emit(() -> this.sink.tryEmitError(new RacerFailure()));
		}

		// Racers emit concurrently: a sink refuses an emission that overlaps another one.
		private static Sinks.EmitResult emit(Supplier<Sinks.EmitResult> emission) {
			Deadline deadline = Deadline.after(AWAIT);
			Sinks.EmitResult result;
			while ((result = emission.get()) == Sinks.EmitResult.FAIL_NON_SERIALIZED && !deadline.isExpired()) {
				Thread.onSpinWait();
			}
			return result;
		}

		void connection(Connection connection) {
			this.loop = connection.channel().eventLoop();
			this.channel = connection.channel();
		}

		Channel channel() {
			Channel channel = this.channel;
			assertThat(channel).as("connection of the stream's exchange").isNotNull();
			return channel;
		}

		EventLoop loop() {
			EventLoop loop = this.loop;
			assertThat(loop).as("event loop of the stream's exchange").isNotNull();
			return loop;
		}

		void assertReleasedOnce(TerminationReason reason, Object racers) {
			assertThat(this.cancels).as("upstream cancels, racers %s, reason %s", racers, reason).hasValueLessThan(2);
			assertThat(this.cancels.get() + this.terminals.get())
				.as("upstream neither ended nor cancelled, racers %s, reason %s", racers, reason)
				.isPositive();
			if (reason == TerminationReason.COMPLETED || reason == TerminationReason.UPSTREAM_ERROR) {
				assertThat(this.terminals).as("upstream's own end, reason %s", reason).hasValue(1);
			}
		}

	}

	/** An upstream failure that a racer makes, without a stack trace to log. */
	static final class RacerFailure extends RuntimeException {

		RacerFailure() {
			super("upstream failed by a racer", null, false, false);
		}

	}

	/**
	 * Runs the actions of a round at once, each on a thread of a pool, after a barrier.
	 */
	private static final class Racing implements AutoCloseable {

		// A producer and at most five racers.
		private static final int THREADS = 6;

		private final ExecutorService threads;

		Racing(String name) {
			this.threads = Executors.newFixedThreadPool(THREADS, new DefaultThreadFactory(name, true));
		}

		void race(List<Runnable> actions) throws Exception {
			// Every racer spins up to one instant set when the last arrives, then acts at once
			// or a few microseconds later: tight starts hit windows of a few instructions, loose
			// ones cover other interleavings.
			long spread = (ThreadLocalRandom.current().nextInt(4) == 0) ? 20_000 : 0;
			AtomicLong start = new AtomicLong();
			CyclicBarrier barrier = new CyclicBarrier(actions.size(),
					() -> start.set(System.nanoTime() + TimeUnit.MICROSECONDS.toNanos(50)));
			List<Future<?>> running = new ArrayList<>(actions.size());
			for (Runnable action : actions) {
				running.add(this.threads.submit(() -> {
					barrier.await(AWAIT.toMillis(), TimeUnit.MILLISECONDS);
					long at = start.get() + ((spread > 0) ? ThreadLocalRandom.current().nextLong(spread) : 0);
					while (System.nanoTime() < at) {
						Thread.onSpinWait();
					}
					action.run();
					return null;
				}));
			}
			try {
				for (Future<?> future : running) {
					future.get(AWAIT.toMillis(), TimeUnit.MILLISECONDS);
				}
			}
			catch (ExecutionException ex) {
				throw rethrown(ex);
			}
		}

		@Override
		public void close() {
			this.threads.shutdownNow();
		}

	}

	/**
	 * A listening socket and a client, each with an event loop group of its own, that hand out
	 * connected pairs of channels.
	 */
	private static final class Loopback implements AutoCloseable {

		static final String SERVER_LOOP = "stress-server-loop";

		private final EventLoopGroup serverLoops;

		private final EventLoopGroup clientLoops;

		private final Channel listening;

		private final Bootstrap client;

		// Accepted channels by their peer's port: workers connect concurrently.
		private final Map<Integer, CompletableFuture<Channel>> accepted = new ConcurrentHashMap<>();

		private Loopback() {
			boolean epoll = Epoll.isAvailable();
			IoHandlerFactory io = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
			this.serverLoops = new MultiThreadIoEventLoopGroup(2, new DefaultThreadFactory(SERVER_LOOP, true), io);
			this.clientLoops = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("stress-client-loop", true),
					io);
			this.listening = new ServerBootstrap().group(this.serverLoops)
				.channel(epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
				.childHandler(new ChannelInitializer<>() {
					@Override
					protected void initChannel(Channel channel) {
						// Named as Reactor Netty's bridge, so that the guard's watcher goes before it.
						channel.pipeline().addLast(NettyPipeline.ReactiveBridge, Discard.INSTANCE);
						int port = ((InetSocketAddress) channel.remoteAddress()).getPort();
						future(port).complete(channel);
					}
				})
				.bind(LOOPBACK, 0)
				.syncUninterruptibly()
				.channel();
			this.client = new Bootstrap().group(this.clientLoops)
				.channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
				.handler(Discard.INSTANCE);
		}

		static Loopback start() {
			return new Loopback();
		}

		List<EventExecutor> serverLoops() {
			List<EventExecutor> loops = new ArrayList<>();
			this.serverLoops.forEach(loops::add);
			return loops;
		}

		private CompletableFuture<Channel> future(int port) {
			return this.accepted.computeIfAbsent(port, (key) -> new CompletableFuture<>());
		}

		Pair connect() throws Exception {
			ChannelFuture connecting = this.client.connect(this.listening.localAddress());
			assertThat(connecting.awaitUninterruptibly(AWAIT.toMillis())).as("connected in time").isTrue();
			if (!connecting.isSuccess()) {
				throw new IOException("Could not connect to " + this.listening.localAddress(), connecting.cause());
			}
			Channel client = connecting.channel();
			int port = ((InetSocketAddress) client.localAddress()).getPort();
			Channel server = future(port).get(AWAIT.toMillis(), TimeUnit.MILLISECONDS);
			this.accepted.remove(port);
			return new Pair(server, client);
		}

		@Override
		public void close() {
			this.listening.close().syncUninterruptibly();
			this.clientLoops.shutdownGracefully(0, 1, TimeUnit.SECONDS);
			this.serverLoops.shutdownGracefully(0, 1, TimeUnit.SECONDS);
		}

		record Pair(Channel server, Channel client) {
		}

	}

	/** Drops what a connection reads and what fails on it, as a peer that only watches. */
	@ChannelHandler.Sharable
	private static final class Discard extends ChannelInboundHandlerAdapter {

		static final Discard INSTANCE = new Discard();

		@Override
		public void channelRead(ChannelHandlerContext ctx, Object msg) {
			ReferenceCountUtil.release(msg);
		}

		@Override
		public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
		}

	}

	/**
	 * The transport's write of a body on a channel, in the manner of Reactor Netty's: a few
	 * elements of demand up front, one more as each write completes (on the event loop), the
	 * body cancelled and the write failed when a write fails.
	 */
	private static final class ChannelWrite extends Mono<Void> {

		private static final int PREFETCH = 4;

		private final Channel channel;

		private final Publisher<DataBuffer> body;

		ChannelWrite(Channel channel, Publisher<DataBuffer> body) {
			this.channel = channel;
			this.body = body;
		}

		@Override
		public void subscribe(CoreSubscriber<? super Void> actual) {
			this.body.subscribe(new BodyWriter(this.channel, actual));
		}

		private static final class BodyWriter implements CoreSubscriber<DataBuffer>, Subscription {

			private final Channel channel;

			private final CoreSubscriber<? super Void> actual;

			private final AtomicBoolean done = new AtomicBoolean();

			private volatile @Nullable Subscription body;

			BodyWriter(Channel channel, CoreSubscriber<? super Void> actual) {
				this.channel = channel;
				this.actual = actual;
			}

			@Override
			public void onSubscribe(Subscription body) {
				this.body = body;
				this.actual.onSubscribe(this);
				body.request(PREFETCH);
			}

			@Override
			public void onNext(DataBuffer buffer) {
				byte[] bytes = new byte[buffer.readableByteCount()];
				buffer.read(bytes);
				DataBufferUtils.release(buffer);
				this.channel.writeAndFlush(Unpooled.wrappedBuffer(bytes)).addListener((written) -> {
					if (written.isSuccess()) {
						body().request(1);
					}
					else {
						fail(written.cause());
					}
				});
			}

			@Override
			public void onError(Throwable ex) {
				if (this.done.compareAndSet(false, true)) {
					this.actual.onError(ex);
				}
			}

			@Override
			public void onComplete() {
				// Complete once everything before has been written.
				this.channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener((written) -> {
					if (!written.isSuccess()) {
						fail(written.cause());
					}
					else if (this.done.compareAndSet(false, true)) {
						this.actual.onComplete();
					}
				});
			}

			private void fail(Throwable cause) {
				if (this.done.compareAndSet(false, true)) {
					body().cancel();
					this.actual.onError(cause);
				}
			}

			private Subscription body() {
				Subscription body = this.body;
				assertThat(body).isNotNull();
				return body;
			}

			@Override
			public void request(long n) {
			}

			@Override
			public void cancel() {
				this.done.set(true);
				body().cancel();
			}

		}

	}

	/**
	 * Where the server's handling of the exchange subscribes the tracked write: it cancels the
	 * write when the transport gives up, and ignores how a write it cancelled ends.
	 */
	private static final class ResponseEnd implements CoreSubscriber<Void> {

		private volatile @Nullable Subscription write;

		@Override
		public void onSubscribe(Subscription write) {
			this.write = write;
		}

		@Override
		public void onNext(Void nothing) {
		}

		@Override
		public void onError(Throwable ex) {
		}

		@Override
		public void onComplete() {
		}

		void cancel() {
			Subscription write = this.write;
			assertThat(write).as("write subscribed").isNotNull();
			write.cancel();
		}

	}

	/**
	 * One stream built directly on an accepted loopback connection, and its race.
	 */
	private static final class LoopbackRound {

		private final Set<Racer> racers;

		private final Loopback.Pair pair;

		private final Upstream upstream = new Upstream();

		private final RecordingListener listener = new RecordingListener();

		private final StreamRegistry registry;

		// This stream's own permits, global and per client.
		private final StreamGate gate = new StreamGate(1, 1);

		private final GuardedStream<DataBuffer> stream;

		private final ResponseEnd response = new ResponseEnd();

		// Ends that the operator and the drain won.
		private final AtomicInteger won = new AtomicInteger();

		LoopbackRound(Loopback loopback, String id, Set<Racer> racers, StreamTicker ticker, StreamGate shared,
				StreamListener everyEnd) throws Exception {
			this.racers = racers;
			this.pair = loopback.connect();
			this.registry = new StreamRegistry(List.of(this.listener, everyEnd));
			StreamPolicy policy = new StreamPolicy(null,
					racers.contains(Racer.IDLE_TIMEOUT_EXPIRES) ? TIMER : null, null,
					racers.contains(Racer.MAX_DURATION_EXPIRES) ? TIMER : null, null, false,
					DataSize.ofKilobytes(32), DataSize.ofKilobytes(64));
			Channel server = this.pair.server();
			StreamAdmission.Admitted admitted = admit(this.gate, policy).and(admit(shared, policy));
			// As in the server: the exchange is handled, and its write subscribed, on the
			// connection's event loop.
			this.stream = onLoop(server.eventLoop(), () -> {
				GuardedStream<DataBuffer> stream = new GuardedStream<>(id, "/stress",
						MediaType.APPLICATION_OCTET_STREAM_VALUE, (InetSocketAddress) server.remoteAddress(), policy,
						this.registry, BodyShape.FLAT, null, DefaultDataBufferFactory.sharedInstance, server, ticker);
				stream.admitted(admitted);
				stream.track(new ChannelWrite(server, stream.body(this.upstream.flux)), () -> null)
					.subscribe(this.response);
				return stream;
			});
		}

		private static StreamAdmission.Admitted admit(StreamGate gate, StreamPolicy policy) {
			StreamAdmission.Admission admission = gate.admit("/stress", policy, LOOPBACK);
			if (admission instanceof StreamAdmission.Admitted admitted) {
				return admitted;
			}
			return fail("Stream refused, a permit of an earlier stream leaked: " + admission);
		}

		TerminationReason run(Racing racing, Random random) throws Exception {
			List<Runnable> actions = new ArrayList<>();
			// An idle timeout needs an upstream that goes quiet while asked for more.
			int elements = random.nextInt(racers.contains(Racer.IDLE_TIMEOUT_EXPIRES) ? 3 : 24);
			actions.add(() -> this.upstream.produce(elements));
			for (Racer racer : this.racers) {
				if (!racer.timer()) {
					actions.add(() -> act(racer));
				}
			}
			if (Racer.anyTimer(this.racers)) {
				// Start anywhere from well before the ticker fires to just after.
				LockSupport.parkNanos(random.nextLong(3 * TIMER.toNanos()));
			}
			racing.race(actions);
			RecordingListener.Ended end = this.listener.awaitEnd(AWAIT);
			settle();
			assertEndedOnce(end.reason());
			return end.reason();
		}

		private void act(Racer racer) {
			switch (racer) {
				case UPSTREAM_COMPLETES -> this.upstream.complete();
				case UPSTREAM_FAILS -> this.upstream.fail();
				case TRANSPORT_CANCELS -> this.response.cancel();
				case TRANSPORT_CANCELS_ON_EVENT_LOOP -> this.pair.server().eventLoop().execute(this.response::cancel);
				case OPERATOR_CLOSES -> {
					if (this.stream.end(TerminationReason.CLOSED_BY_OPERATOR)) {
						this.won.incrementAndGet();
					}
				}
				case DRAIN -> this.won.addAndGet(new StreamDrainer(this.registry, this.gate).drain(Duration.ZERO));
				case PEER_CLOSES -> this.pair.client().close();
				case PEER_RESETS -> {
					try {
						this.pair.client().config().setOption(ChannelOption.SO_LINGER, 0);
					}
					catch (ChannelException ex) {
						// Closed already, by the racer that closes with FIN.
					}
					this.pair.client().close();
				}
				case SERVER_CLOSES_CONNECTION -> this.pair.server().close();
				default -> throw new IllegalArgumentException("Not a thread: " + racer);
			}
		}

		/**
		 * Close what the race left open (a completed stream keeps its connection) and let both
		 * event loops run what the close and the race queued: a second end would be heard by now.
		 */
		private void settle() {
			this.pair.client().close();
			this.pair.server().close();
			assertThat(this.pair.server().closeFuture().awaitUninterruptibly(AWAIT.toMillis())).isTrue();
			for (int i = 0; i < 2; i++) {
				runOn(this.pair.server().eventLoop());
				runOn(this.pair.client().eventLoop());
			}
		}

		private void assertEndedOnce(TerminationReason reason) {
			assertThat(reason).as("reason of a stream raced by %s", this.racers).isIn(Racer.reasons(this.racers));
			assertThat(this.listener.endedCount()).as("further ends of a stream raced by %s", this.racers).isZero();
			assertThat(this.stream.terminationReason()).as("the stream's own reason").contains(reason);
			boolean guardWon = reason == TerminationReason.CLOSED_BY_OPERATOR
					|| reason == TerminationReason.SERVER_SHUTDOWN;
			assertThat(this.won).as("ends won by the operator and the drain, racers %s, reason %s", this.racers, reason)
				.hasValue(guardWon ? 1 : 0);
			this.upstream.assertReleasedOnce(reason, this.racers);
			assertThat(this.registry.size()).as("live streams after a round of %s", this.racers).isZero();
			assertThat(this.registry.openResponses()).as("open responses after a round of %s", this.racers).isZero();
			assertThat(this.gate.admitted()).as("permits after a round of %s, reason %s", this.racers, reason).isZero();
			assertThat(this.gate.streamsOf(LOOPBACK)).as("client permits after a round of %s", this.racers).isZero();
		}

	}

	private static <V> V onLoop(EventLoop loop, Callable<V> task) throws Exception {
		try {
			return loop.submit(task).get(AWAIT.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (ExecutionException ex) {
			throw rethrown(ex);
		}
	}

	private static void runOn(EventLoop loop) {
		assertThat(loop.submit(() -> {
		}).awaitUninterruptibly(AWAIT.toMillis())).as("event loop ran a task in time").isTrue();
	}

	/**
	 * The guarded server of the test, and what the test reads from it.
	 */
	private static final class Server {

		final int port;

		final StreamRegistry registry;

		final StreamGate gate;

		final RecordingListener listener;

		final Upstreams upstreams;

		final EndCounts everyEnd;

		Server(ConfigurableApplicationContext context) {
			this.port = Integer.parseInt(context.getEnvironment().getRequiredProperty("local.server.port"));
			this.registry = context.getBean(StreamRegistry.class);
			this.gate = context.getBean(StreamGate.class);
			this.listener = context.getBean(RecordingListener.class);
			this.upstreams = context.getBean(Upstreams.class);
			this.everyEnd = context.getBean(EndCounts.class);
		}

		void assertEveryStreamEndedOnce(int rounds) {
			this.everyEnd.assertEveryStreamEndedOnce(rounds);
			assertThat(this.gate.admitted()).as("permits after every round").isZero();
		}

	}

	/**
	 * One stream through the server, opened by a raw socket client, and its race.
	 */
	private static final class ServerRound {

		private final Server server;

		private final String key;

		private final Set<Racer> racers;

		private final Upstream upstream = new Upstream();

		private final AtomicInteger won = new AtomicInteger();

		ServerRound(Server server, String key, Set<Racer> racers) {
			this.server = server;
			this.key = key;
			this.racers = racers;
		}

		TerminationReason run(Racing racing, Random random) throws Exception {
			String route = this.racers.contains(Racer.MAX_DURATION_EXPIRES) ? "max-duration"
					: this.racers.contains(Racer.IDLE_TIMEOUT_EXPIRES) ? "idle-timeout" : "plain";
			this.server.upstreams.put(this.key, this.upstream);
			try (RawHttp client = RawHttp.get(this.server.port, "/stress/" + route + "/" + this.key, 64 * 1024)) {
				String head = client.head(AWAIT);
				assertThat(head).as("response to a stream raced by %s (a refusal means a permit leaked)", this.racers)
					.startsWith("HTTP/1.1 200");
				LiveStream stream = this.server.listener.awaitStart(AWAIT);
				Channel channel = this.upstream.channel();
				EventLoop loop = this.upstream.loop();
				List<Runnable> actions = new ArrayList<>();
				int elements = random.nextInt(this.racers.contains(Racer.IDLE_TIMEOUT_EXPIRES) ? 3 : 24);
				actions.add(() -> this.upstream.produce(elements));
				for (Racer racer : this.racers) {
					if (!racer.timer()) {
						actions.add(() -> act(racer, stream, client, channel));
					}
				}
				if (Racer.anyTimer(this.racers)) {
					LockSupport.parkNanos(random.nextLong(3 * TIMER.toNanos()));
				}
				racing.race(actions);
				RecordingListener.Ended end = this.server.listener.awaitEnd(AWAIT);
				client.close();
				settle(channel, loop);
				assertEndedOnce(end.reason(), stream);
				return end.reason();
			}
		}

		private void act(Racer racer, LiveStream stream, RawHttp client, Channel channel) {
			try {
				switch (racer) {
					case UPSTREAM_COMPLETES -> this.upstream.complete();
					case UPSTREAM_FAILS -> this.upstream.fail();
					case OPERATOR_CLOSES -> {
						// As the streams endpoint does: look the stream up, then end it.
						if (this.server.registry.find(stream.id())
							.map((live) -> live.end(TerminationReason.CLOSED_BY_OPERATOR))
							.orElse(false)) {
							this.won.incrementAndGet();
						}
					}
					// The server's drainer would close its gate for good: this one drains the
					// server's registry the same way, through a gate of its own.
					case DRAIN -> this.won
						.addAndGet(new StreamDrainer(this.server.registry, new StreamGate(0)).drain(Duration.ZERO));
					case PEER_CLOSES -> client.close();
					case PEER_RESETS -> reset(client);
					case SERVER_CLOSES_CONNECTION -> channel.close();
					default -> throw new IllegalArgumentException("Not raced through the server: " + racer);
				}
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
		}

		private static void reset(RawHttp client) throws IOException {
			try {
				client.reset();
			}
			catch (SocketException ex) {
				// Closed already, by the racer that closes with FIN.
				client.close();
			}
		}

		private void settle(Channel channel, EventLoop loop) {
			assertThat(channel.closeFuture().awaitUninterruptibly(AWAIT.toMillis())).as("connection closed").isTrue();
			Deadline deadline = Deadline.after(AWAIT);
			// The response's write ends on the event loop after the connection closed.
			while ((this.server.registry.openResponses() > 0 || this.server.gate.admitted() > 0)
					&& !deadline.isExpired()) {
				runOn(loop);
			}
			runOn(loop);
		}

		private void assertEndedOnce(TerminationReason reason, LiveStream stream) {
			assertThat(reason).as("reason of a stream raced by %s", this.racers).isIn(Racer.reasons(this.racers));
			assertThat(this.server.listener.endedCount()).as("further ends of a stream raced by %s", this.racers)
				.isZero();
			assertThat(stream.terminationReason()).as("the stream's own reason").contains(reason);
			boolean guardWon = reason == TerminationReason.CLOSED_BY_OPERATOR
					|| reason == TerminationReason.SERVER_SHUTDOWN;
			assertThat(this.won).as("ends won by the operator and the drain, racers %s, reason %s", this.racers, reason)
				.hasValue(guardWon ? 1 : 0);
			this.upstream.assertReleasedOnce(reason, this.racers);
			assertThat(this.server.registry.size()).as("live streams after a round of %s", this.racers).isZero();
			assertThat(this.server.registry.openResponses()).as("open responses after a round of %s", this.racers)
				.isZero();
			assertThat(this.server.gate.admitted()).as("permits after a round of %s, reason %s", this.racers, reason)
				.isZero();
			assertThat(this.server.gate.streamsOf(LOOPBACK)).as("client permits after a round of %s", this.racers)
				.isZero();
		}

	}

	/** How often each stream ended, by id, over a whole test. */
	static final class EndCounts implements StreamListener {

		private final Map<String, AtomicInteger> ends = new ConcurrentHashMap<>();

		@Override
		public void onEnd(LiveStream stream, TerminationReason reason) {
			this.ends.computeIfAbsent(stream.id(), (id) -> new AtomicInteger()).incrementAndGet();
		}

		void assertEveryStreamEndedOnce(int streams) {
			assertThat(this.ends).as("streams that ended").hasSize(streams);
			assertThat(this.ends).as("streams that ended more than once")
				.allSatisfy((id, count) -> assertThat(count).as(id).hasValue(1));
		}

	}

	/**
	 * Which reasons won, under which racers, and what the event loops went through meanwhile.
	 */
	private static final class Summary {

		private final Map<TerminationReason, LongAdder> wins = new ConcurrentHashMap<>();

		private final LongAdder rounds = new LongAdder();

		private final LongAdder contested = new LongAdder();

		// Rounds with a timer and threads in which the timer won.
		private final LongAdder timerWins = new LongAdder();

		private final LongAdder timerRounds = new LongAdder();

		private final long startNanos = System.nanoTime();

		volatile EventLoopWatch.Report blocking = EventLoopWatch.Report.NONE;

		volatile DroppedErrors dropped = new DroppedErrors();

		void add(Set<Racer> racers, TerminationReason reason) {
			this.rounds.increment();
			this.wins.computeIfAbsent(reason, (key) -> new LongAdder()).increment();
			if (racers.size() > 1) {
				this.contested.increment();
				if (Racer.anyTimer(racers)) {
					this.timerRounds.increment();
					if (reason == TerminationReason.MAX_DURATION || reason == TerminationReason.IDLE_TIMEOUT) {
						this.timerWins.increment();
					}
				}
			}
		}

		int rounds() {
			return this.rounds.intValue();
		}

		void assertEveryReasonWon(Set<Racer> racers) {
			assertThat(rounds()).as("rounds run within the budget").isGreaterThanOrEqualTo(MIN_ROUNDS);
			assertThat(this.wins.keySet()).as("reasons that won a round").containsAll(Racer.reasons(racers));
			assertThat(this.dropped.others).as("errors dropped other than an upstream's that lost its race").isEmpty();
		}

		void print(String how) {
			Map<TerminationReason, Long> byReason = new EnumMap<>(TerminationReason.class);
			this.wins.forEach((reason, count) -> byReason.put(reason, count.sum()));
			System.out.printf("Stress (%s): %d streams in %d ms, %d contested; timers won %d of %d contested timer "
					+ "rounds; wins %s; upstream errors dropped after the end %d; %s%n", how, rounds(),
					TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - this.startNanos), this.contested.sum(),
					this.timerWins.sum(), this.timerRounds.sum(), byReason, this.dropped.upstream.sum(), this.blocking);
		}

	}

	/**
	 * The errors that Reactor dropped while streams raced. An upstream that fails while its
	 * stream ends for another reason has its error dropped, as Reactor's operators do; any other
	 * dropped error (a transport's failure, say) would be lost.
	 */
	private static final class DroppedErrors {

		final LongAdder upstream = new LongAdder();

		final Queue<Throwable> others = new ConcurrentLinkedQueue<>();

		static DroppedErrors install() {
			DroppedErrors dropped = new DroppedErrors();
			Hooks.onErrorDropped((ex) -> {
				if (ex instanceof RacerFailure) {
					dropped.upstream.increment();
				}
				else {
					dropped.others.add(ex);
				}
			});
			return dropped;
		}

		DroppedErrors uninstall() {
			Hooks.resetOnErrorDropped();
			return this;
		}

	}

	/**
	 * Watches event-loop threads while streams race: samples them, every millisecond, for a
	 * monitor they wait on in the guard's code that another thread holds, and probes how late
	 * their queued tasks run. Sampling sees only waits that last long enough to be caught.
	 */
	private static final class EventLoopWatch {

		private static final long PERIOD_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

		private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();

		private final String prefix;

		private final List<EventExecutor> loops;

		private final Map<String, AtomicInteger> waits = new ConcurrentHashMap<>();

		private final AtomicLong samples = new AtomicLong();

		private final AtomicLong maxTaskDelayNanos = new AtomicLong();

		private final AtomicBoolean stopped = new AtomicBoolean();

		private final Thread sampler;

		private EventLoopWatch(String prefix, List<EventExecutor> loops) {
			this.prefix = prefix;
			this.loops = loops;
			this.sampler = new Thread(this::sample, "stress-event-loop-watch");
			this.sampler.setDaemon(true);
		}

		static EventLoopWatch start(String prefix, List<EventExecutor> loops) {
			EventLoopWatch watch = new EventLoopWatch(prefix, loops);
			watch.sampler.start();
			return watch;
		}

		private void sample() {
			long[] ids = new long[0];
			AtomicBoolean[] probing = new AtomicBoolean[this.loops.size()];
			for (int i = 0; i < probing.length; i++) {
				probing[i] = new AtomicBoolean();
			}
			for (long n = 0; !this.stopped.get(); n++) {
				if (n % 200 == 0) {
					// Event loops start their threads lazily.
					ids = Thread.getAllStackTraces()
						.keySet()
						.stream()
						.filter((thread) -> thread.getName().startsWith(this.prefix))
						.mapToLong(Thread::getId)
						.toArray();
				}
				for (ThreadInfo info : this.threads.getThreadInfo(ids, 12)) {
					if (info != null && info.getThreadState() == Thread.State.BLOCKED && info.getLockOwnerId() != -1
							&& info.getLockOwnerId() != info.getThreadId()) {
						String wait = describe(info);
						if (wait != null) {
							this.waits.computeIfAbsent(wait, (key) -> new AtomicInteger()).incrementAndGet();
						}
					}
				}
				this.samples.incrementAndGet();
				for (int i = 0; i < probing.length; i++) {
					probe(this.loops.get(i), probing[i]);
				}
				LockSupport.parkNanos(PERIOD_NANOS);
			}
		}

		// One probe in flight per event loop: how long a task queued now waits to run.
		private void probe(EventExecutor loop, AtomicBoolean probing) {
			if (probing.compareAndSet(false, true)) {
				long queued = System.nanoTime();
				loop.execute(() -> {
					this.maxTaskDelayNanos.accumulateAndGet(System.nanoTime() - queued, Math::max);
					probing.set(false);
				});
			}
		}

		private static @Nullable String describe(ThreadInfo info) {
			String lock = info.getLockName().replaceAll("@[0-9a-f]+$", "");
			if (lock.startsWith("java.util.concurrent.ConcurrentHashMap$")) {
				// A bin of a concurrent map, locked for the few instructions of one update
				// (the admission's count per client): no call out of the guard is made under it.
				return null;
			}
			String owner = info.getLockOwnerName().replaceAll("-\\d+$", "").replaceAll("-\\d+$", "");
			// Only waits in the guard's code count: a JVM's one-time work (class initialisation,
			// linking) or this test's own set-up may make an event loop wait too.
			String where = null;
			for (StackTraceElement frame : info.getStackTrace()) {
				if (frame.getClassName().startsWith("dev.streamguard")
						&& !frame.getClassName().startsWith(StreamTerminationStressTests.class.getName())) {
					where = frame.getClassName().replaceAll(".*\\.", "") + "." + frame.getMethodName();
					break;
				}
			}
			return (where != null) ? lock + " in " + where + ", held by " + owner : null;
		}

		Report stop() throws InterruptedException {
			this.stopped.set(true);
			this.sampler.join(AWAIT.toMillis());
			Map<String, Integer> waits = new TreeMap<>();
			this.waits.forEach((key, count) -> waits.put(key, count.get()));
			return new Report(this.samples.get(), waits,
					this.loops.isEmpty() ? -1 : TimeUnit.NANOSECONDS.toMicros(this.maxTaskDelayNanos.get()));
		}

		record Report(long samples, Map<String, Integer> waits, long maxTaskDelayMicros) {

			static final Report NONE = new Report(0, Map.of(), -1);

			@Override
			public String toString() {
				int blocked = this.waits.values().stream().mapToInt(Integer::intValue).sum();
				return "event loops blocked in the guard on another thread's monitor in " + blocked + " of " + this.samples
						+ " samples " + this.waits
						+ ((this.maxTaskDelayMicros >= 0) ? ", longest task delay " + this.maxTaskDelayMicros + " us"
								: "");
			}

		}

	}

	/** The sources that the server's stress endpoint serves, by key, one stream each. */
	static final class Upstreams {

		private final Map<String, Upstream> upstreams = new ConcurrentHashMap<>();

		void put(String key, Upstream upstream) {
			this.upstreams.put(key, upstream);
		}

		Upstream take(String key) {
			Upstream upstream = this.upstreams.remove(key);
			assertThat(upstream).as("upstream for %s", key).isNotNull();
			return upstream;
		}

	}

	@SpringBootConfiguration(proxyBeanMethods = false)
	@EnableAutoConfiguration
	static class StressApplication {

		@Bean
		RecordingListener recordingListener() {
			return new RecordingListener();
		}

		@Bean
		EndCounts endCounts() {
			return new EndCounts();
		}

		@Bean
		Upstreams upstreams() {
			return new Upstreams();
		}

		@Bean
		StressStreams stressStreams(Upstreams upstreams) {
			return new StressStreams(upstreams);
		}

	}

	@RestController
	static class StressStreams {

		private final Upstreams upstreams;

		StressStreams(Upstreams upstreams) {
			this.upstreams = upstreams;
		}

		/** The upstream the test put under the key; the route picks the policy. */
		@GetMapping(path = "/stress/{route}/{key}", produces = MediaType.APPLICATION_OCTET_STREAM_VALUE)
		Flux<DataBuffer> stream(@PathVariable String key, ServerHttpResponse response) {
			Upstream upstream = this.upstreams.take(key);
			if (ServerHttpResponseDecorator.getNativeResponse(response) instanceof NettyOutbound outbound) {
				outbound.withConnection(upstream::connection);
			}
			return upstream.flux;
		}

	}

}
