using ScanScope.Simulation;

namespace ScanScope.Tests.Simulation;

/// <summary>The built-in profiles hold what the issue asks of them, without simulating them.</summary>
public sealed class ScenarioProfilesTests
{
    private static readonly string[] Categories = ["single-port", "slow-sweeping", "periodic-single-port", "periodic-sweeping", "periodic-updating", "greedy"];

    [Theory]
    [InlineData("small")]
    [InlineData("default")]
    [InlineData("hard")]
    public void EveryProfile_HasEveryCategoryBothVersionsAndDisjointHosts(string name)
    {
        var s = ScenarioProfiles.Get(name, 3);
        Assert.Equal(Categories.Order(), s.Groups.Select(g => g.Category).Distinct().Order());
        Assert.Contains(s.Groups, g => g.Tool == "zmap-4");
        Assert.Contains(s.Groups, g => g.Layout == "slash24");
        Assert.Contains(s.Groups, g => g.Layout == "scattered");
        Assert.All(s.Groups, g => Assert.InRange(g.Hosts.Count, 10, 254));
        var hosts = s.Groups.SelectMany(g => g.Hosts).ToList();
        Assert.Equal(hosts.Count, hosts.Distinct().Count());
        var telescope = s.Telescope.Select(Ipv4Prefix.Parse).ToList();
        Assert.All(hosts, h => Assert.DoesNotContain(telescope, t => t.Contains(Ipv4Prefix.Parse(h).First)));
        Assert.True(s.Outages.Count > 0 && s.DarkForDaysShare > 0 && s.ActiveShare < 1);
        Assert.True(s.Noise.LoneZmap >= 100 && s.Noise.HeavyHitters > 0 && s.Noise.Masscan > 0 && s.Noise.Mirai > 0 && s.Noise.IpIdCollision > 0);
        Assert.Equal(ScenarioJson.Write(s), ScenarioJson.Write(ScenarioProfiles.Get(name, 3)));
    }

    [Fact]
    public void GroupRates_GiveTheirShardsRealisticDurations()
    {
        // 10 to 253 hosts; a full scan takes each group between an hour and days, not seconds or years.
        foreach (var g in ScenarioProfiles.Get("default", 1).Groups)
        {
            foreach (var scan in g.Scans)
            {
                var hours = DefaultBlocklist.AllowedFullIpv4 / (double)g.Hosts.Count / scan.RatePps / 3600;
                Assert.InRange(hours, 1, 24 * 3);
            }
        }
    }

    [Fact]
    public void Hard_AddsWhatBrokeTheThesis()
    {
        var hard = ScenarioProfiles.Get("hard", 1);
        var window = hard.Days * 24;
        Assert.Contains(hard.Groups, g => g.RateFactors.Distinct().Count() > 1);
        Assert.Contains(hard.Groups, g => g.SoloScans.Count > 0 && g.SoloScans.All(s => s.Scan.StartHours < g.Scans.Min(x => x.StartHours)));
        Assert.Contains(hard.Groups, g => g.Scans.Any(s => s.StartHours + (DefaultBlocklist.AllowedFullIpv4 / (double)g.Hosts.Count / s.RatePps / 3600) > window));
        var port80 = hard.Groups.Where(g => g.Scans.Count == 1 && g.Scans[0].Ports.SequenceEqual(new ushort[] { 80 })).ToList();
        Assert.True(port80.Count >= 2 && Math.Abs(port80[0].Scans[0].StartHours - port80[1].Scans[0].StartHours) < 1);
    }

    [Fact]
    public void ScenarioThatCannotRun_IsRejectedNamingTheField()
    {
        var s = ScenarioProfiles.Get("small", 1);
        s.Validate();
        var twoPorts = s.Groups[0] with { Scans = [s.Groups[0].Scans[0] with { Ports = [80, 443] }] };
        var e = Assert.Throws<ArgumentException>(() => (s with { Groups = [twoPorts, .. s.Groups.Skip(1)] }).Validate());
        Assert.Contains("group 0", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => (s with { Telescope = ["not-a-cidr"] }).Validate());
        Assert.Throws<ArgumentException>(() => (s with { Groups = [s.Groups[0], s.Groups[0] with { Id = 9 }] }).Validate());
    }
}
