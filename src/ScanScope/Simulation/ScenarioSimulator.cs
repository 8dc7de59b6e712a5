using System.Globalization;
using System.Text;
using ScanScope.Capture;
using ScanScope.Packets;

namespace ScanScope.Simulation;

/// <summary>
/// Runs a <see cref="Scenario"/>: builds one emitter per scan, lone scanner, bot and hour of
/// background, k-way merges their time-sorted packets (generating each emitter only when the
/// merge reaches it, a few ahead in parallel) and hands the packets out in timestamp order.
/// </summary>
public static class ScenarioSimulator
{
    private const int Lookahead = 6;

    /// <summary>
    /// Writes <c>capture.pcap</c>, <c>labels.csv</c> and <c>scenario.json</c> into
    /// <paramref name="outDir"/> (each to a temporary name, then renamed).
    /// </summary>
    public static SimulationResult Run(Scenario scenario, string outDir)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        Directory.CreateDirectory(outDir);
        var pcap = Path.Combine(outDir, "capture.pcap");
        SimulationResult result;
        try
        {
            using var writer = PcapWriter.Create(pcap + ".tmp");
            result = Simulate(scenario, p => writer.Write(p));
        }
        catch
        {
            File.Delete(pcap + ".tmp");
            throw;
        }

        File.Move(pcap + ".tmp", pcap, overwrite: true);
        WriteAtomically(Path.Combine(outDir, "labels.csv"), LabelsCsv(result.Labels));
        WriteAtomically(Path.Combine(outDir, "scenario.json"), ScenarioJson.Write(result.Scenario));
        return result;
    }

    /// <summary>Simulates the scenario and passes every captured packet, in timestamp order, to <paramref name="onPacket"/>.</summary>
    public static SimulationResult Simulate(Scenario scenario, Action<PacketRecord> onPacket)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        ArgumentNullException.ThrowIfNull(onPacket);
        scenario.Validate();
        var random = new Random((int)(scenario.Seed ^ (scenario.Seed >> 32)) ^ 0x5ca9);
        var telescope = new TelescopeModel(scenario, random);
        var context = new SimulationContext(telescope);
        var plan = new Plan(scenario, telescope, random);

        // The discrete-log tables first, on all cores: emitters running on the pool must not wait for them.
        foreach (var key in plan.Emitters.OfType<ZmapScanEmitter>().Select(e => e.IndexKey).Distinct())
        {
            context.Index(key.Version, key.PortCount);
        }

        var emitters = plan.Emitters.OrderBy(e => e.StartNs).ToArray();
        var pending = new Task<PacketRecord[]>?[emitters.Length];
        var heap = new PriorityQueue<(PacketRecord[] Packets, int Position), long>();
        var next = 0;
        long count = 0;
        var groupDestinations = plan.GroupHosts.ToDictionary(h => h.Key, _ => new HashSet<uint>());
        var seen = new HashSet<uint>();
        while (true)
        {
            while (next < emitters.Length && (heap.Count == 0 || emitters[next].StartNs <= heap.Peek().Packets[heap.Peek().Position].TimestampNs))
            {
                for (var i = next; i < Math.Min(emitters.Length, next + Lookahead); i++)
                {
                    var e = emitters[i];
                    pending[i] ??= Task.Run(() => e.Generate(context));
                }

                var packets = pending[next]!.Result;
                pending[next] = null;
                next++;
                if (packets.Length > 0)
                {
                    heap.Enqueue((packets, 0), packets[0].TimestampNs);
                }
            }

            if (heap.Count == 0)
            {
                break;
            }

            var (array, position) = heap.Dequeue();
            var packet = array[position];
            onPacket(packet);
            count++;
            seen.Add(packet.Src);
            if (groupDestinations.TryGetValue(packet.Src, out var set))
            {
                set.Add(packet.Dst);
            }

            if (position + 1 < array.Length)
            {
                heap.Enqueue((array, position + 1), array[position + 1].TimestampNs);
            }
        }

        var labels = plan.Labels.Where(l => seen.Contains(l.Key)).Select(l => l.Value).OrderBy(l => l.Src).ToList();
        var completed = plan.Complete(groupDestinations) with
        {
            Observed = new TelescopeTruth { ActiveObservers = telescope.ActiveAddresses.Count, Addresses = telescope.Size, Dark = [.. telescope.DarkObservers] },
        };
        return new SimulationResult(completed, labels, count, telescope.WindowStartNs, telescope.WindowEndNs);
    }

    /// <summary>labels.csv: <c>src_ip,group_id,category,tool</c>.</summary>
    public static string LabelsCsv(IEnumerable<SourceLabel> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var sb = new StringBuilder("src_ip,group_id,category,tool\n");
        foreach (var l in labels)
        {
            sb.Append(CultureInfo.InvariantCulture, $"{Ipv4Prefix.Format(l.Src)},{l.GroupId},{l.Category},{l.Tool}\n");
        }

        return sb.ToString();
    }

    private static void WriteAtomically(string path, string text)
    {
        File.WriteAllText(path + ".tmp", text);
        File.Move(path + ".tmp", path, overwrite: true);
    }

    /// <summary>The emitters, labels and host sets of a scenario.</summary>
    private sealed class Plan
    {
        private readonly Scenario _scenario;
        private readonly TelescopeModel _telescope;
        private readonly HashSet<uint> _used = [];
        private readonly TargetSpace _public;
        private readonly Dictionary<(int Group, int Scan), double> _hours = [];

        public Plan(Scenario scenario, TelescopeModel telescope, Random random)
        {
            _scenario = scenario;
            _telescope = telescope;
            _public = TargetSpace.Create([], ZmapVersion.V211);
            var start = telescope.WindowStartNs;
            var end = telescope.WindowEndNs;
            foreach (var g in scenario.Groups)
            {
                AddGroup(g, random);
            }

            var noise = scenario.Noise;
            for (var i = 0; i < noise.LoneZmap; i++)
            {
                var src = Fresh(random);
                var version = random.NextDouble() < 0.7 ? ZmapVersion.V211 : ZmapVersion.V4;
                var coverage = noise.LoneZmapMaxCoverage * Math.Exp(-random.NextDouble() * Math.Log(60));
                var rate = 200 * Math.Exp(random.NextDouble() * Math.Log(250));
                var duration = coverage * DefaultBlocklist.AllowedFullIpv4 / rate * 1e9;
                var begin = start - (long)(duration * 0.2) + (long)(random.NextDouble() * (end - start));
                var scan = new ScanSpec { Ports = [PopularPort(random)], RatePps = rate, Seed = (ulong)random.NextInt64(), Coverage = coverage, Threads = 1 };
                Emitters.Add(new ZmapScanEmitter(version, [src], [rate], [begin], [Hops(random)], scan, start, (ulong)random.NextInt64()));
                Label(src, -1, "lone-zmap", Tool(version));
            }

            for (var i = 0; i < noise.HeavyHitters; i++)
            {
                var src = Fresh(random);
                var version = i % 3 == 2 ? ZmapVersion.V4 : ZmapVersion.V211;
                var rate = 300_000 + (random.NextDouble() * 700_000);
                var hops = Hops(random);
                for (var s = 0; s < noise.HeavyHitterScans; s++)
                {
                    var begin = start + (long)((s + random.NextDouble() * 0.5) / noise.HeavyHitterScans * (end - start));
                    var scan = new ScanSpec { Ports = [PopularPort(random)], RatePps = rate, Seed = (ulong)random.NextInt64(), Threads = 3 };
                    Emitters.Add(new ZmapScanEmitter(version, [src], [rate], [begin], [hops], scan, start, (ulong)random.NextInt64()));
                }

                Label(src, -1, "heavy-hitter", Tool(version));
            }

            for (var i = 0; i < noise.Masscan; i++)
            {
                var src = Fresh(random);
                var begin = start + (long)(random.NextDouble() * 0.9 * (end - start));
                var length = (long)((0.5 + (random.NextDouble() * 24)) * 3600e9);
                ushort[] ports = [.. Enumerable.Range(0, 1 + random.Next(3)).Select(_ => PopularPort(random))];
                Emitters.Add(new MasscanEmitter(src, [.. ports.Distinct()], 0.02 + (random.NextDouble() * 0.5), begin, Math.Min(end, begin + length), Hops(random), (ulong)random.NextInt64()));
                Label(src, -1, "masscan", "masscan");
            }

            for (var i = 0; i < noise.Mirai; i++)
            {
                var src = Fresh(random);
                var begin = start + (long)(random.NextDouble() * 0.8 * (end - start));
                var length = (long)((1 + (random.NextDouble() * 6)) * 86_400e9);
                Emitters.Add(new MiraiEmitter(src, 20 + random.Next(200), begin, Math.Min(end, begin + length), Hops(random), (ulong)random.NextInt64()));
                Label(src, -1, "mirai", "mirai");
            }

            for (var i = 0; i < noise.IpIdCollision; i++)
            {
                var src = Fresh(random);
                var begin = start + (long)(random.NextDouble() * 0.9 * (end - start));
                var length = (long)((0.1 + random.NextDouble() * 3) * 86_400e9);
                Emitters.Add(new IpIdCollisionEmitter(src, i % 2 == 0, 8 + random.Next(40), begin, Math.Min(end, begin + length), (ulong)random.NextInt64()));
                Label(src, -1, "ipid-collision", "other");
            }

            if (noise.BackgroundPerHour > 0 || noise.BackscatterPerHour > 0)
            {
                uint[] pool = [.. Enumerable.Range(0, Math.Max(50, noise.BackgroundPerHour * 2)).Select(_ => Fresh(random))];
                uint[] victims = [.. Enumerable.Range(0, Math.Max(10, noise.BackscatterPerHour / 4)).Select(_ => Fresh(random))];
                foreach (var p in pool)
                {
                    Label(p, -1, "background", "other");
                }

                foreach (var v in victims)
                {
                    Label(v, -1, "backscatter", "other");
                }

                for (var h = start; h < end; h += 3_600_000_000_000L)
                {
                    Emitters.Add(new BackgroundHourEmitter(pool, victims, Poisson(random, noise.BackgroundPerHour), Poisson(random, noise.BackscatterPerHour), h, (ulong)random.NextInt64()));
                }
            }
        }

        public List<Emitter> Emitters { get; } = [];

        public Dictionary<uint, SourceLabel> Labels { get; } = [];

        public Dictionary<uint, int> GroupHosts { get; } = [];

        public Scenario Complete(Dictionary<uint, HashSet<uint>> destinations)
        {
            var active = _telescope.ActiveAddresses.Count(a => _public.TryIndexOf(a, out _));
            var groups = new List<GroupSpec>();
            foreach (var g in _scenario.Groups)
            {
                var hosts = g.Hosts.Select(h => Ipv4Prefix.Parse(h).First).ToList();
                var counts = hosts.Select(h => (double)destinations[h].Count).ToList();
                var mean = counts.Average();
                var sd = Math.Sqrt(counts.Sum(c => (c - mean) * (c - mean)) / Math.Max(1, counts.Count - 1));
                var scans = g.Scans.Select((s, i) => s with
                {
                    DurationHours = _hours[(g.Id, i)],
                    ExpectedDestinationsPerHost = (double)active * Math.Min(1, s.Coverage) * s.Ports.Count / hosts.Count,
                }).ToList();
                groups.Add(g with
                {
                    Scans = scans,
                    Expected = new GroupExpectation
                    {
                        ActiveObservers = active,
                        DestinationsPerHost = mean,
                        DestinationsPerHostSd = sd,
                        ExpectedHosts = hosts.Count,
                    },
                });
            }

            return _scenario with { Groups = groups };
        }

        private void AddGroup(GroupSpec g, Random random)
        {
            var version = g.Tool == "zmap-4" ? ZmapVersion.V4 : ZmapVersion.V211;
            var hosts = g.Hosts.Select(h => Ipv4Prefix.Parse(h).First).ToArray();
            foreach (var h in hosts)
            {
                _used.Add(h);
                Label(h, g.Id, g.Category, g.Tool);
                GroupHosts[h] = g.Id;
            }

            var hops = hosts.Select(_ => Hops(random)).ToArray();
            var factors = hosts.Select((_, i) => g.RateFactors.Count > i ? g.RateFactors[i] : 1.0).ToArray();
            for (var i = 0; i < g.Scans.Count; i++)
            {
                _hours[(g.Id, i)] = AddScan(version, hosts, factors, hops, g.Scans[i], random);
            }

            foreach (var solo in g.SoloScans)
            {
                var subset = solo.HostIndexes.Select(i => hosts[i]).ToArray();
                AddScan(version, subset, [.. solo.HostIndexes.Select(i => factors[i])], [.. solo.HostIndexes.Select(i => hops[i])], solo.Scan, random);
            }
        }

        /// <summary>Adds one sharded scan; returns the hours from its start to the last probe of its slowest shard.</summary>
        private double AddScan(ZmapVersion version, uint[] hosts, double[] factors, byte[] hops, ScanSpec scan, Random random)
        {
            var start = _telescope.WindowStartNs + (long)(scan.StartHours * 3600e9);

            // Hosts start together within a few seconds and differ in rate by a fraction of a percent.
            var starts = hosts.Select(_ => start + (long)(random.NextDouble() * 5e9)).ToArray();
            var rates = factors.Select(f => scan.RatePps * f * (1 + ((random.NextDouble() - 0.5) * 0.004))).ToArray();
            Emitters.Add(new ZmapScanEmitter(version, hosts, rates, starts, hops, scan, _telescope.WindowStartNs, (ulong)random.NextInt64()));
            return hosts.Select((_, i) => ((starts[i] - start) / 1e9) + ZmapScanEmitter.DurationSeconds(hosts.Length, scan, rates[i])).Max() / 3600;
        }

        private void Label(uint src, int group, string category, string tool) => Labels[src] = new SourceLabel(src, group, category, tool);

        private uint Fresh(Random random)
        {
            while (true)
            {
                var a = (uint)random.NextInt64(1L << 32);
                if (_public.TryIndexOf(a, out _) && !_telescope.Contains(a) && _used.Add(a))
                {
                    return a;
                }
            }
        }

        private static string Tool(ZmapVersion v) => v == ZmapVersion.V211 ? "zmap-2.1.1" : "zmap-4";

        private static byte Hops(Random random) => (byte)(6 + random.Next(20));

        private static ushort PopularPort(Random random)
        {
            ushort[] ports = [80, 443, 8080, 22, 8443, 3389, 5555, 3128, 81, 8081, 8888, 9200, 8000, 7547, 2375, 6379, 21, 25, 1433, 3306];
            return random.Next(4) == 0 ? (ushort)random.Next(1, 65536) : ports[random.Next(ports.Length)];
        }

        private static int Poisson(Random random, double mean)
        {
            if (mean <= 0)
            {
                return 0;
            }

            // Normal approximation is plenty for hourly counts in the hundreds.
            var u1 = 1 - random.NextDouble();
            var u2 = random.NextDouble();
            var z = Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
            return Math.Max(0, (int)Math.Round(mean + (z * Math.Sqrt(mean))));
        }
    }
}
