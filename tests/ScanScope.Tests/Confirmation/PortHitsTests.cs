using CsCheck;
using ScanScope.Confirmation;

namespace ScanScope.Tests.Confirmation;

public sealed class PortHitsTests
{
    [Fact]
    public void TimeBucketSort_GivesTheComparisonSortsOrder()
    {
        // A scan's hits in a short span, stray hits far away (crowding a few buckets), bursts of
        // equal times from several hosts, and sizes on both sides of the small-input cut.
        var gen = from n in Gen.Int[0, 6000]
                  from span in Gen.OneOf(Gen.Const(0L), Gen.Long[1, 1000], Gen.Long[1, 1_000_000_000_000L])
                  from strays in Gen.Int[0, 20]
                  from burst in Gen.Int[0, 500]
                  from seed in Gen.Int
                  select (n, span, strays, burst, seed);
        gen.Sample(t =>
        {
            var random = new Random(t.seed);
            var hits = new PortHits.Hit[t.n];
            for (var i = 0; i < t.n; i++)
            {
                var time = 1_700_000_000_000_000_000L + (t.span == 0 ? 0 : random.NextInt64(t.span));
                if (i < t.strays)
                {
                    time = random.NextInt64(1_600_000_000_000_000_000L, 1_800_000_000_000_000_000L);
                }
                else if (i < t.strays + t.burst)
                {
                    time = 1_700_000_000_000_000_123L;
                }

                hits[i] = new PortHits.Hit(time, random.Next(8), (uint)random.Next(64));
            }

            var expected = hits.ToArray();
            expected.AsSpan().Sort();
            var sorted = PortHits.SortByTime(hits, new PortHits.Hit[t.n]);
            Assert.Equal(expected, sorted.ToArray());
        });
    }

    [Fact]
    public void ByPort_FoldsRetriesPerHostAndSplitsByPortInTimeOrder()
    {
        var gen = from hosts in Gen.Int[1, 6]
                  from probes in Gen.Int[0, 400]
                  from observed in Gen.Bool
                  from seed in Gen.Int
                  select (hosts, probes, observed, seed);
        gen.Sample(t =>
        {
            var random = new Random(t.seed);
            const long second = 1_000_000_000;
            var sources = Enumerable.Range(0, t.hosts).Select(h =>
            {
                var n = random.Next(t.probes + 1);
                var times = Enumerable.Range(0, n).Select(_ => random.NextInt64(0, 600 * second)).Order().ToArray();
                var destinations = Enumerable.Range(0, n).Select(_ => 0x0A000000u + (uint)random.Next(30)).ToArray();
                var ports = Enumerable.Range(0, n).Select(_ => (ushort)(random.Next(3) * 1000 + 22)).ToArray();
                return new SourceEvents(0xC0000000u + (uint)h, times, destinations, ports);
            }).ToList();
            HashSet<uint>? observers = t.observed ? Enumerable.Range(0, 30).Where(i => i % 3 != 0).Select(i => 0x0A000000u + (uint)i).ToHashSet() : null;

            // The plain definition: per host, a probe repeats a (destination, port) probed at most 60 s before the last kept one.
            var kept = new List<(ushort Port, long T, int H, uint D)>();
            for (var h = 0; h < sources.Count; h++)
            {
                var lastKept = new Dictionary<(uint, ushort), long>();
                var s = sources[h];
                for (var i = 0; i < s.Count; i++)
                {
                    var key = (s.Destinations[i], s.Ports[i]);
                    if (observers is not null && !observers.Contains(key.Item1))
                    {
                        continue;
                    }

                    if (lastKept.TryGetValue(key, out var previous) && s.TimesNs[i] - previous <= 60 * second)
                    {
                        continue;
                    }

                    lastKept[key] = s.TimesNs[i];
                    kept.Add((s.Ports[i], s.TimesNs[i], h, s.Destinations[i]));
                }
            }

            var expected = kept.GroupBy(k => k.Port).OrderBy(g => g.Key)
                .Select(g => (g.Key, g.OrderBy(k => k.T).ThenBy(k => k.H).ThenBy(k => k.D).Select(k => (k.T, k.H, k.D)).ToArray()))
                .ToArray();
            var actual = PortHits.ByPort(sources, 60 * second, observers)
                .Select(p => (p.Port, Enumerable.Range(0, p.Count).Select(i => (p.Time(i), p.Host(i), p.Destination(i))).ToArray()))
                .ToArray();
            Assert.Equal(expected.Length, actual.Length);
            for (var i = 0; i < expected.Length; i++)
            {
                Assert.Equal(expected[i].Key, actual[i].Port);
                Assert.Equal(expected[i].Item2, actual[i].Item2);
            }

            // The first hit at or after a time, at every hit's time, one before it and past the end.
            foreach (var p in PortHits.ByPort(sources, 60 * second, observers))
            {
                var times = Enumerable.Range(0, p.Count).Select(p.Time).ToArray();
                foreach (var at in times.SelectMany(x => new[] { x - 1, x, x + 1 }).Append(long.MaxValue))
                {
                    var first = Array.FindIndex(times, x => x >= at);
                    Assert.Equal(first < 0 ? p.Count : first, p.FirstAtOrAfter(at));
                }
            }
        });
    }
}
