using CsCheck;
using ScanScope.Confirmation;

namespace ScanScope.Tests.Confirmation;

public sealed class SourceEventsBuilderTests
{
    [Fact]
    public void ReservedArrays_HoldEveryProbeInOrder_WhetherTheCountWasShortOrLong()
    {
        // Sources announced with too small, exact and too large counts (the second pass announces the
        // features' packet count), and sources added without an announcement.
        var gen = from sources in Gen.Select(Gen.UInt[1, 50], Gen.Int[0, 40], Gen.Int[-5, 5], Gen.Bool).Array[1, 12]
                  select sources.DistinctBy(s => s.Item1).ToArray();
        gen.Sample(sources =>
        {
            var builder = new SourceEventsBuilder();
            var expected = new Dictionary<uint, List<(long, uint, ushort)>>();
            foreach (var (src, probes, error, reserve) in sources)
            {
                if (reserve)
                {
                    builder.Reserve(src, Math.Max(0, probes + error));
                }

                for (var i = 0; i < probes; i++)
                {
                    var probe = (1000L * i, src + (uint)i, (ushort)(i % 3));
                    if (reserve)
                    {
                        Assert.True(builder.AddReserved(src, probe.Item1, probe.Item2, probe.Item3));
                    }
                    else if (i == 0)
                    {
                        Assert.False(builder.AddReserved(src, probe.Item1, probe.Item2, probe.Item3));
                        builder.Add(src, probe.Item1, probe.Item2, probe.Item3);
                    }
                    else
                    {
                        builder.Add(src, probe.Item1, probe.Item2, probe.Item3);
                    }

                    (expected.TryGetValue(src, out var list) ? list : expected[src] = []).Add(probe);
                }
            }

            var built = builder.Build();
            Assert.Equal(expected.Keys.Order(), built.Keys.Order());
            foreach (var (src, probes) in expected)
            {
                var e = built[src];
                Assert.Equal(probes.Count, e.Count);
                Assert.Equal(probes, e.TimesNs.Select((t, i) => (t, e.Destinations[i], e.Ports[i])));
            }
        });
    }
}
