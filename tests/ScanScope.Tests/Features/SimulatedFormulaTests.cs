using ScanScope.Features;
using ScanScope.Pipeline;
using ScanScope.Simulation;

namespace ScanScope.Tests.Features;

/// <summary>A simulated default month (seed 3) and its analysis, shared by the formula checks.</summary>
public sealed class SimulatedMonth : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("scanscope-formula-");

    public SimulatedMonth()
    {
        Simulation = ScenarioSimulator.Run(ScenarioProfiles.Get("default", seed: 3), _dir.FullName);
        Analysis = ScanScope.Pipeline.Analysis.Run([Path.Combine(_dir.FullName, "capture.pcap")], new AnalysisOptions { Threads = 2 });
        Features = Analysis.Features.ToDictionary(f => f.Src);
    }

    public SimulationResult Simulation { get; }

    public AnalysisResult Analysis { get; }

    public IReadOnlyDictionary<uint, FeatureRow> Features { get; }

    /// <summary>Groups that ran one complete scan and nothing else, every host at the same rate.</summary>
    public IEnumerable<GroupSpec> SingleScanGroups => Simulation.Scenario.Groups.Where(g => g.Scans.Count == 1 && g.SoloScans.Count == 0 && g.RateFactors.Count == 0 && g.Expected is not null);

    public FeatureRow Host(string host) => Features[ScanScope.Packets.Cidr.Parse(host).Network];

    public void Dispose() => _dir.Delete(recursive: true);
}

/// <summary>
/// Thesis tables 5.2 and 5.4 through the feature stage, on simulated sharded scans: destinations per
/// host match μ = |O|/|H| and the exact σ, and the hits of a host come as a geometric process.
/// </summary>
public sealed class SimulatedFormulaTests(SimulatedMonth month) : IClassFixture<SimulatedMonth>
{
    [Fact]
    public void SingleScanGroups_DestinationsPerHostMatchTheFormula()
    {
        var checkedGroups = 0;
        foreach (var group in month.SingleScanGroups.Where(g => g.Category == "single-port"))
        {
            var expected = group.Expected!;
            var values = group.Hosts.Select(h => (double)month.Host(h).Destinations).ToArray();
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

    [Fact]
    public void SingleScanHosts_HitTheTelescopeAsAGeometricProcess()
    {
        // Table 5.4: the probes between two telescope hits of a host are geometric with p = |O|/|N|
        // per probe (|H||O|/|N| per scan step), so at a constant rate the gaps are exponential-like
        // with mean μ = 1/(p·rate). The features give μ per host as (last − first)/(packets − 1).
        // Memorylessness then says the wait from the scan's start to the first hit has mean μ and
        // sd μ too; evenly spaced hits with a random phase would give μ/2 and μ/√12.
        var leads = new List<double>();
        foreach (var group in month.SingleScanGroups.Where(g => g.Scans[0].Probes == 1))
        {
            var startNs = (month.Simulation.Scenario.StartUnix + (long)(group.Scans[0].StartHours * 3600)) * 1_000_000_000L;
            foreach (var host in group.Hosts)
            {
                var f = month.Host(host);
                var gap = (f.LastSeenNs - f.FirstSeenNs) / (double)(f.Packets - 1);
                leads.Add((f.FirstSeenNs - startNs) / gap);
            }
        }

        Assert.True(leads.Count >= 30, $"only {leads.Count} hosts of single-scan groups");
        var mean = leads.Average();
        var sd = Math.Sqrt(leads.Sum(v => (v - mean) * (v - mean)) / (leads.Count - 1));
        var standardError = sd / Math.Sqrt(leads.Count);
        Assert.True(Math.Abs(mean - 1) <= 4 * standardError, $"lead to the first hit {mean:0.00} mean gaps (±{standardError:0.00}), geometric: 1");
        Assert.InRange(sd / mean, 0.7, 1.3);
    }
}
