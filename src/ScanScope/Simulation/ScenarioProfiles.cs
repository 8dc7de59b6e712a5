namespace ScanScope.Simulation;

/// <summary>
/// The built-in scenarios. <c>small</c>: a week on 3 × /18, a few hundred thousand packets, for
/// tests. <c>default</c>: a month on 3 × /16 (a third of the addresses capture, like the thesis'
/// telescope), every category of thesis table 6.12 plus heavy hitters, lone ZMap scanners,
/// Masscan, Mirai, background and backscatter — the demo. <c>hard</c>: default plus what broke the
/// thesis (a group split over providers with different rates, hosts testing alone first, a scan
/// longer than the window, two groups on the same port at the same time).
/// </summary>
public static class ScenarioProfiles
{
    private static readonly ushort[] TestedPorts = [21, 2121, 990];
    private static readonly ushort[] GreedyPorts = [80, 81, 8081, 25463, 25900];
    private static readonly double[] GreedyRounds = [150, 550];

    /// <summary>Profile names.</summary>
    public static IReadOnlyList<string> Names { get; } = ["small", "default", "hard"];

    /// <summary>Builds a profile; the same name and seed always give the same scenario.</summary>
    public static Scenario Get(string name, ulong seed = 1) => name switch
    {
        "small" => Small(seed),
        "default" => Default(seed, hard: false),
        "hard" => Default(seed, hard: true),
        _ => throw new ArgumentException($"unknown profile '{name}' (expected {string.Join(", ", Names)})", nameof(name)),
    };

    private static Scenario Small(ulong seed)
    {
        var b = new Builder(seed, ["131.180.0.0/18", "145.94.64.0/18", "130.161.128.0/18"]);
        b.Group("single-port", "zmap-2.1.1", 40, "slash24", [Scan(b, 22, 20, 3)]);
        b.Group("slow-sweeping", "zmap-2.1.1", 10, "scattered", Sweep(b, [3000, 3790, 5000], 6, 20));
        b.Group("periodic-single-port", "zmap-2.1.1", 25, "slash24", [.. Enumerable.Range(0, 3).Select(i => Scan(b, 7, 10 + (48 * i), 2))]);
        b.Group("periodic-sweeping", "zmap-2.1.1", 60, "slash24", [Scan(b, 80, 30, 7), Scan(b, 443, 75, 7), Scan(b, 8080, 130, 7)]);
        b.Group("periodic-updating", "zmap-2.1.1", 22, "scattered", Updating(b, 7, 0.2));
        b.Group("greedy", "zmap-2.1.1", 100, "slash24", [.. new ushort[] { 80, 81, 8081, 25900 }.Select(p => Scan(b, p, 60 + b.Uniform(0, 1), 1.5))]);
        b.Group("single-port", "zmap-4", 16, "scattered", [Scan(b, 8080, 90, 5) with { Threads = 2 }]);
        return new Scenario
        {
            Name = "small", Seed = seed, Days = 7, Telescope = b.Telescope, ActiveShare = 0.35, DarkForDaysShare = 0.03,
            Outages = [new Outage(100, 3)], Groups = b.Groups,
            Noise = new NoiseSpec
            {
                LoneZmap = 150, HeavyHitters = 2, HeavyHitterScans = 1, Masscan = 3, Mirai = 30,
                BackgroundPerHour = 150, BackscatterPerHour = 40, IpIdCollision = 10,
            },
        };
    }

    private static Scenario Default(ulong seed, bool hard)
    {
        var b = new Builder(seed, ["131.180.0.0/16", "145.94.0.0/16", "130.161.0.0/16"]);
        b.Group("single-port", "zmap-2.1.1", 10, "scattered", [Scan(b, 22, 100, 60)]);
        b.Group("single-port", "zmap-2.1.1", 59, "scattered", [Scan(b, 1337, 300, 5)]);
        b.Group("single-port", "zmap-4", 12, "scattered", [Scan(b, 2222, 420, 20) with { Threads = 3 }]);
        b.Group("slow-sweeping", "zmap-2.1.1", 10, "scattered", Sweep(b, [3000, 3790, 5000, 7443], 50, 18));
        b.Group("slow-sweeping", "zmap-2.1.1", 28, "slash24", Sweep(b, [8000, 8001, 8002, 8003], 260, 10));
        b.Group("slow-sweeping", "zmap-4", 20, "scattered", Sweep(b, [9000, 9090, 9443], 480, 14));
        b.Group("periodic-single-port", "zmap-2.1.1", 50, "scattered", [.. Enumerable.Range(0, 4).Select(i => Scan(b, 7, 30 + (168 * i), 1.5))]);
        b.Group("periodic-single-port", "zmap-2.1.1", 128, "slash24", [.. Enumerable.Range(0, 6).Select(i => Scan(b, 443, 12 + (120 * i), 3))]);
        b.Group("periodic-sweeping", "zmap-2.1.1", 252, "slash24", [.. new ushort[] { 80, 443, 6009, 8080, 6009, 443 }.Select(p => Scan(b, p, b.Uniform(0, 700), 7))]);
        b.Group("periodic-sweeping", "zmap-4", 30, "scattered", [.. new ushort[] { 5985, 5986, 5985 }.Select(p => Scan(b, p, b.Uniform(0, 700), 9))]);
        b.Group("periodic-updating", "zmap-2.1.1", 63, "scattered", Updating(b, 30, 0.2));
        b.Group("greedy", "zmap-2.1.1", 253, "slash24", [.. GreedyRounds.SelectMany(t => GreedyPorts.Select(p => Scan(b, p, t + b.Uniform(0, 2), 1.3)))]);
        b.Group("greedy", "zmap-4", 64, "slash24", [.. new ushort[] { 2375, 2376, 4243, 6443 }.Select(p => Scan(b, p, 610 + b.Uniform(0, 1), 2) with { Threads = 2 })]);
        var outages = new List<Outage> { new((5 * 24) + 3, 4), new((18 * 24) + 11, 2) };
        if (hard)
        {
            // A group split over two providers: the second runs its shards 20% slower (thesis §6.4.1).
            var split = Sweep(b, [8888, 8889, 8890], 200, 8);
            b.Group("slow-sweeping", "zmap-2.1.1", 100, "providers", split, rateFactors: [.. Enumerable.Range(0, 100).Select(i => i < 60 ? 1.0 : 0.8)]);

            // Two hosts test alone (a small multi-port scan) a day before the group scans (thesis §6.4.2).
            var tested = TestedPorts.Select((p, i) => Scan(b, p, 380 + (30 * i), 6)).ToList();
            b.Group("periodic-sweeping", "zmap-2.1.1", 28, "scattered", tested,
                solo: [.. TestedPorts.Take(2).Select(p => new SoloScanSpec { HostIndexes = [0, 1], Scan = Scan(b, p, 350 + b.Uniform(0, 3), 0.5) with { Coverage = 0.01 } })]);

            // A scan that outlasts the window: 45 days per shard, started on day 12 (thesis §6.3.6).
            b.Group("single-port", "zmap-2.1.1", 59, "scattered", [Scan(b, 22, 12 * 24, 45 * 24)]);

            // Two groups on the same port at the same time and rate.
            b.Group("single-port", "zmap-2.1.1", 40, "slash24", [Scan(b, 80, 200, 4)]);
            b.Group("single-port", "zmap-2.1.1", 45, "slash24", [Scan(b, 80, 200.2, 4)]);
        }

        return new Scenario
        {
            Name = hard ? "hard" : "default", Seed = seed, Days = 30, Telescope = b.Telescope, ActiveShare = 1.0 / 3,
            DarkForDaysShare = 0.025, Outages = outages, Groups = b.Groups,
            Noise = new NoiseSpec
            {
                LoneZmap = 2000, HeavyHitters = 4, HeavyHitterScans = 2, Masscan = 15, Mirai = 400,
                BackgroundPerHour = 600, BackscatterPerHour = 150, IpIdCollision = 40,
            },
        };
    }

    /// <summary>A full scan of one port starting at <paramref name="startHours"/>, each shard taking <paramref name="hours"/>.</summary>
    private static ScanSpec Scan(Builder b, ushort port, double startHours, double hours) => new()
    {
        Ports = [port], StartHours = startHours, Seed = b.NextSeed(), RatePps = hours, Threads = 1,
    };

    private static List<ScanSpec> Sweep(Builder b, ushort[] ports, double startHours, double hours) =>
        [.. ports.Select((p, i) => Scan(b, p, startHours + (i * (hours + 0.2)), hours))];

    private static List<ScanSpec> Updating(Builder b, int days, double coverage) =>
        [.. Enumerable.Range(0, days).SelectMany(d => new ushort[] { 443, 8443 }.Select(p => Scan(b, p, (d * 24) + 4.083, 0.75 / coverage) with { Coverage = coverage }))];

    /// <summary>Allocates hosts and seeds; fixes rates from durations once the host count is known.</summary>
    private sealed class Builder(ulong seed, IReadOnlyList<string> telescope)
    {
        private readonly Random _random = new((int)(seed ^ (seed >> 32)));
        private readonly HashSet<uint> _used = [];
        private readonly TargetSpace _public = TargetSpace.Create([], ZmapVersion.V211);
        private readonly Ipv4Prefix[] _telescope = [.. telescope.Select(Ipv4Prefix.Parse)];

        public IReadOnlyList<string> Telescope { get; } = telescope;

        public List<GroupSpec> Groups { get; } = [];

        public ulong NextSeed() => (ulong)_random.NextInt64(1, int.MaxValue);

        public double Uniform(double from, double to) => from + (_random.NextDouble() * (to - from));

        public void Group(string category, string tool, int hosts, string layout, IEnumerable<ScanSpec> scans, IReadOnlyList<double>? rateFactors = null, IReadOnlyList<SoloScanSpec>? solo = null)
        {
            // Scan() stores the wanted duration in RatePps; turn it into the per-host rate that gives it.
            ScanSpec Rate(ScanSpec s) => s with { RatePps = Math.Round(DefaultBlocklist.AllowedFullIpv4 / (double)hosts / (s.RatePps * 3600), 1) };
            Groups.Add(new GroupSpec
            {
                Id = Groups.Count, Category = category, Tool = tool, Layout = layout,
                Hosts = [.. Hosts(hosts, layout).Select(Ipv4Prefix.Format)],
                RateFactors = rateFactors ?? [],
                Scans = [.. scans.Select(Rate)],
                SoloScans = [.. (solo ?? []).Select(s => s with { Scan = Rate(s.Scan) })],
            });
        }

        private IEnumerable<uint> Hosts(int count, string layout)
        {
            switch (layout)
            {
                case "slash24":
                    return Slash24(count);
                case "providers":
                    return Slash24(count * 6 / 10).Concat(Slash24(count - (count * 6 / 10)));
                default:
                    return Enumerable.Range(0, count).Select(_ => Fresh(0)).ToList();
            }
        }

        private List<uint> Slash24(int count)
        {
            var network = Fresh(0) & 0xFFFFFF00;
            var hosts = Enumerable.Range(1, count).Select(i => network + (uint)i).ToList();
            foreach (var h in hosts)
            {
                _used.Add(h);
            }

            return hosts;
        }

        private uint Fresh(int attempt)
        {
            while (true)
            {
                var a = (uint)_random.NextInt64(1L << 32);
                var net = a & 0xFFFFFF00;
                if (_public.TryIndexOf(net, out _) && _public.TryIndexOf(net | 0xFF, out _)
                    && !_telescope.Any(t => t.Contains(a)) && !_used.Contains(net) && _used.Add(a))
                {
                    _used.Add(net);
                    return a == net ? a + 1 : a;
                }

                attempt++;
            }
        }
    }
}
