namespace ScanScope.Simulation;

/// <summary>The command-line settings of one ZMap process that decide its targets and their order.</summary>
public sealed record ZmapScanOptions
{
    /// <summary>The ZMap scheme to reproduce.</summary>
    public ZmapVersion Version { get; init; } = ZmapVersion.V211;

    /// <summary><c>--seed</c>.</summary>
    public ulong Seed { get; init; }

    /// <summary><c>--shards</c> (N).</summary>
    public int Shards { get; init; } = 1;

    /// <summary><c>--sender-threads</c> (T) as given; ZMap may force 1 (see <see cref="ZmapScan.Threads"/>).</summary>
    public int Threads { get; init; } = 1;

    /// <summary><c>--max-targets</c> (M); 0 means no limit. Per process in 2.1.1, per scan in 4.x.</summary>
    public ulong MaxTargets { get; init; }

    /// <summary>Target ports (P of them; 2.1.1 takes one).</summary>
    public IReadOnlyList<ushort> Ports { get; init; } = [80];
}
