using ScanScope.Packets;

namespace ScanScope.Capture;

/// <summary>How <see cref="CaptureReader"/> reads a capture. Immutable; change with <c>with</c>.</summary>
/// <example><code>CaptureReader.Open(path, CaptureReadOptions.Default with { Strict = true })</code></example>
public sealed record CaptureReadOptions
{
    /// <summary>Lenient reading, no filter, 4 MiB reads.</summary>
    public static CaptureReadOptions Default { get; } = new();

    /// <summary>
    /// Stop at the first damaged record with a <see cref="CaptureFormatException"/> (file and byte
    /// offset). When false (the default) a damaged record is skipped, counted as
    /// <see cref="SkipReason.DamagedRecord"/> and reading goes on at the next plausible record.
    /// </summary>
    public bool Strict { get; init; }

    /// <summary>
    /// Packets that do not match are skipped and counted as <see cref="SkipReason.Filtered"/>;
    /// null hands out every IPv4 TCP packet.
    /// </summary>
    public PacketFilter? Filter { get; init; }

    /// <summary>Size of each read from the file or decompressor (the window grows for larger records).</summary>
    public int BufferSize { get; init; } = 4 << 20;
}
