using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using Microsoft.Win32.SafeHandles;
using ScanScope.Packets;

namespace ScanScope.Capture;

/// <summary>Reads classic pcap files: microsecond and nanosecond magics, both byte orders.</summary>
/// <remarks>
/// Records are parsed in place from a large read window (<see cref="CaptureBuffer"/>): no read
/// call and no allocation per record. A record longer than the snap length (or 256 KiB) is
/// damage: it is skipped and reading resumes at the next offset where two consecutive plausible
/// record headers start (or the last one ends exactly at the end of the file).
/// </remarks>
public sealed class PcapReader : IPacketReader
{
    /// <summary>Length of the pcap global header.</summary>
    public const int GlobalHeaderLength = 24;

    /// <summary>Length of a pcap record header.</summary>
    public const int RecordHeaderLength = 16;

    /// <summary>Largest record accepted whatever the snap length says (libpcap's largest snap length).</summary>
    public const uint MaxRecordLength = 262144;

    private const uint ByteSwappedMicrosecondMagic = 0xD4C3B2A1;
    private const uint ByteSwappedNanosecondMagic = 0x4D3CB2A1;
    private const long ResyncWindowSeconds = 7 * 86400;

    private readonly ReaderCore _core;
    private readonly CaptureBuffer _in;
    private readonly bool _swap;
    private readonly bool _nanoseconds;
    private readonly LinkType _linkType;
    private readonly uint _recordLimit;
    private long _lastSeconds = -1;

    /// <summary>Opens a pcap stream; reads and checks the global header.</summary>
    public PcapReader(Stream stream, string path)
        : this(new ReaderCore(new CaptureBuffer(stream ?? throw new ArgumentNullException(nameof(stream)), null, 1 << 20), path, CaptureReadOptions.Default))
    {
    }

    internal PcapReader(ReaderCore core)
    {
        _core = core;
        _in = core.Input;
        var path = core.Path;
        if (!_in.Ensure(GlobalHeaderLength))
        {
            _core.CheckInputError();
            if (_in.Available == 0)
            {
                CaptureFormatException.Throw(path, 0, "empty file, no pcap header");
            }

            CaptureFormatException.Throw(path, _in.Available, $"file ends inside the pcap header ({_in.Available} of {GlobalHeaderLength} bytes)");
        }

        var header = _in.Buffer.AsSpan(_in.Start, GlobalHeaderLength);
        var magic = BinaryPrimitives.ReadUInt32LittleEndian(header);
        (_swap, _nanoseconds) = Format(magic) ?? throw new CaptureFormatException(path, 0, $"not a pcap file (magic 0x{magic:X8})");
        SnapLength = ReadUInt32(header[16..]);
        _linkType = (LinkType)(ReadUInt32(header[20..]) & 0xFFFF);
        _recordLimit = RecordLimit(SnapLength);
        _in.Start += GlobalHeaderLength;
    }

    /// <summary>Link type from the global header.</summary>
    public LinkType LinkType => _linkType;

    /// <summary>Snap length from the global header.</summary>
    public uint SnapLength { get; }

    /// <summary>True for the nanosecond magic.</summary>
    public bool Nanoseconds => _nanoseconds;

    /// <inheritdoc />
    public CaptureCounters Counters => _core.Counters;

    /// <summary>File offset of the next record to read (after the last, where reading stopped).</summary>
    internal long Position => _in.Offset;

    /// <summary>The file read.</summary>
    internal string Path => _core.Path;

    /// <summary>File offset where this reader's slice ends (<see cref="long.MaxValue"/>: the file's end).</summary>
    internal long Limit => _in.Limit;

    /// <summary>Ends the slice at <paramref name="limit"/>, a record start at or after <see cref="Position"/> (see <see cref="CaptureBuffer.EndAt"/>).</summary>
    internal void EndAt(long limit) => _in.EndAt(limit);

    /// <inheritdoc />
    public bool TryRead(out PacketRecord packet)
    {
        var input = _in;
        while (true)
        {
            var start = input.Start;
            if (input.OffsetOf(start) >= input.Limit)
            {
                // The end of this reader's slice of the file: the next record is another reader's.
                packet = default;
                return false;
            }

            if (input.End - start < RecordHeaderLength)
            {
                if (!input.Ensure(RecordHeaderLength))
                {
                    if (!EndOfInput(input.Available, RecordHeaderLength, "record header"))
                    {
                        packet = default;
                        return false;
                    }

                    continue;
                }

                start = input.Start;
            }

            var header = input.Buffer.AsSpan(start, RecordHeaderLength);
            uint seconds, fraction, captured;
            if (_swap)
            {
                seconds = BinaryPrimitives.ReadUInt32BigEndian(header);
                fraction = BinaryPrimitives.ReadUInt32BigEndian(header[4..]);
                captured = BinaryPrimitives.ReadUInt32BigEndian(header[8..]);
            }
            else
            {
                seconds = BinaryPrimitives.ReadUInt32LittleEndian(header);
                fraction = BinaryPrimitives.ReadUInt32LittleEndian(header[4..]);
                captured = BinaryPrimitives.ReadUInt32LittleEndian(header[8..]);
            }

            if (captured > _recordLimit)
            {
                _core.Damage(input.OffsetOf(start), $"record length {captured} is beyond the snap length {_recordLimit}");
                Resync();
                continue;
            }

            var length = RecordHeaderLength + (int)captured;
            if (input.End - start < length)
            {
                if (!input.Ensure(length))
                {
                    EndOfInput(input.Available, length, $"record of {captured} bytes");
                    continue;
                }

                start = input.Start;
            }

            input.Start = start + length;
            _lastSeconds = seconds;
            var ts = (seconds * 1_000_000_000L) + (_nanoseconds ? fraction : fraction * 1000L);
            _core.Record(_linkType, ts, (int)captured);
            if (_core.Accept(input.Buffer.AsSpan(start + RecordHeaderLength, (int)captured), _linkType, ts, out packet))
            {
                return true;
            }
        }
    }

    /// <inheritdoc />
    public int ReadBatch(Span<PacketRecord> destination)
    {
        var n = 0;
        while (n < destination.Length)
        {
            if (!_swap)
            {
                n += ReadWindow(destination[n..]);
                if (n == destination.Length)
                {
                    break;
                }
            }

            // Refills, damage, the end and swapped headers take the one-record path.
            if (!TryRead(out destination[n]))
            {
                break;
            }

            n++;
        }

        return n;
    }

    /// <summary>
    /// The batch kernel: parses the whole little-endian records already in the window straight
    /// into <paramref name="destination"/>, tallying counters in locals; stops at the first record
    /// that is cut by the window's end or too long, which <see cref="TryRead"/> then handles.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int ReadWindow(Span<PacketRecord> destination)
    {
        var input = _in;
        var buffer = input.Buffer;
        var at = input.Start;
        var end = input.End;
        var filter = _core.Filter;
        var linkType = _linkType;
        var scale = _nanoseconds ? 1L : 1000L;
        long records = 0, bytes = 0, firstNs = long.MaxValue, lastNs = long.MinValue;
        uint seconds = 0;
        var n = 0;

        // Records that start before the slice's limit (a record may end past it).
        var stop = (int)Math.Min(end, input.Limit - input.OffsetOf(0));
        while (n < destination.Length && at < stop && end - at >= RecordHeaderLength)
        {
            var header = buffer.AsSpan(at, RecordHeaderLength);
            var captured = BinaryPrimitives.ReadUInt32LittleEndian(header[8..]);
            if (captured > _recordLimit || end - at - RecordHeaderLength < captured)
            {
                break;
            }

            seconds = BinaryPrimitives.ReadUInt32LittleEndian(header);
            var ts = (seconds * 1_000_000_000L) + (BinaryPrimitives.ReadUInt32LittleEndian(header[4..]) * scale);
            records++;
            bytes += captured;
            firstNs = Math.Min(firstNs, ts);
            lastNs = Math.Max(lastNs, ts);
            ref var packet = ref destination[n];
            var reason = PacketParser.TryParse(buffer.AsSpan(at + RecordHeaderLength, (int)captured), linkType, ts, out packet);
            at += RecordHeaderLength + (int)captured;
            if (reason != SkipReason.None)
            {
                _core.Skip(reason);
            }
            else if (filter is not null && !filter.Matches(packet))
            {
                _core.Skip(SkipReason.Filtered);
            }
            else
            {
                n++;
            }
        }

        if (records != 0)
        {
            input.Start = at;
            _lastSeconds = seconds;
            _core.RecordRun(linkType, records, bytes, firstNs, lastNs, n);
        }

        return n;
    }

    /// <summary>
    /// The input ended with <paramref name="available"/> of <paramref name="needed"/> bytes: the
    /// clean end (false), or damage that is counted and consumed (true: read on, which then ends).
    /// </summary>
    private bool EndOfInput(int available, int needed, string what)
    {
        if (_core.CheckInputError() || available == 0)
        {
            return false;
        }

        _core.Damage(_in.Offset, $"file ends inside a {what} ({available} of {needed} bytes)");
        _in.Start = _in.End;
        return true;
    }

    /// <summary>Moves past a damaged record to the next offset where plausible records start.</summary>
    private void Resync()
    {
        var input = _in;
        input.Start++;
        while (input.Ensure(RecordHeaderLength))
        {
            if (Plausible(input.Buffer.AsSpan(input.Start, RecordHeaderLength), out var captured))
            {
                var next = RecordHeaderLength + (int)captured;
                if (input.Ensure(next + RecordHeaderLength))
                {
                    if (Plausible(input.Buffer.AsSpan(input.Start + next, RecordHeaderLength), out _))
                    {
                        return;
                    }
                }
                else if (input.Available == next)
                {
                    return;
                }
            }

            input.Start++;
        }

        // Nothing plausible up to the end: drop the tail (it is part of the damage already counted).
        input.Start = input.End;
    }

    /// <summary>Byte order and timestamp unit of a classic pcap magic (as read little-endian), or null for any other.</summary>
    internal static (bool Swap, bool Nanoseconds)? Format(uint magic) => magic switch
    {
        PcapWriter.MicrosecondMagic => (false, false),
        PcapWriter.NanosecondMagic => (false, true),
        ByteSwappedMicrosecondMagic => (true, false),
        ByteSwappedNanosecondMagic => (true, true),
        _ => null,
    };

    // The longest record accepted: the snap length, unless it is unset or beyond libpcap's largest.
    private static uint RecordLimit(uint snapLength) => snapLength is > 0 and < MaxRecordLength ? snapLength : MaxRecordLength;

    /// <summary>Consecutive plausible record headers that make an offset a record start for <see cref="FindRecordStart"/>.</summary>
    internal const int BoundaryChain = 16;

    /// <summary>
    /// The first offset at or after <paramref name="offset"/> (past the global header) where
    /// <see cref="BoundaryChain"/> consecutive plausible records start, each header chained to the
    /// next by its length and their timestamps within a day of each other, or where fewer such records
    /// end exactly at the end of the file; the file's length when there is none in the next 4 MiB.
    /// </summary>
    /// <remarks>
    /// A guess, not a proof: where a file is cut into slices read by different threads, the reader of
    /// the slice before checks that its last record ends exactly there (<see cref="Position"/>).
    /// </remarks>
    internal static long FindRecordStart(SafeFileHandle file, long offset)
    {
        var length = RandomAccess.GetLength(file);
        Span<byte> global = stackalloc byte[GlobalHeaderLength];
        if (RandomAccess.Read(file, global, 0) < GlobalHeaderLength)
        {
            return length;
        }

        var magic = BinaryPrimitives.ReadUInt32LittleEndian(global);
        if (Format(magic) is not var (swap, nanoseconds))
        {
            return length;
        }

        uint Read32(ReadOnlySpan<byte> s) => swap ? BinaryPrimitives.ReadUInt32BigEndian(s) : BinaryPrimitives.ReadUInt32LittleEndian(s);
        var limit = RecordLimit(Read32(global[16..]));
        offset = Math.Max(offset, GlobalHeaderLength);
        const int Search = 4 << 20;
        var window = new byte[(int)Math.Clamp(length - offset, 0, Search + (BoundaryChain * (RecordHeaderLength + (long)limit)))];
        var have = RandomAccess.Read(file, window, offset);
        var windowReachesEnd = offset + have == length;
        for (var p = 0; p < Math.Min(have, Search); p++)
        {
            var at = p;
            var chained = 0;
            long previous = -1;
            while (chained < BoundaryChain && have - at >= RecordHeaderLength)
            {
                var header = window.AsSpan(at, RecordHeaderLength);
                var seconds = Read32(header);
                var captured = Read32(header[8..]);
                var original = Read32(header[12..]);
                if (captured > limit || captured > original || original > MaxRecordLength
                    || Read32(header[4..]) >= (nanoseconds ? 1_000_000_000u : 1_000_000u)
                    || (previous >= 0 && Math.Abs(seconds - previous) > 86_400))
                {
                    break;
                }

                previous = seconds;
                at += RecordHeaderLength + (int)captured;
                if (at > have)
                {
                    break;
                }

                chained++;
            }

            if (chained == BoundaryChain || (chained > 0 && at == have && windowReachesEnd))
            {
                return offset + p;
            }
        }

        return length;
    }

    private bool Plausible(ReadOnlySpan<byte> header, out uint captured)
    {
        var seconds = ReadUInt32(header);
        var fraction = ReadUInt32(header[4..]);
        captured = ReadUInt32(header[8..]);
        var original = ReadUInt32(header[12..]);
        return captured <= _recordLimit && captured <= original && original <= MaxRecordLength
            && fraction < (_nanoseconds ? 1_000_000_000u : 1_000_000u)
            && (_lastSeconds < 0 || Math.Abs(seconds - _lastSeconds) <= ResyncWindowSeconds);
    }

    private uint ReadUInt32(ReadOnlySpan<byte> s) => _swap ? BinaryPrimitives.ReadUInt32BigEndian(s) : BinaryPrimitives.ReadUInt32LittleEndian(s);

    /// <inheritdoc />
    public void Dispose() => _core.Dispose();
}
