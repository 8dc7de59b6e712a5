using CsCheck;
using ScanScope.Telescope;

namespace ScanScope.Tests.Telescope;

public sealed class TelescopeAccumulatorTests
{
    private const long Minute = 60_000_000_000L;
    private const long Start = 28_333_330L * Minute;

    [Fact]
    public void MinuteSharedByTwoFiles_CountsOnceAfterMerge()
    {
        var a = new TelescopeAccumulator();
        var b = new TelescopeAccumulator();
        a.Add(1, Start + 1);
        a.Add(1, Start + Minute + 5);
        b.Add(1, Start + Minute + 50);
        b.Add(1, Start + (2 * Minute));
        b.Add(2, Start + (3 * Minute));

        a.Merge(b);
        var model = TelescopeModel.Build(a, TelescopeSpace.Parse(["0.0.0.0/30"]), Start, Start + (4 * Minute), 0.5);

        Assert.Equal(5, a.Packets);
        Assert.Equal(0, model.OutageMinutes);
        Assert.Equal(3 / 4.0, model.UptimeOf(1));
        Assert.Equal(1 / 4.0, model.UptimeOf(2));
        Assert.Equal(0, model.UptimeOf(3));
        Assert.Equal(1, model.ActiveObservers);
    }

    [Fact]
    public void Activity_EqualsANaivePerObserverModel_WhateverTheOrderSplitAndMerge()
    {
        // Observers in a few /20s of two /16s (dense minutes, with more than 256 of one /20 up, and
        // sparse ones), times over three days; packets shuffled within a few minutes (reordered
        // input reopens sealed minutes) and dealt to up to three accumulators that are then merged.
        var gen = from n in Gen.Int[1, 4000]
                  from seed in Gen.Int
                  from parts in Gen.Int[1, 3]
                  from jitter in Gen.Int[0, 5]
                  from k in Gen.Bool.Select(one => one ? 1 : 7)
                  from limit in Gen.OneOf(Gen.Const(1), Gen.Const(5), Gen.Const(100), Gen.Const(1 << 16)) // minutes past it go into the bitmaps
                  select (n, seed, parts, jitter, k, limit);
        gen.Sample(
            t =>
            {
                var random = new Random(t.seed);
                var packets = new List<(uint Dst, long Ts)>();
                for (var i = 0; i < t.n; i++)
                {
                    var burst = random.Next(4) == 0;
                    var dst = burst ? 0x2C0A1000u + (uint)random.Next(600) : (random.Next(2) == 0 ? 0x2C0A0000u : 0x2C0B0000u) + (uint)random.Next(65536);
                    var minute = burst ? 100 + (i % 2) : random.Next(3 * 1440);
                    packets.Add((dst, Start + (minute * Minute) + random.Next(60_000_000)));
                }

                packets.Sort((a, b) => a.Ts.CompareTo(b.Ts));
                for (var i = 0; i + 1 < packets.Count && t.jitter > 0; i++)
                {
                    var j = Math.Min(packets.Count - 1, i + random.Next(t.jitter + 1));
                    (packets[i], packets[j]) = (packets[j], packets[i]);
                }

                var accs = Enumerable.Range(0, t.parts).Select(_ => new TelescopeAccumulator(t.limit)).ToArray();
                var byObserver = Enumerable.Range(0, t.parts).Select(_ => new TelescopeAccumulator(t.limit)).ToArray(); // as the fold's partitions
                var naive = new Dictionary<uint, SortedSet<uint>>();
                var perMinute = new Dictionary<uint, long>();
                foreach (var (dst, ts) in packets)
                {
                    accs[random.Next(t.parts)].Add(dst, ts);
                    byObserver[(int)(dst * 2654435761u % (uint)t.parts)].Add(dst, ts);
                    var m = TelescopeAccumulator.MinuteOf(ts);
                    (naive.TryGetValue(dst, out var set) ? set : naive[dst] = []).Add(m);
                    perMinute[m] = perMinute.GetValueOrDefault(m) + 1;
                }

                foreach (var other in accs.Skip(1))
                {
                    accs[0].Merge(other);
                }

                var acc = accs[0];
                var space = TelescopeSpace.Parse(["44.10.0.0/16"]);
                var first = TelescopeAccumulator.MinuteOf(Start) + 30;
                var end = first + 2000;
                var k = t.k; // 1: each minute is a period (the thesis), counted from the sealed records directly
                var informative = Enumerable.Range(0, 2000).Select(p => p % 5 != 0).ToArray();
                var expected = naive.Where(o => space.Contains(o.Key)).OrderBy(o => o.Key).Select(o => (
                    o.Key,
                    o.Value.Where(m => m >= first && m < end).Select(m => (m - first) / k).Distinct().Count(p => informative[p]))).ToList();
                var expectedDaily = naive.Where(o => space.Contains(o.Key))
                    .SelectMany(o => o.Value.Select(m => m / 1440).Distinct().Select(d => (Day: d, Subnet: o.Key & 0xFFFF0000u)))
                    .GroupBy(x => x).Select(g => $"{g.Key.Day}/{g.Key.Subnet}:{g.Count()}").Order().ToList();
                static List<string> Daily(IEnumerable<(uint Day, uint Subnet, int Observers)> rows) =>
                    [.. rows.GroupBy(r => (r.Day, r.Subnet)).Select(g => $"{g.Key.Day}/{g.Key.Subnet}:{g.Sum(r => r.Observers)}").Order()];
                var actual = acc.Activity(space, first, end, k, informative).Select(a => (a.Address, a.Periods)).ToList();

                Assert.Equal(expected, actual);
                Assert.Equal(expectedDaily, Daily(acc.DailyObservers(space)));
                Assert.Equal(naive.Count, acc.ObserversSeen);
                Assert.Equal(naive.Keys.Count(space.Contains), acc.ObserversIn(space));
                var ragged = TelescopeSpace.Parse(["44.10.0.0/17", "44.10.200.0/22", "44.11.3.128/25"]); // slots cut at their edges
                Assert.Equal(naive.Keys.Count(ragged.Contains), acc.ObserversIn(ragged));
                Assert.Equal(TelescopeSpace.Infer(naive.Keys).Blocks, acc.InferSpace().Blocks);
                Assert.Equal(perMinute.OrderBy(x => x.Key), acc.MinutePackets.OrderBy(x => x.Key));
                Assert.Equal(packets.Count, acc.Packets);

                // The fold's partitions own disjoint observers and are asked without a merge.
                var parted = new PartitionedTelescope(byObserver);
                Assert.Equal(expected, [.. parted.Activity(space, first, end, k, informative).OrderBy(a => a.Address).Select(a => (a.Address, a.Periods))]);
                Assert.Equal(expectedDaily, Daily(parted.DailyObservers(space)));
                Assert.Equal(acc.ObserversIn(space), parted.ObserversIn(space));
                Assert.Equal(acc.MinutePackets.OrderBy(x => x.Key), parted.MinutePackets.OrderBy(x => x.Key));
                Assert.Equal(acc.InferSpace().Blocks, parted.InferSpace().Blocks);
                Assert.Equal((acc.Packets, acc.FirstNs, acc.LastNs), (parted.Packets, parted.FirstNs, parted.LastNs));
            },
            iter: 60,
            seed: "0N0XIzNsQ0O4");
    }

    [Fact]
    public void EmptyTelescope_HasNoActiveObserversAndOneLongOutage()
    {
        var model = TelescopeModel.Build(new TelescopeAccumulator(), TelescopeSpace.Parse(["10.0.0.0/31"]), Start, Start + (10 * Minute), 0.9);

        Assert.Equal(0, model.ActiveObservers);
        Assert.Equal([new Outage(Start, 10)], model.Outages);
        Assert.Equal(2, model.UptimeClasses.Single(c => c.Label == "never").Observers);
    }

    [Theory]
    [InlineData(1, 3)]    // one packet per observer-minute: 3 minutes for 3 expected packets
    [InlineData(30, 90)]  // one packet per observer every 30 minutes: 90-minute periods
    public void AutomaticUptimePeriod_ExpectsThreePacketsPerObserverAndPeriod(int minutesBetweenPackets, int expected)
    {
        var a = new TelescopeAccumulator();
        for (var m = 0; m < 600; m += minutesBetweenPackets)
        {
            for (uint o = 0; o < 4; o++)
            {
                a.Add(o, Start + (m * Minute) + 1);
            }
        }

        var model = TelescopeModel.Build(a, TelescopeSpace.Parse(["0.0.0.0/30"]), Start, Start + (600 * Minute), 0.9, periodMinutes: null);

        Assert.Equal(expected, model.UptimePeriodMinutes);
        // Every observer received something in every live period: all four are up.
        Assert.Equal(4, model.ActiveObservers);
        Assert.Equal(1.0, model.UptimeOf(0));
    }

    [Fact]
    public void OneMinutePeriods_OnSparseTraffic_CallEveryObserverDark()
    {
        var a = new TelescopeAccumulator();
        for (var m = 0; m < 600; m += 30)
        {
            for (uint o = 0; o < 4; o++)
            {
                a.Add(o, Start + (m * Minute) + 1);
            }
        }

        var model = TelescopeModel.Build(a, TelescopeSpace.Parse(["0.0.0.0/30"]), Start, Start + (600 * Minute), 0.9, periodMinutes: 1);

        // The minutes with no packet at all are outages, so each observer is up in every live minute.
        Assert.Equal(1, model.UptimePeriodMinutes);
        Assert.Equal(580, model.OutageMinutes);
        Assert.Equal(4, model.ActiveObservers);
    }

    [Fact]
    public void BurstyTraffic_QuietPeriodsDoNotCount_SoUpObserversStayUp()
    {
        // Given 64 observers, 60 of them up: a scan burst in every tenth hour reaches each up observer five
        // times; between bursts the whole telescope gets one stray packet an hour. Observers 60-63 are dark
        // and get a single stray packet each.
        var a = new TelescopeAccumulator();
        for (var hour = 0; hour < 100; hour++)
        {
            var t = Start + (hour * 60 * Minute);
            if (hour % 10 == 0)
            {
                for (uint o = 0; o < 60; o++)
                {
                    for (var k = 0; k < 5; k++)
                    {
                        a.Add(o, t + (k * 7 * Minute) + o);
                    }
                }
            }
            else
            {
                a.Add((uint)(hour % 64), t + 1);
            }
        }

        for (uint o = 60; o < 64; o++)
        {
            a.Add(o, Start + (55 * 60 * Minute) + 1);
        }

        // When uptime is counted in hours (the telescope's average is above three packets per observer-hour only
        // because of the bursts)
        var model = TelescopeModel.Build(a, TelescopeSpace.Parse(["0.0.0.0/26"]), Start, Start + (100 * 60 * Minute), 0.9, periodMinutes: 60);

        // Then only the ten burst hours can tell up from dark, every up observer is up in all of them, and the
        // dark ones in none; counting every hour with traffic would have called every observer dark.
        Assert.Equal(10, model.EffectivePeriods);
        Assert.Equal(60, model.ActiveObservers);
        Assert.Equal(1.0, model.UptimeOf(7));
        Assert.Equal(0.0, model.UptimeOf(61));
    }
}
