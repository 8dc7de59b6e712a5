using CsCheck;
using ScanScope.Features;
using ScanScope.Packets;
using ScanScope.Pipeline;
using ScanScope.Telescope;
using static ScanScope.Tests.Features.TestCaptures;

namespace ScanScope.Tests.Features;

public sealed class MergePropertyTests
{
    private static readonly ushort[] PortPool = [22, 23, 80, 443, 445, 3389, 8080, 8443];

    // Packets from a few sources to a /28 over about six hours, a mix of SYN and RST/ACK.
    private static readonly Gen<PacketRecord> PacketGen =
        Gen.Select(Gen.Int[1, 6], Gen.Int[0, 15], Gen.Int[0, PortPool.Length - 1], Gen.Int[0, 6 * 3600], Gen.Bool, Gen.Int[1, 255])
            .Select(t => (t.Item5 ? Syn($"1.0.0.{t.Item1}", $"10.0.0.{t.Item2}", PortPool[t.Item3], t.Item4, (byte)t.Item6)
                                 : Ack($"1.0.0.{t.Item1}", $"10.0.0.{t.Item2}", t.Item4)));

    private static readonly Gen<(PacketRecord[] Packets, int[] FileOf, int Files, int Threads, bool Reread)> SplitGen =
        from packets in PacketGen.Array[1, 200]
        from files in Gen.Int[1, 5]
        from fileOf in Gen.Int[0, files - 1].Array[packets.Length]
        from threads in Gen.Int[1, 6]
        from reread in Gen.Bool
        select (packets, fileOf, files, threads, reread);

    [Fact]
    public void Features_AreTheSameWhateverTheSplitIntoFilesAndThreads()
    {
        // A small port-list limit makes the per-port bound part of what must not depend on order.
        var options = new AnalysisOptions { PortListLimit = 3, BinSeconds = 300, UptimeThreshold = 0.3 };
        SplitGen.Sample(
            s =>
            {
                var ordered = s.Packets.OrderBy(p => p.TimestampNs).ToArray();
                var whole = Analysis.Run([Source("all.pcap", ordered)], options with { Threads = 1 }, TestContext.Current.CancellationToken);
                var inputs = Enumerable.Range(0, s.Files)
                    .Select(f => Source($"part{f}.pcap", s.Packets.Where((_, i) => s.FileOf[i] == f)) with { CheapToReread = s.Reread })
                    .Reverse()
                    .ToArray();
                var split = Analysis.Run(inputs, options with { Threads = s.Threads }, TestContext.Current.CancellationToken);

                Assert.Equal(Csv(whole), Csv(split));
                Assert.Equal(whole.Telescope.ActiveObservers, split.Telescope.ActiveObservers);
                Assert.Equal(whole.Telescope.Outages, split.Telescope.Outages);
                Assert.Equal(whole.Telescope.Daily, split.Telescope.Daily);
                Assert.Equal(whole.Telescope.UptimeClasses, split.Telescope.UptimeClasses);
                Assert.Equal((whole.Used, whole.Filtered, whole.WindowStartNs, whole.WindowEndNs), (split.Used, split.Filtered, split.WindowStartNs, split.WindowEndNs));
            },
            iter: 80,
            seed: "0N0XIzNsQ0O2");
    }

    [Fact]
    public void RunsOfOneSource_FoldLikePacketByPacket()
    {
        // Runs as the fold hands them over (one source each, sources interleaved between runs): short
        // and long, on one port or several (past the scanned-port bound), destinations dense or sparse,
        // sets crossing the block limit inside a run, and a port-list limit that evicts ports.
        var run = from src in Gen.UInt[1, 4]
                  from length in Gen.OneOf(Gen.Int[1, 10], Gen.Int[10, 3000])
                  from ports in Gen.OneOf(Gen.Const(1), Gen.Int[2, 4], Gen.Int[9, 40])
                  from range in Gen.OneOf(Gen.Const(200u), Gen.Const(65_536u), Gen.Const(1u << 24))
                  from seed in Gen.Int
                  select (src, length, ports, range, seed);
        var gen = from runs in run.Array[1, 12]
                  from limit in Gen.Int[0, 16]
                  select (runs, limit);
        gen.Sample(
            t =>
            {
                var oneByOne = new SourceAccumulator(t.limit);
                var inRuns = new SourceAccumulator(t.limit);
                var time = 0L;
                foreach (var (src, length, ports, range, seed) in t.runs)
                {
                    var random = new Random(seed);
                    var packets = new SourcePacket[length];
                    for (var i = 0; i < length; i++)
                    {
                        time += random.NextInt64(0, 30_000_000_000);
                        var p = new SourcePacket(src, 0x0A000000u + (uint)random.NextInt64(range), time, (uint)(time / 300_000_000_000L), (ushort)(1000 + (random.Next(ports) * 7)), (byte)random.Next(30, 60), (Toolchain)random.Next(0, 3));
                        packets[i] = p;
                        oneByOne.Add(p.Src, p.Dst, p.Port, p.TimestampNs, p.Ttl, p.Tool, p.Bin);
                    }

                    inRuns.AddRun(packets);
                }

                Assert.Equal(oneByOne.Packets, inRuns.Packets);
                Assert.Equal(Csv(FeatureTable.Build(oneByOne, 0, 300, 0)), Csv(FeatureTable.Build(inRuns, 0, 300, 0)));
            },
            iter: 150,
            seed: "0N0XIzNsQ0O6");
    }

    [Fact]
    public void Features_MatchAStraightforwardReferenceComputation()
    {
        const int b = 300;
        SplitGen.Sample(
            s =>
            {
                var result = Analysis.Run([Source("all.pcap", s.Packets)], new AnalysisOptions { BinSeconds = b, Threads = 1, PortListLimit = 64 }, TestContext.Current.CancellationToken);
                var syn = s.Packets.Where(p => p.IsSyn).ToArray();
                var all = s.Packets;
                var windowStart = all.Min(p => p.TimestampNs) / 1_000_000_000L / b * b;
                var expected = syn.GroupBy(p => p.Src).OrderBy(g => g.Key).Select(g =>
                {
                    var bins = g.Select(p => (p.TimestampNs / 1_000_000_000L) / b).Distinct().Order().ToArray();
                    var gaps = bins.Zip(bins.Skip(1), (x, y) => (double)(y - x) * b).ToArray();
                    return (g.Key, g.Select(p => p.Dst).Distinct().Count(), gaps.Length == 0 ? b : gaps.Average(),
                        (bins[0] * b) - windowStart, (long)bins.Length * b, g.Select(p => p.DstPort).Distinct().Count(),
                        string.Join(';', g.GroupBy(p => p.DstPort).OrderBy(x => x.Key).Select(x => $"{x.Key}:{x.Select(p => p.Dst).Distinct().Count()}")));
                }).ToArray();
                var actual = result.Features.Select(f => (f.Src, f.Destinations, f.Period, f.Start, f.Activity, f.Ports,
                    string.Join(';', f.PortList.Zip(f.PortDestinations, (p, n) => $"{p}:{n}")))).ToArray();

                Assert.Equal(expected.Length, actual.Length);
                for (var i = 0; i < expected.Length; i++)
                {
                    Assert.Equal(expected[i].Item3, actual[i].Period, 9);
                    Assert.Equal(expected[i] with { Item3 = 0 }, actual[i] with { Period = 0 });
                }
            },
            iter: 60,
            seed: "0N0XIzNsQ0O3");
    }

    private static string Csv(AnalysisResult r) => Csv(r.Features);

    private static string Csv(IReadOnlyList<FeatureRow> rows)
    {
        using var w = new StringWriter();
        AnalysisWriter.WriteFeatures(rows, w);
        return w.ToString();
    }
}
