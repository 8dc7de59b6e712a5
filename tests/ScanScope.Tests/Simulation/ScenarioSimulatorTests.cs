using ScanScope.Capture;
using ScanScope.Packets;
using ScanScope.Simulation;

namespace ScanScope.Tests.Simulation;

/// <summary>The small profile end to end: ground truth, header rules, timing and the written files.</summary>
public sealed class ScenarioSimulatorTests
{
    private static readonly Lazy<(SimulationResult Result, List<PacketRecord> Packets)> Small = new(() =>
    {
        var packets = new List<PacketRecord>();
        var result = ScenarioSimulator.Simulate(ScenarioProfiles.Get("small", 1), packets.Add);
        return (result, packets);
    });

    [Fact]
    public void SmallProfile_IsAFewHundredThousandPacketsInTimeOrderInsideTheWindow()
    {
        var (result, packets) = Small.Value;
        Assert.InRange(packets.Count, 150_000, 700_000);
        Assert.Equal(result.Packets, packets.Count);
        for (var i = 1; i < packets.Count; i++)
        {
            Assert.True(packets[i - 1].TimestampNs <= packets[i].TimestampNs, $"packet {i} goes back in time");
        }

        Assert.All(packets, p => Assert.InRange(p.TimestampNs, result.WindowStartNs, result.WindowEndNs - 1));
        var telescope = result.Scenario.Telescope.Select(Ipv4Prefix.Parse).ToList();
        Assert.All(packets.Where((_, i) => i % 97 == 0), p => Assert.Contains(telescope, t => t.Contains(p.Dst)));
    }

    [Fact]
    public void EverySourceHasExactlyOneLabel_AndEveryGroupHostIsLabelledWithItsGroup()
    {
        var (result, packets) = Small.Value;
        var labels = result.Labels.ToDictionary(l => l.Src);
        Assert.Equal(labels.Count, packets.Select(p => p.Src).Distinct().Count());
        Assert.All(packets.Where((_, i) => i % 31 == 0), p => Assert.True(labels.ContainsKey(p.Src)));
        foreach (var g in result.Scenario.Groups)
        {
            Assert.InRange(g.Hosts.Count, 10, 254);
            Assert.All(g.Hosts, h => Assert.Equal(g.Id, labels[Ipv4Prefix.Parse(h).First].GroupId));
        }

        string[] categories = ["single-port", "slow-sweeping", "periodic-single-port", "periodic-sweeping", "periodic-updating", "greedy",
            "lone-zmap", "heavy-hitter", "masscan", "mirai", "background", "backscatter", "ipid-collision"];
        Assert.Equal(categories.Order(), result.Labels.Select(l => l.Category).Distinct().Order());
        Assert.All(result.Labels.Where(l => l.GroupId < 0), l => Assert.DoesNotContain(result.Scenario.Groups, g => g.Category == l.Category && g.Id == l.GroupId));
    }

    [Fact]
    public void HeaderRules_MatchEachToolsFingerprint()
    {
        var (result, packets) = Small.Value;
        var tool = result.Labels.ToDictionary(l => l.Src, l => l.Tool);
        var zmap2 = packets.Where(p => tool[p.Src] == "zmap-2.1.1").ToList();
        Assert.All(zmap2, p => Assert.True(p.IpId == 54321 && p.Window == 65535 && p.Options.Count == 0 && p.Ttl > 200 && p.IsSyn, $"{p}"));
        Assert.All(zmap2, p => Assert.InRange(p.SrcPort, 32768, 61000));

        var zmap4 = packets.Where(p => tool[p.Src] == "zmap-4").ToList();
        Assert.NotEmpty(zmap4);
        Assert.All(zmap4, p => Assert.True(p.Window == 65535 && p.Options == ProbeHeaders.WindowsOptions && p.Mss == 1460 && p.WindowScale == 8 && p.Ttl <= 64));
        Assert.True(zmap4.Count(p => p.IpId == 54321) < zmap4.Count / 1000 + 2);

        Assert.All(packets.Where(p => tool[p.Src] == "masscan"), p => Assert.Equal((ushort)((p.Dst ^ p.DstPort ^ p.Seq) & 0xFFFF), p.IpId));
        Assert.All(packets.Where(p => tool[p.Src] == "mirai"), p => Assert.Equal(p.Dst, p.Seq));
        Assert.Contains(packets, p => tool[p.Src] == "other" && p.IpId == 54321);
        Assert.Contains(packets, p => (p.Flags & TcpFlags.Ack) != 0);
    }

    [Fact]
    public void SingleScanGroups_SeeAboutTheExpectedDestinationsPerHost_AndOnlyDisjointSets()
    {
        var (result, packets) = Small.Value;
        foreach (var g in result.Scenario.Groups.Where(g => g.Scans.Count == 1))
        {
            var expected = g.Scans[0].ExpectedDestinationsPerHost!.Value;

            // Dark observers and the outage take a few percent away, never add.
            Assert.InRange(g.Expected!.DestinationsPerHost, expected * 0.85, expected * 1.01);
            var hosts = g.Hosts.Select(h => Ipv4Prefix.Parse(h).First).ToHashSet();
            var byDst = packets.Where(p => hosts.Contains(p.Src)).GroupBy(p => p.Dst);
            Assert.All(byDst, d => Assert.Single(d.Select(p => p.Src).Distinct()));
        }
    }

    [Fact]
    public void SingleScanGroups_DurationHours_EndsAtTheSlowestShardsLastProbe()
    {
        var (result, packets) = Small.Value;
        var checkedGroups = 0;
        foreach (var g in result.Scenario.Groups.Where(g => g.Scans.Count == 1 && g.SoloScans.Count == 0))
        {
            var scan = g.Scans[0];
            var startNs = result.WindowStartNs + (long)(scan.StartHours * 3600e9);
            var endNs = startNs + (long)(scan.DurationHours!.Value * 3600e9);
            if (endNs >= result.WindowEndNs)
            {
                continue;
            }

            // Every probe falls inside [start, start + duration]; the slowest host's last telescope hit is
            // within a few of its mean hit gaps (hits are a geometric process) of that end.
            var hosts = g.Hosts.Select(h => Ipv4Prefix.Parse(h).First).ToHashSet();
            var mine = packets.Where(p => hosts.Contains(p.Src)).ToList();
            Assert.All(mine, p => Assert.InRange(p.TimestampNs, startNs, endNs));
            var gap = (endNs - startNs) / Math.Max(1.0, scan.ExpectedDestinationsPerHost!.Value);
            Assert.InRange(mine.Max(p => p.TimestampNs), endNs - (long)(12 * gap), endNs);
            checkedGroups++;
        }

        Assert.True(checkedGroups >= 2, $"only {checkedGroups} groups checked");
    }

    [Fact]
    public void ZmapProbes_RepeatWithTheSameSeqAndNextSourcePort()
    {
        var random = new Random(5);
        foreach (var version in new[] { ZmapVersion.V211, ZmapVersion.V4 })
        {
            using var prober = new ZmapProber(version, 0x01020304, 10, random);
            var first = prober.Make(0x2C0A0B0C, 80, 0, 0);
            var second = prober.Make(0x2C0A0B0C, 80, 1, 1);
            var other = prober.Make(0x2C0A0B0D, 80, 0, 2);
            Assert.Equal(first.Seq, second.Seq);
            Assert.Equal(first.IpId, second.IpId);
            Assert.Equal(first.SrcPort == 61000 ? 32768 : first.SrcPort + 1, second.SrcPort);
            Assert.NotEqual(first.Seq, other.Seq);
        }
    }

    [Fact]
    public void Run_WritesPcapLabelsAndScenario_ThatReadBack()
    {
        var scenario = ScenarioProfiles.Get("small", 2) with { Days = 1, Noise = new NoiseSpec { LoneZmap = 20, BackgroundPerHour = 50, Mirai = 3 } };
        var dir = Path.Combine(Path.GetTempPath(), "scanscope-sim-" + Guid.NewGuid().ToString("N"));
        try
        {
            var result = ScenarioSimulator.Run(scenario, dir);
            Assert.Equal(["capture.pcap", "labels.csv", "scenario.json"], Directory.GetFiles(dir).Select(Path.GetFileName).Order());
            using (var reader = CaptureReader.Open(Path.Combine(dir, "capture.pcap")))
            {
                long n = 0;
                while (reader.TryRead(out _))
                {
                    n++;
                }

                Assert.Equal(result.Packets, n);
            }

            var lines = File.ReadAllLines(Path.Combine(dir, "labels.csv"));
            Assert.Equal("src_ip,group_id,category,tool", lines[0]);
            Assert.Equal(result.Labels.Count, lines.Length - 1);
            var back = ScenarioJson.Read(Path.Combine(dir, "scenario.json"));
            Assert.Equal(scenario.Groups.Count, back.Groups.Count);
            Assert.Equal(scenario.Groups[3].Hosts, back.Groups[3].Hosts);
            Assert.NotNull(back.Groups[0].Expected);

            // A user's scenario file: the written scenario runs again to the same packets.
            var again = ScenarioSimulator.Simulate(back, _ => { });
            Assert.Equal(result.Packets, again.Packets);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
