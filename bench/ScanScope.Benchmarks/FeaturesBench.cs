using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.Attributes;
using ScanScope.Capture;
using ScanScope.Features;
using ScanScope.Packets;
using ScanScope.Pipeline;
using ScanScope.Telescope;

namespace ScanScope.Benchmarks;

/// <summary>
/// <c>analyze</c> up to the feature table against the capture reader alone, on the same uncompressed
/// pcap in the page cache: the ratio is what the telescope model and the features cost. The capture:
/// 2·10^6 synthetic packets of 333,333 sources, and any capture named by SCANSCOPE_BENCH_CAPTURE (for
/// example the demo's month: <c>SCANSCOPE_BENCH_CAPTURE=/tmp/simd/capture.pcap dotnet
/// bench/ScanScope.Benchmarks/bin/Release/net10.0/ScanScope.Benchmarks.dll --filter '*FeaturesBench*'</c>).
/// With the CLI's garbage collector (server, not concurrent): the benchmark's child process does not
/// take it from this project's settings.
/// </summary>
[ShortRunJob]
[MemoryDiagnoser]
[GcServer(true)]
[GcConcurrent(false)]
public class FeaturesBench
{
    private const string Synthetic = "synthetic-2M";
    private string _path = "";

    /// <summary>The synthetic capture, and the one SCANSCOPE_BENCH_CAPTURE names.</summary>
    public static IEnumerable<string> Captures() =>
        Environment.GetEnvironmentVariable("SCANSCOPE_BENCH_CAPTURE") is { Length: > 0 } path ? [Synthetic, path] : [Synthetic];

    [ParamsSource(nameof(Captures))]
    public string Capture { get; set; } = Synthetic;

    [GlobalSetup]
    public void Setup()
    {
        _path = Capture;
        if (Capture == Synthetic)
        {
            const int packets = 2_000_000;
            _path = Path.Combine(Path.GetTempPath(), $"scanscope-features-bench-{packets}.pcap");
            if (!File.Exists(_path))
            {
                SyntheticTraffic.WritePcap(_path, sources: packets / 6, maxPackets: packets);
            }
        }

        ReaderOnly();
    }

    [Benchmark(Baseline = true)]
    public long ReaderOnly() => CaptureBench.ReadAllBatched(_path);

    [Benchmark]
    public int AnalyzeToFeatures() => Analysis.Run([_path], new AnalysisOptions { Threads = 1 }).Features.Count;

    [Benchmark]
    public int AnalyzeToFeaturesTwoThreads() => Analysis.Run([_path], new AnalysisOptions { Threads = 2 }).Features.Count;
}

/// <summary>Deterministic telescope-like traffic: many small sources on a /16 over a month.</summary>
public static class SyntheticTraffic
{
    /// <summary>Month start: 2023-06-01 00:00 UTC.</summary>
    public const long MonthStart = 1_685_577_600L;

    /// <summary>
    /// Packets of <paramref name="sources"/> sources in time order over <paramref name="days"/> days:
    /// per source 1 to 8 probes (mean 4.5), each to a random address of 10.0.0.0/16, 80% on one port,
    /// spread over up to a day from a random start. Every 200th source is a heavy scanner with 400.
    /// </summary>
    public static IEnumerable<PacketRecord> Packets(int sources, int days = 30, int seed = 1, bool timeOrder = true)
    {
        if (!timeOrder)
        {
            // Source after source, nothing materialized: the memory figures then count only the accumulators.
            var random = new Random(seed);
            for (var s = 0; s < sources; s++)
            {
                foreach (var p in Source(s, random, days))
                {
                    yield return p;
                }
            }

            yield break;
        }

        var r = new Random(seed);
        var all = new List<PacketRecord>();
        for (var s = 0; s < sources; s++)
        {
            all.AddRange(Source(s, r, days));
        }

        all.Sort((a, b) => a.TimestampNs.CompareTo(b.TimestampNs));
        foreach (var p in all)
        {
            yield return p;
        }
    }

    private static IEnumerable<PacketRecord> Source(int s, Random random, int days)
    {
        var span = days * 86_400L;
        var k = s % 200 == 0 ? 400 : 1 + random.Next(8);
        var start = random.NextInt64(span);
        var length = random.NextInt64(86_400);
        for (var j = 0; j < k; j++)
        {
            var ts = (start + (length * j / k)) % span;
            var h = Mix(((uint)s * 0x9E3779B1u) ^ ((uint)j * 0x85EBCA77u));
            yield return new PacketRecord
            {
                TimestampNs = ((MonthStart + ts) * 1_000_000_000L) + (h % 1_000_000_000u),
                Src = 0x0B000000u + (uint)s,
                Dst = 0x0A000000u | (h >> 16),
                SrcPort = (ushort)(32768 + (h & 0x3FFF)),
                DstPort = (h & 0xFF) < 205 ? (ushort)(80 + (s % 7)) : (ushort)(1 + (h % 1024)),
                Flags = TcpFlags.Syn,
                Ttl = (byte)(40 + (s % 200)),
                IpId = 54321,
                Window = 65535,
                Seq = h,
            };
        }
    }

    // A fixed integer hash (murmur3 finalizer): HashCode is seeded per process, this is the same every run.
    private static uint Mix(uint x)
    {
        x ^= x >> 16;
        x *= 0x85EBCA6Bu;
        x ^= x >> 13;
        x *= 0xC2B2AE35u;
        return x ^ (x >> 16);
    }

    /// <summary>Writes <see cref="Packets"/> as a pcap (raw IPv4 frames), at most <paramref name="maxPackets"/>.</summary>
    public static long WritePcap(string path, int sources, long maxPackets = long.MaxValue)
    {
        using var writer = PcapWriter.Create(path, LinkType.Ethernet, nanoseconds: true);
        foreach (var p in Packets(sources).Take((int)Math.Min(maxPackets, int.MaxValue)))
        {
            writer.Write(p);
        }

        return writer.Count;
    }
}

/// <summary>
/// Command-line modes for the memory figures (peak RSS needs a fresh process per size):
/// <c>features-memory SOURCES</c> feeds synthetic packets straight into the accumulators;
/// <c>features-observers OBSERVERS DAYS</c> fills the telescope accumulator with observers up every minute;
/// <c>features-pcap SOURCES PATH</c> writes a synthetic capture for a real <c>scanscope analyze</c> run;
/// <c>features-throughput PATH ROUNDS [THREADS]</c> times the reader alone and analyze up to the feature table, side by side;
/// <c>features-state PATH</c> prints where the fold's memory goes;
/// <c>features-rss PATH THREADS</c> prints the peak RSS of analyze up to the feature table.
/// </summary>
public static class FeaturesMemory
{
    public static bool TryRun(string[] args)
    {
        switch (args)
        {
            case ["features-memory", var n]:
                Sources(int.Parse(n, CultureInfo.InvariantCulture));
                return true;
            case ["features-observers", var n, var days]:
                Observers(int.Parse(n, CultureInfo.InvariantCulture), int.Parse(days, CultureInfo.InvariantCulture));
                return true;
            case ["features-gen", var n]:
                var c = Stopwatch.StartNew();
                var count = SyntheticTraffic.Packets(int.Parse(n, CultureInfo.InvariantCulture), timeOrder: false).Count();
                Console.WriteLine($"{count} packets generated in {c.Elapsed.TotalSeconds:F2} s");
                return true;
            case ["features-throughput", var path, var rounds]:
                Throughput(path, int.Parse(rounds, CultureInfo.InvariantCulture), [1, Environment.ProcessorCount, 2 * Environment.ProcessorCount]);
                return true;
            case ["features-throughput", var path, var rounds, var threads]:
                Throughput(path, int.Parse(rounds, CultureInfo.InvariantCulture), [int.Parse(threads, CultureInfo.InvariantCulture)]);
                return true;
            case ["features-rss", var path, var threads]:
                Rss(path, int.Parse(threads, CultureInfo.InvariantCulture));
                return true;
            case ["features-state", var path]:
                State(path);
                return true;
            case ["features-split", var path]:
                Split(path);
                return true;
            case ["features-pcap", var n, var path]:
                Console.WriteLine($"{SyntheticTraffic.WritePcap(path, int.Parse(n, CultureInfo.InvariantCulture))} packets written to {path}");
                return true;
            default:
                return false;
        }
    }

    // The uptime period as analyze chooses it by default ("auto"); UPTIME_PERIOD=1 for the thesis' minute.
    private static int? UptimePeriod => Environment.GetEnvironmentVariable("UPTIME_PERIOD") is { Length: > 0 } k ? int.Parse(k, CultureInfo.InvariantCulture) : null;

    // Reader alone and analyze-to-features alternately on the same file, wall and CPU seconds each:
    // CPU time stays meaningful when other work shares the machine. The load average is printed
    // with each round, since wall time on a shared machine measures the neighbours too.
    private static void Throughput(string path, int rounds, int[] threadCounts)
    {
        long packets;
        using (var reader = CaptureReader.Open(path))
        {
            var buffer = new PacketRecord[4096];
            while (reader.ReadBatch(buffer) > 0)
            {
            }

            packets = reader.Counters.Packets;
        }

        for (var r = 0; r < rounds; r++)
        {
            var (wall, cpu, _) = Measure(() => CaptureBench.ReadAllBatched(path));
            Console.WriteLine($"load average: {File.ReadAllText("/proc/loadavg").Trim()}");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"reader   packets={packets} wall_s={wall:F3} cpu_s={cpu:F3} Mpps_wall={packets / wall / 1e6:F2} Mpps_cpu={packets / cpu / 1e6:F2}"));
            foreach (var threads in threadCounts)
            {
                IReadOnlyList<StageTiming> stages = [];
                var (pause, collections) = (GC.GetTotalPauseDuration(), GC.CollectionCount(2));
                (wall, cpu, _) = Measure(() =>
                {
                    var result = Analysis.Run([path], new AnalysisOptions { Threads = threads, UptimePeriodMinutes = UptimePeriod });
                    stages = result.Timings;
                    return result.Counters.Packets;
                });
                var split = string.Join(' ', stages.Select(t => string.Create(CultureInfo.InvariantCulture, $"{t.Stage}={t.Seconds:F3}")));
                (pause, collections) = (GC.GetTotalPauseDuration() - pause, GC.CollectionCount(2) - collections);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"analyze  threads={threads} packets={packets} wall_s={wall:F3} cpu_s={cpu:F3} Mpps_wall={packets / wall / 1e6:F2} Mpps_cpu={packets / cpu / 1e6:F2} gc_pause_s={pause.TotalSeconds:F3} gen2={collections} ({split})"));
            }
        }
    }

    // Peak RSS of analyze up to the feature table (a fresh process per run; the clustering after it is not included).
    private static void Rss(string path, int threads)
    {
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var (wall, cpu, rows) = Measure(() => Analysis.Run([path], new AnalysisOptions { Threads = threads, UptimePeriodMinutes = UptimePeriod }).Features.Count);
        allocated = GC.GetTotalAllocatedBytes(precise: true) - allocated;
        var process = Process.GetCurrentProcess();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"threads={threads} sources={rows} wall_s={wall:F2} cpu_s={cpu:F2} peak_rss_bytes={process.PeakWorkingSet64} peak_rss_per_source={process.PeakWorkingSet64 / (double)rows:F0} allocated_bytes={allocated} gc_count={GC.CollectionCount(0)}/{GC.CollectionCount(1)}/{GC.CollectionCount(2)}"));
    }

    // Where the fold's memory goes (one thread): allocated bytes, the sources' set store (pages and
    // bitmaps) and the telescope accumulator.
    private static void State(string path)
    {
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var (parts, _) = PartitionedFold.Run([PacketSource.FromFile(path)], new AnalysisOptions { Threads = 1 }, (_, _) => { }, default);
        allocated = GC.GetTotalAllocatedBytes(precise: true) - allocated;
        var sources = parts[0].Sources;
        var (pages, bitmaps, bitmapBytes) = sources.Store.Usage;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"allocated_bytes={allocated} sources={sources.Count} source_bytes={sources.EstimateBytes()} store_pages={pages} bitmaps={bitmaps} bitmap_bytes={bitmapBytes} telescope_bytes={parts[0].Telescope.EstimateBytes()}"));
    }

    // The fold alone, packets already in memory in capture order: source accumulator, telescope
    // accumulator, and the feature table built from the folded state.
    private static void Split(string path)
    {
        var packets = new List<PacketRecord>();
        using (var reader = CaptureReader.Open(path))
        {
            while (reader.TryRead(out var p))
            {
                packets.Add(p);
            }
        }

        for (var round = 0; round < 2; round++)
        {
            var sources = new SourceAccumulator();
            var (wall, cpu, _) = Measure(() =>
            {
                foreach (var p in packets)
                {
                    sources.Add(p, (uint)(p.TimestampNs / 300_000_000_000L));
                }

                return 0;
            });
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"sources   packets={packets.Count} wall_s={wall:F3} cpu_s={cpu:F3} Mpps_cpu={packets.Count / cpu / 1e6:F2}"));
            var telescope = new TelescopeAccumulator();
            (wall, cpu, _) = Measure(() =>
            {
                foreach (var p in packets)
                {
                    telescope.Add(p.Dst, p.TimestampNs);
                }

                return 0;
            });
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"telescope packets={packets.Count} wall_s={wall:F3} cpu_s={cpu:F3} Mpps_cpu={packets.Count / cpu / 1e6:F2}"));
            (wall, cpu, _) = Measure(() => FeatureTable.Build(sources, 0, 300, 0).Count);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"table     rows={sources.Count} wall_s={wall:F3} cpu_s={cpu:F3}"));
        }
    }

    private static (double Wall, double Cpu, long Result) Measure(Func<long> work)
    {
        var process = Process.GetCurrentProcess();
        var cpu0 = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        var result = work();
        var wall = clock.Elapsed.TotalSeconds;
        process.Refresh();
        return (wall, (process.TotalProcessorTime - cpu0).TotalSeconds, result);
    }

    private static void Sources(int sources)
    {
        var baseline = Process.GetCurrentProcess().WorkingSet64;
        var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        var acc = new SourceAccumulator();
        long packets = 0;
        foreach (var p in SyntheticTraffic.Packets(sources, timeOrder: false))
        {
            acc.Add(p, (uint)(p.TimestampNs / 300_000_000_000L));
            packets++;
        }

        var seconds = clock.Elapsed.TotalSeconds;
        var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds;
        Console.Write(string.Create(CultureInfo.InvariantCulture, $"cpu_s={cpu:F2} (generator included) "));
        Report("sources", sources, packets, seconds, acc.EstimateBytes(), baseline, GC.KeepAlive, acc);
    }

    private static void Observers(int observers, int days)
    {
        var baseline = Process.GetCurrentProcess().WorkingSet64;
        var clock = Stopwatch.StartNew();
        var acc = new TelescopeAccumulator();
        var t0 = SyntheticTraffic.MonthStart * 1_000_000_000L;
        long packets = 0;
        for (var m = 0L; m < days * 1440L; m++)
        {
            for (var o = 0u; o < observers; o++)
            {
                acc.Add(0x0A000000u + o, t0 + (m * 60_000_000_000L));
                packets++;
            }
        }

        Report("observers", observers, packets, clock.Elapsed.TotalSeconds, acc.EstimateBytes(), baseline, GC.KeepAlive, acc);
    }

    private static void Report<T>(string what, int count, long packets, double seconds, long estimate, long baseline, Action<object?> keep, T state)
    {
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        var heap = GC.GetTotalMemory(forceFullCollection: true);
        var process = Process.GetCurrentProcess();
        keep(state);
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"{what}={count} packets={packets} fold_s={seconds:F2} Mpps={packets / seconds / 1e6:F2} heap_bytes={heap} heap_per_{what.TrimEnd('s')}={heap / (double)count:F1} estimate_per_{what.TrimEnd('s')}={estimate / (double)count:F1} peak_rss_bytes={process.PeakWorkingSet64} baseline_rss={baseline}"));
    }
}
