using System.Text.Json;
using System.Text.Json.Serialization;

namespace ScanScope.Simulation;

/// <summary>
/// A telescope month to simulate: the telescope and its downtime, the scanning groups with their
/// hosts and scans (the ground truth), and the amount of each kind of other traffic. Profiles
/// build one (<see cref="ScenarioProfiles"/>); users can write their own as JSON.
/// </summary>
public sealed record Scenario
{
    /// <summary>Name, for the record.</summary>
    public string Name { get; init; } = "custom";

    /// <summary>Seed of everything random that the scenario does not list itself (noise, header keys, jitter).</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Window start, Unix seconds.</summary>
    public long StartUnix { get; init; } = 1_685_577_600;

    /// <summary>Window length in days.</summary>
    public double Days { get; init; } = 30;

    /// <summary>The telescope: CIDR blocks of observed addresses.</summary>
    public IReadOnlyList<string> Telescope { get; init; } = [];

    /// <summary>Share of telescope addresses that capture at all (the thesis saw 65k of 196k).</summary>
    public double ActiveShare { get; init; } = 1;

    /// <summary>Share of active observers that go dark for a few days once in the window.</summary>
    public double DarkForDaysShare { get; init; }

    /// <summary>Periods in which nothing is recorded at all.</summary>
    public IReadOnlyList<Outage> Outages { get; init; } = [];

    /// <summary>The scanning groups (ground truth).</summary>
    public IReadOnlyList<GroupSpec> Groups { get; init; } = [];

    /// <summary>Non-group traffic.</summary>
    public NoiseSpec Noise { get; init; } = new();

    /// <summary>Filled in by the simulator (ignored on input): which observers captured and when they were dark.</summary>
    public TelescopeTruth? Observed { get; init; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first field that cannot be simulated.</summary>
    public void Validate()
    {
        Check(Telescope.Count > 0 && Telescope.All(t => Ipv4Prefix.TryParse(t, out _)), "telescope: needs at least one IPv4 CIDR block");
        Check(Days > 0 && ActiveShare is > 0 and <= 1 && DarkForDaysShare is >= 0 and <= 1, "days > 0, 0 < active_share ≤ 1 and 0 ≤ dark_for_days_share ≤ 1");
        var hosts = new HashSet<string>();
        foreach (var g in Groups)
        {
            var where = $"group {g.Id}";
            Check(g.Tool is "zmap-2.1.1" or "zmap-4", $"{where}: tool must be zmap-2.1.1 or zmap-4");
            Check(g.Hosts.Count > 0 && g.Hosts.All(h => Ipv4Prefix.TryParseAddress(h, out _) && hosts.Add(h)), $"{where}: hosts must be distinct IPv4 addresses, not shared with another group");
            Check(g.RateFactors.Count == 0 || (g.RateFactors.Count == g.Hosts.Count && g.RateFactors.All(f => f > 0)), $"{where}: rate_factors needs one positive factor per host");
            foreach (var scan in g.Scans.Concat(g.SoloScans.Select(x => x.Scan)))
            {
                Check(scan.Ports.Count > 0 && (g.Tool == "zmap-4" || scan.Ports.Count == 1), $"{where}: a scan needs one port (several only with zmap-4)");
                Check(scan.RatePps > 0 && scan.Threads >= 1 && scan.Probes >= 1 && scan.Coverage is > 0 and <= 1, $"{where}: a scan needs rate_pps > 0, threads ≥ 1, probes ≥ 1 and 0 < coverage ≤ 1");
            }

            Check(g.SoloScans.All(x => x.HostIndexes.Count > 0 && x.HostIndexes.All(i => i >= 0 && i < g.Hosts.Count)), $"{where}: solo_scans host_indexes must index its hosts");
        }
    }

    private static void Check(bool ok, string message)
    {
        if (!ok)
        {
            throw new ArgumentException(message);
        }
    }
}

/// <summary>The telescope's ground truth of one simulation (derived from the scenario's seed).</summary>
public sealed record TelescopeTruth
{
    /// <summary>Telescope addresses that capture at some time.</summary>
    public int ActiveObservers { get; init; }

    /// <summary>Telescope addresses in total.</summary>
    public int Addresses { get; init; }

    /// <summary>Active observers that were dark for days, with the period (Unix seconds).</summary>
    public IReadOnlyList<DarkObserver> Dark { get; init; } = [];
}

/// <summary>An observer that recorded nothing from <paramref name="FromUnix"/> to <paramref name="ToUnix"/>.</summary>
public sealed record DarkObserver(string Address, long FromUnix, long ToUnix);

/// <summary>A whole-telescope outage.</summary>
/// <param name="StartHours">Hours after the window start.</param>
/// <param name="Hours">Length.</param>
public sealed record Outage(double StartHours, double Hours);

/// <summary>One scanning group: hosts that act together over the window.</summary>
public sealed record GroupSpec
{
    /// <summary>Group id in labels.csv (0, 1, …).</summary>
    public int Id { get; init; }

    /// <summary>Thesis category (table 6.12): single-port, slow-sweeping, periodic-single-port, periodic-sweeping, periodic-updating, greedy.</summary>
    public string Category { get; init; } = "single-port";

    /// <summary>zmap-2.1.1 or zmap-4.</summary>
    public string Tool { get; init; } = "zmap-2.1.1";

    /// <summary>Source addresses; host h runs shard h.</summary>
    public IReadOnlyList<string> Hosts { get; init; } = [];

    /// <summary>slash24 (all hosts in one /24) or scattered.</summary>
    public string Layout { get; init; } = "slash24";

    /// <summary>Per-host rate multipliers (a group split across providers runs at different rates); empty = all 1.</summary>
    public IReadOnlyList<double> RateFactors { get; init; } = [];

    /// <summary>The sharded scans of the group.</summary>
    public IReadOnlyList<ScanSpec> Scans { get; init; } = [];

    /// <summary>Scans by a subset of the hosts alone (testing before the group scan).</summary>
    public IReadOnlyList<SoloScanSpec> SoloScans { get; init; } = [];

    /// <summary>What the group should look like on the telescope (filled in by the simulator).</summary>
    public GroupExpectation? Expected { get; init; }
}

/// <summary>One sharded scan: every host of the group runs one shard.</summary>
public sealed record ScanSpec
{
    /// <summary>Target port(s); several only for zmap-4.</summary>
    public IReadOnlyList<ushort> Ports { get; init; } = [80];

    /// <summary>Start, hours after the window start (may be negative: started before the window).</summary>
    public double StartHours { get; init; }

    /// <summary>Per-host rate in targets per second.</summary>
    public double RatePps { get; init; } = 1000;

    /// <summary>--seed.</summary>
    public ulong Seed { get; init; }

    /// <summary>Share of each shard that is sent (1 = the whole scan; less = --max-runtime).</summary>
    public double Coverage { get; init; } = 1;

    /// <summary>Sender threads per host.</summary>
    public int Threads { get; init; } = 1;

    /// <summary>Probes per target (-P).</summary>
    public int Probes { get; init; } = 1;

    /// <summary>Hours each shard needs (filled in by the simulator).</summary>
    public double? DurationHours { get; init; }

    /// <summary>Expected telescope destinations per host in this scan, |O ∩ allowed|·coverage/H (filled in).</summary>
    public double? ExpectedDestinationsPerHost { get; init; }
}

/// <summary>A scan run by a few hosts of a group on their own.</summary>
public sealed record SoloScanSpec
{
    /// <summary>Indexes into the group's hosts.</summary>
    public IReadOnlyList<int> HostIndexes { get; init; } = [];

    /// <summary>The scan (sharded over just these hosts).</summary>
    public ScanSpec Scan { get; init; } = new();
}

/// <summary>Filled in by the simulator: what a detector should find for a group.</summary>
public sealed record GroupExpectation
{
    /// <summary>|O|: active observers in allowed space (those that capture at some time).</summary>
    public int ActiveObservers { get; init; }

    /// <summary>Mean unique telescope destinations per host actually captured over the window.</summary>
    public double DestinationsPerHost { get; init; }

    /// <summary>Their standard deviation.</summary>
    public double DestinationsPerHostSd { get; init; }

    /// <summary>E[H] = |O| / μ for one complete scan (the group's host count when scans are complete).</summary>
    public double ExpectedHosts { get; init; }
}

/// <summary>How much non-group traffic to add.</summary>
public sealed record NoiseSpec
{
    /// <summary>Single ZMap hosts each scanning part of the space at their own pace.</summary>
    public int LoneZmap { get; init; }

    /// <summary>Largest share of the space a lone scanner covers (shares are log-uniform from 1/60 of it).</summary>
    public double LoneZmapMaxCoverage { get; init; } = 0.03;

    /// <summary>Fast single hosts that scan everything, several times.</summary>
    public int HeavyHitters { get; init; }

    /// <summary>Full scans per heavy hitter.</summary>
    public int HeavyHitterScans { get; init; } = 2;

    /// <summary>Masscan sources.</summary>
    public int Masscan { get; init; }

    /// <summary>Mirai-like bots.</summary>
    public int Mirai { get; init; }

    /// <summary>Background SYN packets per hour from random sources with random IP IDs.</summary>
    public int BackgroundPerHour { get; init; }

    /// <summary>Backscatter (SYN-ACK / RST) packets per hour.</summary>
    public int BackscatterPerHour { get; init; }

    /// <summary>Non-ZMap sources that use IP ID 54321 (by chance or a fixed value).</summary>
    public int IpIdCollision { get; init; }
}

/// <summary>Reading and writing scenarios as JSON (snake_case names).</summary>
public static class ScenarioJson
{
    /// <summary>Parses a scenario file.</summary>
    public static Scenario Read(string path) =>
        JsonSerializer.Deserialize(File.ReadAllText(path), ScenarioJsonContext.Default.Scenario) ?? throw new JsonException($"{path}: empty scenario");

    /// <summary>Serializes a scenario.</summary>
    public static string Write(Scenario scenario) => JsonSerializer.Serialize(scenario, ScenarioJsonContext.Default.Scenario);
}

/// <summary>The scenario's serializer, generated at compile time (no reflection: the CLI is compiled ahead of time).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    ReadCommentHandling = JsonCommentHandling.Skip,
    AllowTrailingCommas = true)]
[JsonSerializable(typeof(Scenario))]
internal sealed partial class ScenarioJsonContext : JsonSerializerContext;
