using System.Buffers.Binary;
using CsCheck;
using ScanScope.Capture;
using ScanScope.Features;
using ScanScope.Packets;
using ScanScope.Pipeline;
using static ScanScope.Tests.Features.TestCaptures;

namespace ScanScope.Tests.Pipeline;

/// <summary>
/// Uncompressed pcap files folded on several threads are cut into slices at record starts, one per
/// thread: the results must be those of one thread reading everything, wherever the cuts fall, and
/// a cut that is not a record start must be caught.
/// </summary>
public sealed class SlicedFoldTests : IDisposable
{
    private static readonly ushort[] PortPool = [22, 23, 80, 443, 445, 3389, 8080, 8443];
    private readonly string _dir = Directory.CreateTempSubdirectory("scanscope-slices-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // Packets from a few sources to a /28 over about six hours, a mix of SYN and RST/ACK, some of
    // them outside the window the tests set.
    private static readonly Gen<PacketRecord> PacketGen =
        Gen.Select(Gen.Int[1, 6], Gen.Int[0, 15], Gen.Int[0, PortPool.Length - 1], Gen.Int[0, 6 * 3600], Gen.Bool, Gen.Int[1, 255])
            .Select(t => t.Item5 ? Syn($"1.0.0.{t.Item1}", $"10.0.0.{t.Item2}", PortPool[t.Item3], t.Item4, (byte)t.Item6)
                                 : Ack($"1.0.0.{t.Item1}", $"10.0.0.{t.Item2}", t.Item4));

    [Fact]
    public void Features_AreTheSameWhateverTheSlicesOfTheFiles()
    {
        var options = new AnalysisOptions { PortListLimit = 3, BinSeconds = 300, UptimeThreshold = 0.3, From = DateTimeOffset.FromUnixTimeSeconds(T0 + 60), ProbeLogBytes = 1L << 26 };
        var gen = from packets in PacketGen.Array[1, 300]
                  from files in Gen.Int[1, 4]
                  from fileOf in Gen.Int[0, files - 1].Array[packets.Length]
                  from threads in Gen.Int[2, 6]
                  select (packets, files, fileOf, threads);
        gen.Sample(
            s => AssertFoldsAlike(s.packets, s.files, s.fileOf, options, options with { Threads = s.threads }),
            iter: 60,
            seed: "0N0XIzNsQ0O2");
    }

    [Fact]
    public void Features_AreTheSame_WhenWorkersTakeOverTheRestOfEachOthersSlices()
    {
        // Batches of a few packets and no least size for a take-over: a worker done with its slice
        // takes half of what another has left, again and again, at cuts found between any records.
        var options = new AnalysisOptions { PortListLimit = 3, BinSeconds = 300, UptimeThreshold = 0.3, ProbeLogBytes = 1L << 26, TakeOverBytes = 1 };
        var gen = from packets in PacketGen.Array[20, 400]
                  from files in Gen.Int[1, 3]
                  from fileOf in Gen.Int[0, files - 1].Array[packets.Length]
                  from threads in Gen.Int[2, 5]
                  from batch in Gen.Int[1, 8]
                  select (packets, files, fileOf, threads, batch);
        var before = PartitionedFold.FoldsCutInside;
        gen.Sample(
            s => AssertFoldsAlike(s.packets, s.files, s.fileOf, options, options with { Threads = s.threads, SliceBatch = s.batch }),
            iter: 60,
            seed: "0N0XIzNsQ0O3");

        // And folds with slices taken over kept their sliced result (the samples show something)
        Assert.True(PartitionedFold.FoldsCutInside > before, "no sliced fold ended with part of a file's slice taken over");
    }

    [Fact]
    public void EveryCut_AtARecordStartGivesTheSameResult_AndAnyOtherIsCaught()
    {
        // Given one capture of 40 records
        var packets = Enumerable.Range(0, 40).Select(i => Syn($"1.0.0.{i % 5}", $"10.0.0.{i % 16}", PortPool[i % 8], i * 30)).ToArray();
        var path = Write("cuts.pcap", packets);
        var starts = RecordStarts(path);
        var options = new AnalysisOptions { Threads = 2, BinSeconds = 300, ProbeLogBytes = 1L << 26 };
        var one = Analysis.Run([path], options with { Threads = 1 }, TestContext.Current.CancellationToken);
        var input = PacketSource.FromFile(path);
        Assert.NotNull(input.SlicePath);

        // When the file is cut at every byte of its first three records, its last two, and next to
        // every record start, Then a record start gives the one-thread result and anything else is
        // refused (the first slice's reader does not end there)
        var length = new FileInfo(path).Length;
        var sorted = starts.Order().ToArray();
        var offsets = Enumerable.Range(PcapReader.GlobalHeaderLength, (int)(sorted[3] - PcapReader.GlobalHeaderLength))
            .Select(o => (long)o)
            .Concat(Enumerable.Range(0, (int)(length - sorted[^2] + 1)).Select(o => sorted[^2] + o))
            .Concat(sorted.SelectMany(s => new[] { s - 1, s, s + 1 }))
            .Distinct();
        foreach (var offset in offsets)
        {
            var sliced = PartitionedFold.RunSlices([input], options, [new PartitionedFold.Cut(0, offset)], (_, _) => { }, TestContext.Current.CancellationToken);
            if (starts.Contains(offset) || offset == length)
            {
                Assert.NotNull(sliced);
                var (parts, counters) = sliced.Value;
                Assert.Equal(one.Counters.Records, counters.Records);
                Assert.Equal(one.Counters.Bytes, counters.Bytes);
                Assert.Equal(1, counters.Files);
                Assert.Equal(one.Features.Count, parts.Sum(p => p.Sources.Count));
                Assert.Equal(one.Used, parts.Sum(p => p.Sources.Packets));
                Assert.Equal(one.Used, parts.Sum(p => p.ProbeLog!.Sum(b => (long)b.Count)));
                foreach (var block in parts.SelectMany(p => p.ProbeLog!))
                {
                    block.Dispose();
                }
            }
            else
            {
                Assert.Null(sliced);
            }
        }
    }

    [Fact]
    public void FindRecordStart_IsTheNextRecordStart_FromAnyOffset()
    {
        var packets = Enumerable.Range(0, 60).Select(i => Syn($"1.0.{i % 3}.{i}", $"10.0.0.{i % 16}", 80, i * 7.5)).ToArray();
        var path = Write("find.pcap", packets);
        var starts = RecordStarts(path);
        var length = new FileInfo(path).Length;
        using var handle = File.OpenHandle(path);
        for (var offset = 0L; offset <= length; offset++)
        {
            var expected = starts.Where(s => s >= offset).DefaultIfEmpty(length).Min();
            Assert.Equal(expected, PcapReader.FindRecordStart(handle, offset));
        }
    }

    [Fact]
    public void ByteSwappedNanosecondFile_IsCutAtItsRecordStarts()
    {
        // Given a big-endian capture with nanosecond timestamps (the headers of the little-endian
        // file written, byte-swapped in place)
        var packets = Enumerable.Range(0, 300).Select(i => Syn($"1.0.{i % 9}.1", $"10.0.0.{i % 16}", PortPool[i % 8], (i * 11.25) + 0.000000123)).ToArray();
        var path = Path.Combine(_dir, "swapped.pcap");
        using (var writer = new PcapWriter(File.Create(path), nanoseconds: true))
        {
            foreach (var p in packets)
            {
                writer.Write(p);
            }
        }

        var starts = RecordStarts(path);
        var bytes = File.ReadAllBytes(path);
        Array.Reverse(bytes, 0, 4);
        Array.Reverse(bytes, 4, 2);
        Array.Reverse(bytes, 6, 2);
        for (var i = 8; i < PcapReader.GlobalHeaderLength; i += 4)
        {
            Array.Reverse(bytes, i, 4);
        }

        foreach (var at in starts)
        {
            for (var i = 0; i < PcapReader.RecordHeaderLength; i += 4)
            {
                Array.Reverse(bytes, (int)at + i, 4);
            }
        }

        File.WriteAllBytes(path, bytes);

        // When cuts are searched from every offset, Then each lands on the next record start
        using (var handle = File.OpenHandle(path))
        {
            for (var offset = 0L; offset <= bytes.Length; offset += 7)
            {
                Assert.Equal(starts.Where(s => s >= offset).DefaultIfEmpty(bytes.Length).Min(), PcapReader.FindRecordStart(handle, offset));
            }
        }

        // And folded on three threads it gives what one thread gives, nanoseconds included
        var options = new AnalysisOptions { BinSeconds = 60, ProbeLogBytes = 1L << 26 };
        var one = Analysis.Run([path], options with { Threads = 1 }, TestContext.Current.CancellationToken);
        Assert.Equal(packets.Length, one.Counters.Packets);
        Assert.Equal(packets.Min(p => p.TimestampNs), one.Counters.FirstTimestampNs);
        AssertSame(one, Analysis.Run([path], options with { Threads = 3 }, TestContext.Current.CancellationToken));
    }

    [Fact]
    public void ACutInsideAPayloadThatLooksLikeRecords_IsCaught_AndTheResultIsStillExact()
    {
        // Given a capture whose middle record carries a payload made of plausible pcap records (a
        // capture of a capture being copied), so the search for a record start from the middle of
        // the file lands inside that payload
        var path = Path.Combine(_dir, "nested.pcap");
        using (var writer = PcapWriter.Create(path))
        {
            for (var i = 0; i < 50; i++)
            {
                writer.Write(Syn($"1.0.0.{i % 4}", $"10.0.0.{i % 16}", 80, i));
            }

            var frame = new byte[60_000];
            var n = PacketBuilder.WriteEthernet(Syn("1.0.0.9", "10.0.0.1", 443, 50), frame);
            for (var at = n + 3; at + 70 <= frame.Length; at += 70)
            {
                // Fake records of 54 bytes, timestamps a second apart: a chain the search accepts.
                BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(at), (uint)(T0 + 50 + (at / 70)));
                BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(at + 4), 0);
                BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(at + 8), 54);
                BinaryPrimitives.WriteUInt32LittleEndian(frame.AsSpan(at + 12), 54);
            }

            writer.WriteRaw((T0 + 50) * 1_000_000_000L, frame, frame.Length);
            for (var i = 51; i < 100; i++)
            {
                writer.Write(Syn($"1.0.0.{i % 4}", $"10.0.0.{i % 16}", 80, i));
            }
        }

        var input = PacketSource.FromFile(path);
        var cut = Assert.Single(PartitionedFold.PlanCuts([input], 2));
        Assert.DoesNotContain(cut.Offset, RecordStarts(path)); // the test shows something only if the guess is wrong

        // When it is folded on two threads, Then the wrong cut is caught and the result is exact
        var options = new AnalysisOptions { BinSeconds = 300, ProbeLogBytes = 1L << 26 };
        Assert.Null(PartitionedFold.RunSlices([input], options with { Threads = 2 }, [cut], (_, _) => { }, TestContext.Current.CancellationToken));
        var one = Analysis.Run([path], options with { Threads = 1 }, TestContext.Current.CancellationToken);
        AssertSame(one, Analysis.Run([path], options with { Threads = 2 }, TestContext.Current.CancellationToken));

        // And the second pass's spill, which cuts the file the same way, catches it too: it reads the
        // whole file instead, and its probes are those of a direct pass
        var round = one.Features.ToDictionary(f => f.Src, _ => 0);
        using var spill = new ProbeSpill(Path.Combine(_dir, "spill"), [round]) { Threads = 2 };
        var spilled = spill.Collect(0, [input], SynPredicate.Instance, one);
        Assert.Equal(1, spill.Units);
        var direct = ScanScope.Cli.AnalyzePipeline.CollectEvents([input], SynPredicate.Instance, one, round);
        Assert.Equal(direct.Keys.Order(), spilled.Keys.Order());
        Assert.Equal(direct.Values.Sum(e => e.Count), spilled.Values.Sum(e => e.Count));
        Assert.All(direct, d => Assert.Equal(d.Value.TimesNs, spilled[d.Key].TimesNs));
    }

    [Fact]
    public void DamagedRecords_AreCountedOnce_AndTheFirstDamageIsTheFirstInTheFile()
    {
        // Given a capture with two damaged records (lengths beyond the snap length), one in each half
        var packets = Enumerable.Range(0, 400).Select(i => Syn($"1.0.{i % 7}.1", $"10.0.0.{i % 16}", 80, i)).ToArray();
        var path = Write("damaged.pcap", packets);
        var starts = RecordStarts(path).Order().ToArray();
        var bytes = File.ReadAllBytes(path);
        foreach (var record in new[] { 100, 300 })
        {
            BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan((int)starts[record] + 8), 0x00FF_FFFF);
        }

        File.WriteAllBytes(path, bytes);

        // When it is read by one thread and by three, Then the counters agree
        var one = Analysis.Run([path], new AnalysisOptions { Threads = 1 }, TestContext.Current.CancellationToken);
        var three = Analysis.Run([path], new AnalysisOptions { Threads = 3 }, TestContext.Current.CancellationToken);
        Assert.Equal(2, one.Counters.Skipped(SkipReason.DamagedRecord));
        AssertSame(one, three);
        Assert.StartsWith($"{path}: byte {starts[100]}:", three.Counters.FirstDamage, StringComparison.Ordinal);
    }

    // Given the packets written to real pcap files (each file in its own order; samples run in
    // parallel, so each has its own names), when they are folded by one thread and by `many`
    // threads, then features, telescope, counters and the kept probes are the same.
    private void AssertFoldsAlike(PacketRecord[] packets, int files, int[] fileOf, AnalysisOptions options, AnalysisOptions many)
    {
        var sample = Guid.NewGuid().ToString("N");
        var paths = Enumerable.Range(0, files)
            .Select(f => Write($"{sample}-{f}.pcap", packets.Where((_, i) => fileOf[i] == f)))
            .ToArray();
        AssertSame(
            Analysis.Run(paths, options with { Threads = 1 }, TestContext.Current.CancellationToken),
            Analysis.Run(paths, many, TestContext.Current.CancellationToken));
    }

    private static void AssertSame(AnalysisResult one, AnalysisResult many)
    {
        Assert.Equal(Csv(one.Features), Csv(many.Features));
        Assert.Equal(one.Telescope.ActiveObservers, many.Telescope.ActiveObservers);
        Assert.Equal(one.Telescope.Outages, many.Telescope.Outages);
        Assert.Equal(one.Telescope.Daily, many.Telescope.Daily);
        Assert.Equal(one.Telescope.UptimeClasses, many.Telescope.UptimeClasses);
        Assert.Equal((one.Used, one.Filtered, one.OutsideWindow, one.OutsideTelescope), (many.Used, many.Filtered, many.OutsideWindow, many.OutsideTelescope));
        var (a, b) = (one.Counters, many.Counters);
        Assert.Equal((a.Records, a.Bytes, a.Packets, a.Files, a.SourceBytes, a.FirstTimestampNs, a.LastTimestampNs, a.TotalSkipped, a.FirstDamage), (b.Records, b.Bytes, b.Packets, b.Files, b.SourceBytes, b.FirstTimestampNs, b.LastTimestampNs, b.TotalSkipped, b.FirstDamage));
        Assert.Equal(a.LinkTypes, b.LinkTypes);
        if (one.Probes is { } p1 && many.Probes is { } p2)
        {
            using (p1)
            using (p2)
            {
                var all = one.Features.ToDictionary(r => r.Src, _ => 0);
                var (e1, e2) = (p1.Collect(all, one.Features, one.Telescope.Space), p2.Collect(all, many.Features, many.Telescope.Space));
                Assert.Equal(e1.Keys.Order(), e2.Keys.Order());
                Assert.All(e1, kv =>
                {
                    Assert.Equal(kv.Value.TimesNs, e2[kv.Key].TimesNs);
                    Assert.Equal(kv.Value.Destinations, e2[kv.Key].Destinations);
                });
            }
        }
        else
        {
            Assert.Equal(one.Probes is null, many.Probes is null);
        }
    }

    private static string Csv(IReadOnlyList<FeatureRow> rows)
    {
        using var w = new StringWriter();
        AnalysisWriter.WriteFeatures(rows, w);
        return w.ToString();
    }

    private string Write(string name, IEnumerable<PacketRecord> packets)
    {
        var path = Path.Combine(_dir, name);
        using var writer = PcapWriter.Create(path);
        foreach (var p in packets)
        {
            writer.Write(p);
        }

        return path;
    }

    // The offsets where records start, walking the file's record headers.
    private static HashSet<long> RecordStarts(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var starts = new HashSet<long>();
        for (long at = PcapReader.GlobalHeaderLength; at + PcapReader.RecordHeaderLength <= bytes.Length;)
        {
            starts.Add(at);
            at += PcapReader.RecordHeaderLength + BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan((int)at + 8));
        }

        return starts;
    }
}
