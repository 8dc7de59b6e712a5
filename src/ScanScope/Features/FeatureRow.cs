using ScanScope.Packets;

namespace ScanScope.Features;

/// <summary>
/// One source's features (the five thesis features, unscaled) and the extras later stages use.
/// Definitions: <c>shared/docs/design.md</c> § Features and <c>docs/features.md</c>.
/// </summary>
public sealed record FeatureRow
{
    /// <summary>Source address (big-endian integer, 1.2.3.4 = 0x01020304).</summary>
    public required uint Src { get; init; }

    /// <summary>Number of unique destination addresses.</summary>
    public required int Destinations { get; init; }

    /// <summary>Mean gap in seconds between consecutive active bins (b when one bin is active).</summary>
    public required double Period { get; init; }

    /// <summary>Start of the first active bin, seconds since the window start.</summary>
    public required long Start { get; init; }

    /// <summary>Active bins × b, seconds.</summary>
    public required long Activity { get; init; }

    /// <summary>Number of unique destination ports.</summary>
    public required int Ports { get; init; }

    /// <summary>First packet (ns since the Unix epoch).</summary>
    public required long FirstSeenNs { get; init; }

    /// <summary>Last packet (ns since the Unix epoch).</summary>
    public required long LastSeenNs { get; init; }

    /// <summary>Packets that passed the filter.</summary>
    public required long Packets { get; init; }

    /// <summary>Destination ports, ascending, at most the port-list limit (the smallest numbers).</summary>
    public required IReadOnlyList<ushort> PortList { get; init; }

    /// <summary>Unique destinations per port of <see cref="PortList"/>, same order.</summary>
    public required IReadOnlyList<int> PortDestinations { get; init; }

    /// <summary>Toolchain fingerprints seen in this source's packets.</summary>
    public required IReadOnlyList<Toolchain> Tools { get; init; }

    /// <summary>Smallest IP TTL seen.</summary>
    public required byte TtlMin { get; init; }

    /// <summary>Largest IP TTL seen.</summary>
    public required byte TtlMax { get; init; }

    /// <summary>Destinations / |O| (NaN when |O| is 0).</summary>
    public double Coverage { get; init; } = double.NaN;

    /// <summary>True when the source is past the heavy-hitter threshold (cluster id −2).</summary>
    public bool HeavyHitter { get; init; }
}
