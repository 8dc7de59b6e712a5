using ScanScope.Capture;
using ScanScope.Packets;
using ScanScope.Pipeline;
using static ScanScope.Tests.Features.TestCaptures;

namespace ScanScope.Tests.Pipeline;

/// <summary>
/// Failures and cancellation while packets are folded on several threads, with one shared reader
/// (inputs read once) and with every thread reading the inputs itself (cheap to reread).
/// </summary>
public sealed class PartitionedFoldTests
{
    public static TheoryData<int, int, bool> ThreadsAndInputs()
    {
        var data = new TheoryData<int, int, bool>();
        foreach (var (threads, inputs) in new[] { (1, 1), (2, 1), (3, 1), (2, 3), (4, 5), (6, 2) })
        {
            data.Add(threads, inputs, false);
            data.Add(threads, inputs, true);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ThreadsAndInputs))]
    public void ReaderFailingMidway_SurfacesItsOwnException_AndNoThreadHangs(int threads, int inputs, bool reread)
    {
        // Given one input that fails after many batches' worth of packets, beside good inputs
        var sources = Enumerable.Range(0, inputs)
            .Select(i => new PacketSource($"in{i}", () => new ListReader(Packets(i, 30_000), failAfter: i == inputs - 1 ? 20_000 : -1)) { CheapToReread = reread })
            .ToArray();

        // When it is analyzed, Then the reader's exception comes out as itself, not wrapped
        var e = Assert.Throws<InvalidDataException>(() => Analysis.Run(sources, new AnalysisOptions { Threads = threads }, TestContext.Current.CancellationToken));
        Assert.Equal("damaged on purpose", e.Message);
    }

    [Theory]
    [MemberData(nameof(ThreadsAndInputs))]
    public void WorkerFailingMidway_SurfacesItsOwnException_AndNoThreadHangs(int threads, int inputs, bool reread)
    {
        // Given a feature filter that breaks on one packet, which a worker (not the reader) calls
        var sources = Enumerable.Range(0, inputs).Select(i => new PacketSource($"in{i}", () => new ListReader(Packets(i, 30_000))) { CheapToReread = reread }).ToArray();
        var options = new AnalysisOptions { Threads = threads, Filter = new BreakingPredicate(Ip("1.0.7.3")) };

        // When it is analyzed, Then that exception comes out as itself, not a cancellation it caused
        var e = Assert.Throws<InvalidOperationException>(() => Analysis.Run(sources, options, TestContext.Current.CancellationToken));
        Assert.Equal("filter broke", e.Message);
    }

    [Theory]
    [MemberData(nameof(ThreadsAndInputs))]
    public void CancelledBeforeTheStart_Throws(int threads, int inputs, bool reread)
    {
        var sources = Enumerable.Range(0, inputs).Select(i => new PacketSource($"in{i}", () => new ListReader(Packets(i, 100))) { CheapToReread = reread }).ToArray();
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => Analysis.Run(sources, new AnalysisOptions { Threads = threads }, cancelled.Token));
    }

    [Theory]
    [MemberData(nameof(ThreadsAndInputs))]
    public void EveryPacketIsCountedOnce_WhateverTheThreads(int threads, int inputs, bool reread)
    {
        var sources = Enumerable.Range(0, inputs).Select(i => new PacketSource($"in{i}", () => new ListReader(Packets(i, 10_000))) { CheapToReread = reread }).ToArray();
        var r = Analysis.Run(sources, new AnalysisOptions { Threads = threads, From = DateTimeOffset.FromUnixTimeSeconds(T0 + 100) }, TestContext.Current.CancellationToken);
        Assert.Equal(inputs * 10_000L, r.Counters.Packets);
        Assert.Equal(inputs * 10_000L, r.OutsideWindow + r.Filtered + r.Used);
        Assert.Equal(inputs * 100L, r.OutsideWindow);
        Assert.Equal(inputs * 990L, r.Filtered);
        Assert.Equal(inputs, r.Counters.Files);
    }

    [Fact]
    public void SelfReadingWorkers_StayWithinTheLeadOfTheSlowest()
    {
        // Given one input read by two workers, one of which is slowed down by a source it owns
        long Worst(long lead)
        {
            var read = new long[2];
            var opened = -1;
            long worst = 0;
            var source = new PacketSource("in", () => new PacedReader(Packets(0, 120_000), read, Interlocked.Increment(ref opened), d => InterlockedMax(ref worst, d))) { CheapToReread = true };
            var options = new AnalysisOptions { Threads = 2, SelfReadingLead = lead, Filter = new SlowPredicate(Ip("1.0.7.3")) };
            Analysis.Run([source], options, TestContext.Current.CancellationToken);
            return worst;
        }

        // When the lead is two batches, Then the fast reader never gets more than that (and the
        // batch in hand) ahead; with a lead that does not bind, it runs far ahead.
        const int Batch = 4096;
        Assert.InRange(Worst(2), 1, 4 * Batch);
        Assert.True(Worst(1 << 20) > 8 * Batch, "the slow worker did not fall behind: the test shows nothing");
    }

    private static void InterlockedMax(ref long target, long value)
    {
        for (var seen = Volatile.Read(ref target); value > seen; seen = Volatile.Read(ref target))
        {
            if (Interlocked.CompareExchange(ref target, value, seen) == seen)
            {
                return;
            }
        }
    }

    // One packet a second; every tenth is not a SYN; sources and destinations spread over many addresses.
    [Theory]
    [MemberData(nameof(ThreadsAndInputs))]
    public void ProbeLog_HoldsEveryPacketThatMadeTheFeatures_OrNoneWhenItOutgrowsItsMemory(int threads, int inputs, bool reread)
    {
        // Given inputs of 30,000 packets each (a tenth of them not SYNs)
        var sources = Enumerable.Range(0, inputs)
            .Select(i => new PacketSource($"in{i}", () => new ListReader(Packets(i, 30_000))) { CheapToReread = reread })
            .ToArray();

        // When the fold may keep them all, Then the log holds exactly the packets used, and gives each
        // source's probes in time order with the counts of its features
        var kept = Analysis.Run(sources, new AnalysisOptions { Threads = threads, ProbeLogBytes = 1L << 30 }, TestContext.Current.CancellationToken);
        using var log = Assert.IsType<ProbeLog>(kept.Probes);
        Assert.Equal(kept.Used, log.Count);
        var some = kept.Features.Where((_, i) => i % 3 == 0).ToDictionary(r => r.Src, _ => 0);
        var events = log.Collect(some, kept.Features, kept.Telescope.Space);
        Assert.Equal(some.Keys.Order(), events.Keys.Order());
        Assert.All(kept.Features.Where(r => some.ContainsKey(r.Src)), r =>
        {
            var e = events[r.Src];
            Assert.Equal(r.Packets, e.Count);
            Assert.Equal(e.TimesNs.Order(), e.TimesNs);
            Assert.Equal(r.Destinations, e.Destinations.Distinct().Count());
        });

        // When it may keep exactly the packets used (14 bytes each), Then it keeps them, however unevenly
        // they fall between the workers (the room is shared); with one packet's room less, none
        using (var exact = Analysis.Run(sources, new AnalysisOptions { Threads = threads, ProbeLogBytes = 14 * kept.Used }, TestContext.Current.CancellationToken).Probes)
        {
            Assert.Equal(kept.Used, Assert.IsType<ProbeLog>(exact).Count);
        }

        Assert.Null(Analysis.Run(sources, new AnalysisOptions { Threads = threads, ProbeLogBytes = (14 * kept.Used) - 14 }, TestContext.Current.CancellationToken).Probes);

        // When it may keep fewer than one partition's share, Then it keeps none
        var dropped = Analysis.Run(sources, new AnalysisOptions { Threads = threads, ProbeLogBytes = 24L * 1000 }, TestContext.Current.CancellationToken);
        Assert.Null(dropped.Probes);
        Assert.Equal(kept.Used, dropped.Used);
    }

    private static IEnumerable<PacketRecord> Packets(int input, int count)
    {
        for (var i = 0; i < count; i++)
        {
            var p = Syn($"1.{input}.{i % 200}.{i % 7}", $"10.0.{i % 256}.{i % 13}", (ushort)(80 + (i % 3)), i);
            yield return i % 10 == 9 ? p with { Flags = TcpFlags.Ack } : p;
        }
    }

    private sealed class SlowPredicate(uint source) : IPacketPredicate
    {
        public bool Accepts(in PacketRecord packet)
        {
            if (packet.Src == source)
            {
                Thread.Sleep(2);
            }

            return packet.IsSyn;
        }

        public string Describe() => "slow on one source";
    }

    /// <summary>Counts what each of two readers of the same packets has read, and reports how far this one is ahead.</summary>
    private sealed class PacedReader(IEnumerable<PacketRecord> packets, long[] read, int me, Action<long> lead) : IPacketReader
    {
        private readonly ListReader _inner = new(packets);

        public CaptureCounters Counters => _inner.Counters;

        public bool TryRead(out PacketRecord packet)
        {
            var more = _inner.TryRead(out packet);
            if (more)
            {
                var mine = Interlocked.Increment(ref read[me]);
                lead(mine - Volatile.Read(ref read[1 - me]));
            }

            return more;
        }

        public void Dispose() => _inner.Dispose();
    }

    private sealed class BreakingPredicate(uint source) : IPacketPredicate
    {
        public bool Accepts(in PacketRecord packet) => packet.Src == source ? throw new InvalidOperationException("filter broke") : packet.IsSyn;

        public string Describe() => "breaks on one source";
    }
}
