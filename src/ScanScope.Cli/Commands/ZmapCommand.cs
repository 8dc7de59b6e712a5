using System.CommandLine;
using System.Globalization;
using Microsoft.Win32.SafeHandles;
using ScanScope.Simulation;

namespace ScanScope.Cli;

/// <summary><c>zmap targets</c>: ZMap's send order; <c>zmap formula</c>: the thesis' table 5.2/5.4 check.</summary>
internal static class ZmapCommand
{
    public static Command Create()
    {
        var command = new Command("zmap", "Reproduce ZMap's sharded target order exactly (2.1.1 or 4.x).");
        command.Subcommands.Add(Targets());
        command.Subcommands.Add(Formula());
        return command;
    }

    private static Command Targets()
    {
        var seed = new Option<ulong>("--seed") { Description = "ZMap --seed", Required = true };
        var shards = new Option<int>("--shards") { Description = "total shards N", DefaultValueFactory = _ => 1 };
        var shard = new Option<int>("--shard") { Description = "this shard n (0-based)", DefaultValueFactory = _ => 0 };
        var threads = new Option<int>("--threads", "-T") { Description = "sender threads T", DefaultValueFactory = _ => 1 };
        var max = new Option<ulong>("--max-targets", "-n") { Description = "cap on targets (per process in 2.1.1, per scan in 4.x); 0 = none" };
        var version = new Option<string>("--version") { Description = "2.1.1 or 4", DefaultValueFactory = _ => "2.1.1" };
        var ports = new Option<string>("--ports", "-p") { Description = "target port(s), comma-separated (several only with --version 4)", DefaultValueFactory = _ => "80" };
        var withPorts = new Option<bool>("--print-ports") { Description = "print address:port instead of the address" };
        var cidrs = new Argument<string[]>("CIDR") { Description = "allowlist (default: all of IPv4); ZMap's default blocklist always applies", Arity = ArgumentArity.ZeroOrMore };
        var command = new Command("targets", "Print the targets of one shard in the order ZMap sends them.")
        {
            seed, shards, shard, threads, max, version, ports, withPorts, cidrs,
        };
        command.SetAction(r =>
        {
            var options = new ZmapScanOptions
            {
                Version = ParseVersion(r.GetValue(version)!),
                Seed = r.GetValue(seed),
                Shards = r.GetValue(shards),
                Threads = r.GetValue(threads),
                MaxTargets = r.GetValue(max),
                Ports = ParsePorts(r.GetValue(ports)!),
            };
            if (options.Shards < 1 || r.GetValue(shard) < 0 || r.GetValue(shard) >= options.Shards || options.Threads < 1)
            {
                throw new UsageException("need 1 ≤ --shards, 0 ≤ --shard < --shards and --threads ≥ 1");
            }

            if (options.Version == ZmapVersion.V211 && options.Ports.Count != 1)
            {
                throw new UsageException("ZMap 2.1.1 scans one port; several ports need --version 4");
            }

            var allow = (r.GetValue(cidrs) ?? []).Select(c => Ipv4Prefix.TryParse(c, out var p) ? p : throw new UsageException($"{c}: not an IPv4 CIDR block")).ToList();
            var space = TargetSpace.Create(allow, options.Version);
            if (space.Count == 0)
            {
                throw new UsageException("no allowed targets after the blocklist");
            }

            var scan = new ZmapScan(space, options);
            var printPorts = r.GetValue(withPorts);
            // A raw handle on stdout, unlike Console's stream, reports a closed pipe (`| head`), which ends the walk.
            var stdout = new FileStream(new SafeFileHandle(1, ownsHandle: false), FileAccess.Write, 1);
            var output = new StreamWriter(stdout, bufferSize: 1 << 16);
            try
            {
                foreach (var t in scan.SendOrder(r.GetValue(shard)))
                {
                    output.Write(Ipv4Prefix.Format(t.Address));
                    if (printPorts)
                    {
                        output.Write(':');
                        output.Write(t.Port.ToString(CultureInfo.InvariantCulture));
                    }

                    output.Write('\n');
                }

                output.Dispose();
            }
            catch (IOException)
            {
                // The reader went away: stop without flushing what it will not read.
            }

            return 0;
        });
        return command;
    }



    private static Command Formula()
    {
        var hosts = new Option<int>("--hosts") { Description = "shards |H|", DefaultValueFactory = _ => 254 };
        var seeds = new Option<int>("--seeds") { Description = "number of seeds pooled", DefaultValueFactory = _ => 1 };
        var version = new Option<string>("--version") { Description = "2.1.1 or 4", DefaultValueFactory = _ => "2.1.1" };
        var telescope = new Argument<string[]>("CIDR") { Description = "observed blocks (default: three /16)", Arity = ArgumentArity.ZeroOrMore };
        var command = new Command("formula", "Thesis table 5.2/5.4: destinations per host and hit gaps of a full sharded scan, measured vs calculated.")
        {
            hosts, seeds, version, telescope,
        };
        command.SetAction(r =>
        {
            var blocks = r.GetValue(telescope) is { Length: > 0 } given
                ? given.Select(c => Ipv4Prefix.TryParse(c, out var p) ? p : throw new UsageException($"{c}: not an IPv4 CIDR block")).ToList()
                : [Ipv4Prefix.Parse("131.180.0.0/16"), Ipv4Prefix.Parse("145.94.0.0/16"), Ipv4Prefix.Parse("130.161.0.0/16")];
            var h = r.GetValue(hosts);
            if (h < 1 || r.GetValue(seeds) < 1)
            {
                throw new UsageException("--hosts and --seeds must be at least 1");
            }

            var rows = FormulaCheck.Run(ParseVersion(r.GetValue(version)!), h, blocks, [.. Enumerable.Range(1, r.GetValue(seeds)).Select(i => (ulong)i)]);
            var c = CultureInfo.InvariantCulture;
            Console.WriteLine(string.Create(c, $"|H| = {h}, |N| = A = {rows[0].Allowed:N0} allowed (default blocklist), scan steps per probe slot = {1 / rows[0].ValidFraction:F4}"));
            Console.WriteLine("destinations per host");
            Console.WriteLine("subset  observers  measured_mean  calc_mean  measured_sd  thesis_sd(N=2^32)  binomial_sd(N=A)  hypergeometric_sd");
            foreach (var row in rows)
            {
                Console.WriteLine(string.Create(c, $"{row.Subset,-7} {row.Observers,10} {row.MeasuredMean,14:F2} {row.CalculatedMean,10:F2} {row.MeasuredSd,12:F2} {row.ThesisSd,18:F2} {row.BinomialSd,17:F2} {row.HypergeometricSd,18:F2}"));
            }

            Console.WriteLine("gap between consecutive telescope hits (all hosts, same start and rate), in scan steps");
            Console.WriteLine("subset  measured_mean  thesis_mean(N=2^32)  exact_mean(p-1)  measured_sd  thesis_sd  exact_sd  mean_in_probe_slots(N=A)");
            foreach (var row in rows)
            {
                Console.WriteLine(string.Create(c, $"{row.Subset,-7} {row.MeasuredGapMean,14:F2} {row.ThesisGapMean,20:F2} {row.ExactGapMean,16:F2} {row.MeasuredGapSd,12:F2} {row.ThesisGapSd,10:F2} {row.ExactGapSd,9:F2} {row.ProbeSlotGapMean,25:F2}"));
            }

            return 0;
        });
        return command;
    }

    internal static ZmapVersion ParseVersion(string text) => text switch
    {
        "2.1.1" or "2" => ZmapVersion.V211,
        "4" or "4.x" or "4.1" => ZmapVersion.V4,
        _ => throw new UsageException($"--version {text}: expected 2.1.1 or 4"),
    };

    private static ushort[] ParsePorts(string text) =>
    [
        .. text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => ushort.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : throw new UsageException($"--ports: '{p}' is not a port")),
    ];
}
