using ScanScope.Packets;

namespace ScanScope.Capture;

/// <summary>What a reader has seen so far: records, bytes, time span, and records skipped by reason.</summary>
public sealed class CaptureCounters
{
    private readonly long[] _skipped = new long[Enum.GetValues<SkipReason>().Length];

    /// <summary>Capture records read (packets of any kind).</summary>
    public long Records { get; set; }

    /// <summary>Bytes of captured frame data read.</summary>
    public long Bytes { get; set; }

    /// <summary>IPv4 TCP packets handed out.</summary>
    public long Packets { get; set; }

    /// <summary>Earliest record timestamp (ns), or <see cref="long.MaxValue"/> when none.</summary>
    public long FirstTimestampNs { get; set; } = long.MaxValue;

    /// <summary>Latest record timestamp (ns), or <see cref="long.MinValue"/> when none.</summary>
    public long LastTimestampNs { get; set; } = long.MinValue;

    /// <summary>Bytes of the input files consumed (compressed bytes for .gz/.zst), for progress.</summary>
    public long SourceBytes { get; set; }

    /// <summary>Files read (1 for one reader; the sum after <see cref="Merge"/>).</summary>
    public int Files { get; set; } = 1;

    /// <summary>
    /// The first damaged record skipped, as "FILE: byte N: problem", or null when none was
    /// (with <see cref="CaptureReadOptions.Strict"/> the reader throws instead).
    /// </summary>
    public string? FirstDamage { get; set; }

    /// <summary>Records per link type.</summary>
    public Dictionary<LinkType, long> LinkTypes { get; } = [];

    /// <summary>Records skipped for <paramref name="reason"/>.</summary>
    public long Skipped(SkipReason reason) => _skipped[(int)reason];

    /// <summary>Counts one skipped record.</summary>
    public void Skip(SkipReason reason) => _skipped[(int)reason]++;

    /// <summary>Counts <paramref name="count"/> records of <paramref name="linkType"/>.</summary>
    public void AddLinkType(LinkType linkType, long count)
    {
        if (count != 0)
        {
            LinkTypes[linkType] = LinkTypes.GetValueOrDefault(linkType) + count;
        }
    }

    /// <summary>All skipped records.</summary>
    public long TotalSkipped => _skipped.Sum();

    /// <summary>Adds another reader's counters to these.</summary>
    public void Merge(CaptureCounters other)
    {
        ArgumentNullException.ThrowIfNull(other);
        Records += other.Records;
        Bytes += other.Bytes;
        Packets += other.Packets;
        SourceBytes += other.SourceBytes;
        Files += other.Files;
        FirstDamage ??= other.FirstDamage;
        FirstTimestampNs = Math.Min(FirstTimestampNs, other.FirstTimestampNs);
        LastTimestampNs = Math.Max(LastTimestampNs, other.LastTimestampNs);
        for (var i = 0; i < _skipped.Length; i++)
        {
            _skipped[i] += other._skipped[i];
        }

        foreach (var (link, n) in other.LinkTypes)
        {
            AddLinkType(link, n);
        }
    }
}
