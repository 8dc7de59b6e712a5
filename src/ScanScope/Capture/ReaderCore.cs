using System.Runtime.CompilerServices;
using ScanScope.Packets;

namespace ScanScope.Capture;

/// <summary>
/// What the pcap and pcapng readers share: the input window, counters, the filter, and the one
/// place where damage becomes either a skipped record or an exception.
/// </summary>
internal sealed class ReaderCore(CaptureBuffer input, string path, CaptureReadOptions options) : IDisposable
{
    private readonly CaptureCounters _counters = new();
    private readonly PacketFilter? _filter = options.Filter;
    private LinkType _pendingLinkType;
    private long _pendingLinkRecords;

    public CaptureBuffer Input { get; } = input;

    public string Path { get; } = path;

    public CaptureReadOptions Options { get; } = options;

    /// <summary>Counters brought up to date (link-type counts are batched off the hot path).</summary>
    public CaptureCounters Counters
    {
        get
        {
            FlushLinkType();
            _counters.SourceBytes = Input.SourceBytes;
            return _counters;
        }
    }

    /// <summary>Counts one capture record.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Record(LinkType linkType, long timestampNs, int captured)
    {
        var c = _counters;
        c.Records++;
        c.Bytes += captured;
        if (timestampNs < c.FirstTimestampNs)
        {
            c.FirstTimestampNs = timestampNs;
        }

        if (timestampNs > c.LastTimestampNs)
        {
            c.LastTimestampNs = timestampNs;
        }

        if (linkType != _pendingLinkType)
        {
            FlushLinkType();
            _pendingLinkType = linkType;
        }

        _pendingLinkRecords++;
    }

    /// <summary>Counts a run of records of one link type read by a batch loop (the loop keeps its own tallies).</summary>
    public void RecordRun(LinkType linkType, long records, long bytes, long firstNs, long lastNs, long packets)
    {
        var c = _counters;
        c.Records += records;
        c.Bytes += bytes;
        c.Packets += packets;
        c.FirstTimestampNs = Math.Min(c.FirstTimestampNs, firstNs);
        c.LastTimestampNs = Math.Max(c.LastTimestampNs, lastNs);
        if (linkType != _pendingLinkType)
        {
            FlushLinkType();
            _pendingLinkType = linkType;
        }

        _pendingLinkRecords += records;
    }

    /// <summary>Counts one packet skipped by a batch loop.</summary>
    public void Skip(SkipReason reason) => _counters.Skip(reason);

    /// <summary>The packet filter of the options, or null.</summary>
    public PacketFilter? Filter => _filter;

    /// <summary>Counts a record that has no timestamp of its own (pcapng simple packet block).</summary>
    public void RecordWithoutTimestamp(LinkType linkType, int captured)
    {
        _counters.Records++;
        _counters.Bytes += captured;
        if (linkType != _pendingLinkType)
        {
            FlushLinkType();
            _pendingLinkType = linkType;
        }

        _pendingLinkRecords++;
    }

    /// <summary>Parses, tags and filters one frame; false (and counted) when it is skipped.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Accept(ReadOnlySpan<byte> frame, LinkType linkType, long timestampNs, out PacketRecord packet)
    {
        var reason = PacketParser.TryParse(frame, linkType, timestampNs, out packet);
        if (reason != SkipReason.None)
        {
            _counters.Skip(reason);
            return false;
        }

        if (_filter is not null && !_filter.Matches(packet))
        {
            _counters.Skip(SkipReason.Filtered);
            return false;
        }

        _counters.Packets++;
        return true;
    }

    /// <summary>A damaged record at <paramref name="offset"/>: throws when strict, else counts it.</summary>
    public void Damage(long offset, string problem)
    {
        if (Options.Strict)
        {
            CaptureFormatException.Throw(Path, offset, problem);
        }

        _counters.Skip(SkipReason.DamagedRecord);
        _counters.FirstDamage ??= $"{Path}: byte {offset}: {problem}";
    }

    /// <summary>
    /// At the end of the input: reports a decompression failure, if that is why it ended (true),
    /// and drops any partial record left, which is part of that one damage.
    /// </summary>
    public bool CheckInputError()
    {
        if (Input.Error is not { } error)
        {
            return false;
        }

        Input.Error = null;
        Input.Start = Input.End;
        Damage(Input.ErrorOffset, error);
        return true;
    }

    private void FlushLinkType()
    {
        if (_pendingLinkRecords != 0)
        {
            _counters.AddLinkType(_pendingLinkType, _pendingLinkRecords);
            _pendingLinkRecords = 0;
        }
    }

    public void Dispose() => Input.Dispose();
}
