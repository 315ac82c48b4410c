#!/usr/bin/env bash
# Runs the benchmarks and writes bench/RESULTS.md and its chart, bench/results.png. Usage: ./bench/run.sh [bytes-per-stream] [rounds]
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-8589934592}
rounds=${2:-3}
# One reactor build packages the benchmarks with the modules they need and writes each module's
# class path to its target/classpath.txt: nothing is installed into the local Maven repository,
# so a fresh clone works, and a starter installed there earlier is never measured instead.
./mvnw -q -B -pl bench -am package dependency:build-classpath -DskipTests -Dmdep.outputFile=target/classpath.txt
cp=$(cat bench/target/classpath.txt):bench/target/classes
out=$(mktemp)
java -cp "$cp" dev.streamguard.bench.ThroughputBenchmark "$size" "$rounds" | tee "$out"
java -cp "$cp" dev.streamguard.bench.SlowReaderBenchmark 1000 20 | tee -a "$out"
java -cp "$cp" dev.streamguard.bench.StaticFileBenchmark 2147483648 5 | tee -a "$out"   # 2 GB file in the temp directory, needs curl
# Three rounds, each variant in a server JVM of its own; the chart shows the median round.
java -Xms2g -Xmx2g -cp "$cp" dev.streamguard.bench.FanOutBenchmark 10000 20 3 | tee -a "$out"
java -cp "$cp" dev.streamguard.bench.HeapPerStreamBenchmark 10000 20 | tee -a "$out"   # class histograms: where the bytes go
java -cp "$cp" dev.streamguard.bench.DeadPeerBenchmark 50 20 | tee -a "$out"   # needs root and iproute2
# HTTP/2 (h2c): the clients are h2load (Debian's nghttp2-client) and, for dead peers, curl in a namespace.
java -cp "$cp" dev.streamguard.bench.Http2ThroughputBenchmark "$size" "$rounds" | tee -a "$out"
for run in 1 2 3; do   # 1,000 streams over 10 connections; heap per stream is noisy, as above
  java -cp "$cp" dev.streamguard.bench.Http2FanOutBenchmark 1000 10 20 | tee -a "$out"
done
java -cp "$cp" dev.streamguard.bench.Http2DeadPeerBenchmark 50 20 | tee -a "$out"   # needs root, iproute2 and curl
java -cp "$cp" dev.streamguard.bench.WriterServerBenchmark 2000000 3 | tee -a "$out"
java -cp "$cp" org.openjdk.jmh.Main dev.streamguard.bench.WriterBenchmark -f 1 -wi 2 -w 1s -i 3 -r 1s | tee -a "$out"
{
  echo "# Benchmark results"
  echo
  echo "Command: \`./bench/run.sh $size $rounds\` on $(date -u +%Y-%m-%d)"
  echo
  echo "Machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, Linux $(uname -r), $(java -version 2>&1 | head -1)"
  echo
  echo '```'
  grep -E "^throughput|^static-files|^file-byte-source|^slow-readers|^fan-out|^dead-peer|^h2-throughput|^h2-fan-out|^h2-dead-peer|^writer-server|^Benchmark  |^WriterBenchmark\." "$out" | awk '!seen[$0]++'
  echo '```'
  echo
  echo '![Benchmark chart](results.png)'
} > bench/RESULTS.md
java -cp "$cp" dev.streamguard.bench.ResultsChart bench/RESULTS.md bench/results.png
echo "Wrote bench/RESULTS.md and bench/results.png"
