using ScanScope.Capture;
using ScanScope.Features;
using ScanScope.Packets;
using ScanScope.Pipeline;
using ScanScope.Telescope;
using static ScanScope.Tests.Features.TestCaptures;

namespace ScanScope.Tests.Features;

public sealed class AnalysisGoldenTests
{
    // Telescope 10.0.0.0/30. A background source sends RST/ACK (not SYN) to 10.0.0.0 in every minute
    // of 50 except minutes 10-19, which are an outage of the whole telescope. Scanners:
    //   A 1.1.1.1  one packet                      (minute 0)
    //   B 2.2.2.2  a retry within one bin, 2 ports  (minute 5)
    //   C 3.3.3.3  bins 0, 5, 8: active across the outage
    //   D 4.4.4.4  one packet in the last second of the last bin (minute 49)
    private static List<PacketRecord> Scenario()
    {
        var packets = new List<PacketRecord>();
        for (var m = 0; m < 50; m++)
        {
            if (m is < 10 or > 19)
            {
                packets.Add(Ack("9.9.9.9", "10.0.0.0", (m * 60) + 30));
            }
        }

        packets.Add(Syn("1.1.1.1", "10.0.0.1", 80, 10, ttl: 50));
        packets.Add(Syn("2.2.2.2", "10.0.0.2", 80, 310, ttl: 240));
        packets.Add(Syn("2.2.2.2", "10.0.0.2", 80, 311, ttl: 241));
        packets.Add(Syn("2.2.2.2", "10.0.0.3", 443, 320, ttl: 239));
        packets.Add(Syn("3.3.3.3", "10.0.0.1", 22, 5));
        packets.Add(Syn("3.3.3.3", "10.0.0.2", 22, 1500));
        packets.Add(Syn("3.3.3.3", "10.0.0.3", 22, 2400));
        packets.Add(Syn("4.4.4.4", "10.0.0.3", 8080, 2999.5, ipId: 54321));
        return [.. packets.OrderBy(p => p.TimestampNs)];
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Progress_EndsWithEveryFileDone_AndTheFilesBytes(int threads)
    {
        // The CLI's bar measures against the files' sizes: the last report must count all of them.
        var packets = Scenario();
        var first = Pcap(packets.Take(30));
        var second = Pcap(packets.Skip(30));
        var reports = new List<AnalysisProgress>();
        var sink = new Sink(reports);
        Analysis.Run(
            [new PacketSource("a.pcap", () => new PcapReader(new MemoryStream(first), "a.pcap")), new PacketSource("b.pcap", () => new PcapReader(new MemoryStream(second), "b.pcap"))],
            new AnalysisOptions { Threads = threads, Progress = sink },
            TestContext.Current.CancellationToken);

        Assert.Equal(new AnalysisProgress(2, 2, packets.Count, first.Length + second.Length), reports[^1]);
        Assert.Equal([0, 1, 2], reports.Select(r => r.FilesDone).Prepend(0).Distinct());
        Assert.Equal(reports.OrderBy(r => r.Bytes).ToList(), reports);
    }

    private sealed class Sink(List<AnalysisProgress> reports) : IProgress<AnalysisProgress>
    {
        public void Report(AnalysisProgress value)
        {
            lock (reports)
            {
                reports.Add(value);
            }
        }
    }

    private static FeatureRow Row(AnalysisResult r, string src) => Assert.Single(r.Features, f => f.Src == Ip(src));

    [Fact]
    public void EveryFeature_MatchesItsHandComputedValue()
    {
        var r = Analyze(Scenario(), new AnalysisOptions { Telescope = TelescopeSpace.Parse(["10.0.0.0/30"]), Threads = 1 });

        Assert.Equal(4, r.Features.Count);
        Assert.Equal(TelescopeCaptures(), r.Features.Select(f => f.Src).ToArray());
        Assert.Equal(T0 * 1_000_000_000L, r.WindowStartNs);
        Assert.Equal((T0 + 3000) * 1_000_000_000L, r.WindowEndNs);

        var a = Row(r, "1.1.1.1");
        Assert.Equal((1, 300.0, 0L, 300L, 1, 1L), (a.Destinations, a.Period, a.Start, a.Activity, a.Ports, a.Packets));

        var b = Row(r, "2.2.2.2");
        Assert.Equal((2, 300.0, 300L, 300L, 2, 3L), (b.Destinations, b.Period, b.Start, b.Activity, b.Ports, b.Packets));
        Assert.Equal([80, 443], b.PortList);
        Assert.Equal([1, 1], b.PortDestinations);
        Assert.Equal((239, 241), (b.TtlMin, b.TtlMax));
        Assert.Equal((T0 + 310) * 1_000_000_000L, b.FirstSeenNs);
        Assert.Equal((T0 + 320) * 1_000_000_000L, b.LastSeenNs);

        var c = Row(r, "3.3.3.3");
        Assert.Equal((3, 1200.0, 0L, 900L, 1, 3L), (c.Destinations, c.Period, c.Start, c.Activity, c.Ports, c.Packets));

        var d = Row(r, "4.4.4.4");
        Assert.Equal((1, 300.0, 2700L, 300L, 1, 1L), (d.Destinations, d.Period, d.Start, d.Activity, d.Ports, d.Packets));
    }

    private static uint[] TelescopeCaptures() => [Ip("1.1.1.1"), Ip("2.2.2.2"), Ip("3.3.3.3"), Ip("4.4.4.4")];

    [Fact]
    public void Telescope_FindsTheOutageAndLeavesItOutOfUptime()
    {
        var r = Analyze(Scenario(), new AnalysisOptions { Telescope = TelescopeSpace.Parse(["10.0.0.0/30"]) });
        var t = r.Telescope;

        Assert.Equal(50, t.WindowMinutes);
        Assert.Equal(10, t.OutageMinutes);
        Assert.Equal([new Outage((T0 + 600) * 1_000_000_000L, 10)], t.Outages);
        Assert.Equal(1.0, t.UptimeOf(Ip("10.0.0.0")));
        Assert.Equal(1 / 40.0, t.UptimeOf(Ip("10.0.0.1")));
        Assert.Equal(2 / 40.0, t.UptimeOf(Ip("10.0.0.2")));
        Assert.Equal(3 / 40.0, t.UptimeOf(Ip("10.0.0.3")));
        Assert.Equal(1, t.ActiveObservers);
        Assert.Equal(4, t.Observers);
    }

    [Theory]
    [InlineData(0.9, 1)]
    [InlineData(0.05, 3)]
    [InlineData(0.075, 2)]
    [InlineData(0.02, 4)]
    public void ActiveObservers_CountThoseAtOrAboveTheThreshold(double threshold, int expected)
    {
        var r = Analyze(Scenario(), new AnalysisOptions { Telescope = TelescopeSpace.Parse(["10.0.0.0/30"]), UptimeThreshold = threshold });
        Assert.Equal(expected, r.Telescope.ActiveObservers);
    }

    [Fact]
    public void UptimeClassesAndDailySeries_CountEveryObserver()
    {
        var r = Analyze(Scenario(), new AnalysisOptions { Telescope = TelescopeSpace.Parse(["10.0.0.0/29"]) });
        var classes = r.Telescope.UptimeClasses.ToDictionary(c => c.Label, c => c.Observers);

        Assert.Equal(1, classes["97-100%"]);
        Assert.Equal(3, classes["0-10%"]);
        Assert.Equal(4, classes["never"]);
        Assert.Equal(8, r.Telescope.UptimeClasses.Sum(c => c.Observers));
        var day = Assert.Single(r.Telescope.Daily);
        Assert.Equal((new DateOnly(2023, 11, 14), TelescopeBlock.Parse("10.0.0.0/16"), 4), (day.Day, day.Subnet, day.ActiveObservers));
    }

    [Fact]
    public void InferredSpace_IsTheSlash24sThatReceivedTraffic()
    {
        var packets = Scenario();
        packets.Add(Syn("5.5.5.5", "10.0.7.9", 80, 100));
        var r = Analyze(packets);

        Assert.True(r.Telescope.Space.Inferred);
        Assert.Equal("10.0.0.0/24,10.0.7.0/24", r.Telescope.Space.ToString());
        Assert.Equal(512, r.Telescope.Observers);
        Assert.Equal(5, r.Telescope.ObserversSeen);
    }

    [Fact]
    public void NonSynPackets_ShapeTheTelescopeButAreNotFeatured()
    {
        var r = Analyze(Scenario());

        Assert.DoesNotContain(r.Features, f => f.Src == Ip("9.9.9.9"));
        Assert.Equal(40, r.Filtered);
        Assert.Equal(8, r.Used);
    }

    [Fact]
    public void GivenWindowStart_BinsAndStartCountFromIt()
    {
        var from = DateTimeOffset.FromUnixTimeSeconds(T0 - 600);
        var r = Analyze(Scenario(), new AnalysisOptions { From = from, To = DateTimeOffset.FromUnixTimeSeconds(T0 + 2400) });

        Assert.Equal((T0 - 600) * 1_000_000_000L, r.WindowStartNs);
        Assert.Equal(600L, Row(r, "1.1.1.1").Start);
        var c = Row(r, "3.3.3.3");
        Assert.Equal((2, 600L, 1500.0), (c.Destinations, c.Activity, (double)c.Period));
        Assert.DoesNotContain(r.Features, f => f.Src == Ip("4.4.4.4"));
        Assert.Equal(12, r.OutsideWindow);
    }

    [Fact]
    public void BinWidth_ChangesPeriodAndActivity()
    {
        var r = Analyze(Scenario(), new AnalysisOptions { BinSeconds = 60 });
        var c = Row(r, "3.3.3.3");

        Assert.Equal((180L, 1200.0, 0L), (c.Activity, c.Period, c.Start));
        Assert.Equal(2940L, Row(r, "4.4.4.4").Start);
    }

    [Fact]
    public void Filter_IsPluggable()
    {
        var r = Analyze(Scenario(), new AnalysisOptions { Filter = new IpIdFilter(54321) });

        Assert.Equal([Ip("4.4.4.4")], r.Features.Select(f => f.Src));
    }

    private sealed class IpIdFilter(ushort id) : IPacketPredicate
    {
        public bool Accepts(in PacketRecord packet) => packet.IsSyn && packet.IpId == id;

        public string Describe() => $"IP ID {id}";
    }
}
