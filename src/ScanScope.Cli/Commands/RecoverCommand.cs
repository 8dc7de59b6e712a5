using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using ScanScope.Capture;
using ScanScope.Confirmation;
using ScanScope.Packets;

namespace ScanScope.Cli;

/// <summary>
/// <c>scanscope recover --cluster N --analysis DIR INPUT...</c>: ranks the sources outside a
/// cluster that behave like its missing members (thesis section 6.3.3).
/// </summary>
/// <remarks>
/// Reads DIR/clusters.csv (<c>src_ip,cluster_id</c> first) for the members, |O| from
/// <c>--observers</c> or DIR/summary.json (<c>active_observers</c>), and the captures three
/// times: the members' probes (to find the cluster's scans), then which other sources probed a
/// scan's port inside its window, then those candidates' probes. Memory holds the members' and
/// the candidates' probes only. Writes DIR/recovery_cluster_N.csv and prints the ranking.
/// </remarks>
internal static class RecoverCommand
{
    public static Command Create()
    {
        var cluster = new Option<int>("--cluster") { Description = "Cluster id (as in clusters.csv)", Required = true };
        var analysis = new Option<string>("--analysis") { Description = "Output folder of `analyze` (clusters.csv, summary.json)", Required = true };
        var observers = new Option<int?>("--observers") { Description = "|O|, active observers (default: active_observers from summary.json)" };
        var bin = new Option<double>("--bin") { Description = "Bin width in seconds", DefaultValueFactory = _ => 300 };
        var minScore = new Option<double>("--min-score") { Description = "Lowest score listed (0–1)", DefaultValueFactory = _ => 0.5 };
        var inputs = new Argument<string[]>("INPUT") { Description = "The captures analyze read (files or folders)", Arity = ArgumentArity.OneOrMore };
        var command = new Command("recover", "Find sources outside a cluster whose scans match it: its missing members, ranked by score")
        {
            cluster, analysis, observers, bin, minScore, inputs,
        };
        command.SetAction(parse => Run(
            parse.GetValue(cluster), parse.GetValue(analysis)!, parse.GetValue(observers), parse.GetValue(bin), parse.GetValue(minScore), parse.GetValue(inputs)!));
        return command;
    }

    private static int Run(int clusterId, string analysis, int? observersOption, double bin, double minScore, string[] inputs)
    {
        var clustersCsv = Path.Combine(analysis, "clusters.csv");
        if (!File.Exists(clustersCsv))
        {
            throw new UsageException($"{clustersCsv}: no such file (run `scanscope analyze --out {analysis}` first)");
        }

        var members = ReadMembers(clustersCsv, clusterId);
        if (members.Count == 0)
        {
            throw new UsageException($"{clustersCsv}: no source in cluster {clusterId}");
        }

        var observers = observersOption ?? ReadActiveObservers(Path.Combine(analysis, "summary.json"))
            ?? throw new UsageException($"{analysis}: summary.json has no active_observers; pass --observers");
        if (observers <= 0)
        {
            throw new UsageException($"--observers must be positive, not {observers}");
        }

        var files = ExpandInputs(inputs);

        var memberEvents = new SourceEventsBuilder();
        long first = long.MaxValue, last = long.MinValue;
        ReadProbes(files, p =>
        {
            first = Math.Min(first, p.TimestampNs);
            last = Math.Max(last, p.TimestampNs);
            if (members.Contains(p.Src))
            {
                memberEvents.Add(p.Src, p.TimestampNs, p.Dst, p.DstPort);
            }
        });
        var context = new ConfirmationContext(observers, first, last, bin);
        var confirmed = ClusterConfirmer.Confirm(new ClusterInput(clusterId, [.. memberEvents.Build().Values.OrderBy(e => e.Source)]), context);
        if (confirmed.Scans.Count == 0)
        {
            throw new UsageException($"cluster {clusterId}: no scan found in the captures, nothing to match");
        }

        var windows = (confirmed.GroupScans.Count > 0 ? confirmed.GroupScans : confirmed.Scans)
            .Select(s => (s.Port, From: s.StartNs - (long)(bin * 1e9), To: s.EndNs + Math.Max((long)(bin * 1e9), s.EndNs - s.StartNs)))
            .ToArray();
        var candidates = new HashSet<uint>();
        ReadProbes(files, p =>
        {
            if (!members.Contains(p.Src) && windows.Any(w => w.Port == p.DstPort && p.TimestampNs >= w.From && p.TimestampNs <= w.To))
            {
                candidates.Add(p.Src);
            }
        });

        var candidateEvents = new SourceEventsBuilder();
        ReadProbes(files, p =>
        {
            if (candidates.Contains(p.Src))
            {
                candidateEvents.Add(p.Src, p.TimestampNs, p.Dst, p.DstPort);
            }
        });

        var ranked = MemberRecovery.Rank(confirmed, candidateEvents.Build().Values, context, minScore);
        var output = Path.Combine(analysis, $"recovery_cluster_{clusterId}.csv");
        var temporary = output + ".tmp";
        using (var writer = new StreamWriter(temporary))
        {
            ConfirmationTables.WriteCsv(writer, ConfirmationTables.Recovery(ranked));
        }

        File.Move(temporary, output, overwrite: true);

        var summary = confirmed.Summary;
        Console.WriteLine($"cluster {clusterId}: {summary.Sources} sources, {summary.Category}, {summary.Verdict} (E[H] {summary.ExpectedHosts:F1}), {confirmed.Scans.Count} scans on ports {summary.Ports}");
        Console.WriteLine($"{candidates.Count:N0} sources probed those ports inside the scan windows; {ranked.Count} score at least {minScore.ToString(CultureInfo.InvariantCulture)}:");
        Console.WriteLine($"{"rank",4}  {"src_ip",-15}  {"score",6}  {"window",6}  {"size",6}  {"disjoint",8}  {"scans",5}  {"dst",6}");
        foreach (var (c, i) in ranked.Select((c, i) => (c, i)).Take(50))
        {
            Console.WriteLine($"{i + 1,4}  {ConfirmationTables.Address(c.Source),-15}  {c.Score,6:F3}  {c.WindowShare,6:F3}  {c.SizeSimilarity,6:F3}  {c.Disjointness,8:F3}  {c.ScansJoined,5}  {c.Destinations,6}");
        }

        Console.WriteLine($"wrote {output}");
        return 0;
    }

    private static HashSet<uint> ReadMembers(string path, int clusterId)
    {
        var members = new HashSet<uint>();
        var lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (lineNumber == 1 || line.Length == 0)
            {
                continue;
            }

            var fields = line.Split(',');
            if (fields.Length < 2 || !System.Net.IPAddress.TryParse(fields[0], out var ip) || ip.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork
                || !int.TryParse(fields[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var id))
            {
                throw new UsageException($"{path}: line {lineNumber}: expected src_ip,cluster_id");
            }

            if (id == clusterId)
            {
                var b = ip.GetAddressBytes();
                members.Add(((uint)b[0] << 24) | ((uint)b[1] << 16) | ((uint)b[2] << 8) | b[3]);
            }
        }

        return members;
    }

    /// <summary>The first number named active_observers anywhere in summary.json, or null.</summary>
    private static int? ReadActiveObservers(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            using var json = JsonDocument.Parse(File.ReadAllText(path));
            return Find(json.RootElement);
        }
        catch (JsonException e)
        {
            throw new UsageException($"{path}: not JSON ({e.Message})");
        }

        static int? Find(JsonElement e)
        {
            switch (e.ValueKind)
            {
                case JsonValueKind.Object:
                    foreach (var p in e.EnumerateObject())
                    {
                        if (p.NameEquals("active_observers") && p.Value.ValueKind == JsonValueKind.Number && p.Value.TryGetInt32(out var n))
                        {
                            return n;
                        }

                        if (Find(p.Value) is { } inner)
                        {
                            return inner;
                        }
                    }

                    break;
                case JsonValueKind.Array:
                    foreach (var item in e.EnumerateArray())
                    {
                        if (Find(item) is { } inner)
                        {
                            return inner;
                        }
                    }

                    break;
            }

            return null;
        }
    }

    private static List<string> ExpandInputs(string[] inputs)
    {
        var files = new List<string>();
        foreach (var input in inputs)
        {
            if (Directory.Exists(input))
            {
                files.AddRange(Directory.EnumerateFiles(input).Order(StringComparer.Ordinal));
            }
            else if (File.Exists(input))
            {
                files.Add(input);
            }
            else
            {
                throw new UsageException($"{input}: no such file or folder");
            }
        }

        return files;
    }

    /// <summary>Calls <paramref name="probe"/> for every SYN (a scanner's probe) of every file.</summary>
    private static void ReadProbes(List<string> files, Action<PacketRecord> probe)
    {
        foreach (var file in files)
        {
            using var reader = CaptureReader.Open(file);
            while (reader.TryRead(out var packet))
            {
                if (packet.IsSyn)
                {
                    probe(packet);
                }
            }
        }
    }
}
