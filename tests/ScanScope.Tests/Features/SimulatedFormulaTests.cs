using ScanScope.Pipeline;
using ScanScope.Simulation;

namespace ScanScope.Tests.Features;

/// <summary>
/// Thesis table 5.2 through the feature stage: the destinations feature of every host of a single
/// complete sharded scan in a simulated month matches μ = |O|/|H| and its spread the exact
/// (hypergeometric) σ the simulator states for the group.
/// </summary>
public sealed class SimulatedFormulaTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("scanscope-formula-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public void SingleScanGroups_DestinationsPerHostMatchTheFormula()
    {
        var result = ScenarioSimulator.Run(ScenarioProfiles.Get("default", seed: 3), _dir.FullName);
        var analysis = Analysis.Run([Path.Combine(_dir.FullName, "capture.pcap")], new AnalysisOptions { Threads = 2 }, TestContext.Current.CancellationToken);
        var destinations = analysis.Features.ToDictionary(f => f.Src, f => (double)f.Destinations);

        var checkedGroups = 0;
        foreach (var group in result.Scenario.Groups.Where(g => g.Category == "single-port" && g.Scans.Count == 1 && g.SoloScans.Count == 0 && g.Expected is not null))
        {
            var expected = group.Expected!;
            var values = group.Hosts.Select(h => destinations[ScanScope.Packets.Cidr.Parse(h).Network]).ToArray();
            var mean = values.Average();
            var sd = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Length - 1));
            var standardError = Math.Max(expected.DestinationsPerHostSd, 1) / Math.Sqrt(values.Length);

            // The mean within four standard errors; the sample sd within the sampling error of an sd
            // estimated from H hosts (about σ/√(2(H−1)) each way, four of them).
            Assert.True(Math.Abs(mean - expected.DestinationsPerHost) <= 4 * standardError, $"group {group.Id}: mean {mean:0.0} vs μ {expected.DestinationsPerHost:0.0}");
            var sdTolerance = 4 * expected.DestinationsPerHostSd / Math.Sqrt(2 * (values.Length - 1));
            Assert.True(Math.Abs(sd - expected.DestinationsPerHostSd) <= sdTolerance + 1, $"group {group.Id}: sd {sd:0.0} vs σ {expected.DestinationsPerHostSd:0.0}");
            checkedGroups++;
        }

        Assert.True(checkedGroups >= 2, $"only {checkedGroups} single-scan groups to check");
    }
}
