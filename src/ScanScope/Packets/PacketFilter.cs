namespace ScanScope.Packets;

/// <summary>
/// Which packets an analysis keeps: a time window [From, To), telescope prefixes (destination),
/// SYN-only, toolchain tags and destination ports. Null or empty criteria keep everything.
/// Immutable; build with an object initializer and change with <c>with</c>.
/// </summary>
public sealed record PacketFilter
{
    /// <summary>A filter that keeps every packet.</summary>
    public static PacketFilter All { get; } = new();

    /// <summary>Keep packets at or after this time (ns since the epoch).</summary>
    public long? FromNs { get; init; }

    /// <summary>Keep packets before this time (ns since the epoch).</summary>
    public long? ToNs { get; init; }

    /// <summary>Keep packets whose destination is in one of these prefixes (the telescope).</summary>
    public CidrSet? Telescope { get; init; }

    /// <summary>Keep only connection attempts (SYN without ACK).</summary>
    public bool SynOnly { get; init; }

    /// <summary>Keep packets whose toolchain tag is in this set; null keeps every tag.</summary>
    public ToolchainSet? Tools { get; init; }

    /// <summary>Keep packets to these destination ports.</summary>
    public PortSet? Ports { get; init; }

    /// <summary>True when no criterion is set.</summary>
    public bool KeepsAll => FromNs is null && ToNs is null && Telescope is null && !SynOnly && Tools is null && Ports is null;

    /// <summary>True when <paramref name="p"/> passes every criterion.</summary>
    public bool Matches(in PacketRecord p)
    {
        if (p.TimestampNs < FromNs || p.TimestampNs >= ToNs)
        {
            return false;
        }

        if (SynOnly && !p.IsSyn)
        {
            return false;
        }

        if (Tools is { } tools && !tools.Contains(p.Tool))
        {
            return false;
        }

        if (Ports is not null && !Ports.Contains(p.DstPort))
        {
            return false;
        }

        return Telescope is null || Telescope.Contains(p.Dst);
    }
}
