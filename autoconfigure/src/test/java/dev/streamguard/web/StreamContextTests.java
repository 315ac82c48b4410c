package dev.streamguard.web;

import java.util.Map;
import java.util.NoSuchElementException;
import java.util.stream.Collectors;

import dev.streamguard.stream.LiveStream;
import dev.streamguard.stream.StreamWriterPool;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.util.context.Context;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The Reactor context a stream gives its source reads as the transport's context with the
 * stream's two entries, whatever is asked of it.
 */
class StreamContextTests {

	private final LiveStream stream = NeverStarted.INSTANCE;

	private final StreamWriterPool writers = StreamWriterPool.shared();

	private final Context parent = Context.of("trace", "abc");

	@Test
	void readsAsTheParentWithTheStreamsEntries() {
		Context context = StreamContext.of(this.parent, this.stream, this.writers);
		assertThat(context).isInstanceOf(StreamContext.class);
		assertThat(context.size()).isEqualTo(3);
		assertThat((Object) context.get(LiveStream.class)).isSameAs(this.stream);
		assertThat((Object) context.get(StreamWriterPool.class)).isSameAs(this.writers);
		assertThat((String) context.get("trace")).isEqualTo("abc");
		assertThat(context.hasKey("trace")).isTrue();
		assertThat(context.hasKey("other")).isFalse();
		assertThat(context.getOrEmpty("other")).isEmpty();
		assertThatExceptionOfType(NoSuchElementException.class).isThrownBy(() -> context.get("other"));
		Map<Object, Object> entries = context.stream().collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
		assertThat(entries).containsOnlyKeys("trace", LiveStream.class, StreamWriterPool.class);
	}

	@Test
	void changesAsAnyContextDoes() {
		Context context = StreamContext.of(this.parent, this.stream, this.writers);
		Context more = context.put("span", 7);
		assertThat(more.size()).isEqualTo(4);
		assertThat((Object) more.get(LiveStream.class)).isSameAs(this.stream);
		assertThat((Integer) more.get("span")).isEqualTo(7);
		Context less = context.delete(StreamWriterPool.class);
		assertThat(less.size()).isEqualTo(2);
		assertThat(less.hasKey(StreamWriterPool.class)).isFalse();
		assertThat(context.putAll(Context.of("a", 1).readOnly()).size()).isEqualTo(4);
		assertThat(context.size()).as("unchanged itself").isEqualTo(3);
	}

	@Test
	void reachesOperatorsThatReadTheContext() {
		Context context = StreamContext.of(this.parent, this.stream, this.writers);
		Object seen = Mono.deferContextual((view) -> Mono.just(view.get(LiveStream.class)))
			.contextWrite(context)
			.block();
		assertThat(seen).isSameAs(this.stream);
	}

	@Test
	void entriesTheParentHasAlreadyAreReplacedAsByPut() {
		Context withOldStream = Context.of(LiveStream.class, "old");
		Context context = StreamContext.of(withOldStream, this.stream, this.writers);
		assertThat(context.size()).isEqualTo(2);
		assertThat((Object) context.get(LiveStream.class)).isSameAs(this.stream);
	}

}
