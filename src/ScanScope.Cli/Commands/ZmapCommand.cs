using System.CommandLine;
using System.Globalization;
using ScanScope.Simulation;

namespace ScanScope.Cli;

/// <summary><c>zmap targets</c>: ZMap's send order; <c>zmap formula</c>: the thesis' table 5.2/5.4 check.</summary>
internal static class ZmapCommand
{
    public static Command Create()
    {
        var command = new Command("zmap", "Reproduce ZMap's sharded target order exactly (2.1.1 or 4.x).");
        command.Subcommands.Add(Targets());
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
            using var output = new StreamWriter(Console.OpenStandardOutput(), bufferSize: 1 << 16);
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
