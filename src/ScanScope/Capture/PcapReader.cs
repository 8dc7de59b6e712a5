using System.Buffers.Binary;
using ScanScope.Packets;

namespace ScanScope.Capture;

/// <summary>Reads classic pcap files: microsecond and nanosecond magics, both byte orders.</summary>
public sealed class PcapReader : IPacketReader
{
    private const int GlobalHeaderLength = 24;
    private const int RecordHeaderLength = 16;
    private readonly Stream _stream;
    private readonly string _path;
    private readonly bool _swap;
    private readonly bool _nanoseconds;
    private readonly LinkType _linkType;
    private readonly uint _snapLength;
    private byte[] _buffer = new byte[1 << 16];
    private long _offset;

    /// <summary>Opens a pcap stream; reads and checks the global header.</summary>
    public PcapReader(Stream stream, string path)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _stream = stream;
        _path = path;
        Span<byte> header = stackalloc byte[GlobalHeaderLength];
        var got = stream.ReadAtLeast(header, GlobalHeaderLength, throwOnEndOfStream: false);
        if (got == 0)
        {
            CaptureFormatException.Throw(path, 0, "empty file, no pcap header");
        }

        if (got < GlobalHeaderLength)
        {
            CaptureFormatException.Throw(path, got, $"file ends inside the pcap header ({got} of 24 bytes)");
        }

        var magic = BinaryPrimitives.ReadUInt32LittleEndian(header);
        (_swap, _nanoseconds) = magic switch
        {
            PcapWriter.MicrosecondMagic => (false, false),
            PcapWriter.NanosecondMagic => (false, true),
            0xD4C3B2A1 => (true, false),
            0x4D3CB2A1 => (true, true),
            _ => throw new CaptureFormatException(path, 0, $"not a pcap file (magic 0x{magic:X8})"),
        };
        _snapLength = ReadUInt32(header[16..]);
        _linkType = (LinkType)(ReadUInt32(header[20..]) & 0xFFFF);
        _offset = GlobalHeaderLength;
    }

    /// <summary>Link type from the global header.</summary>
    public LinkType LinkType => _linkType;

    /// <inheritdoc />
    public CaptureCounters Counters { get; } = new();

    /// <inheritdoc />
    public bool TryRead(out PacketRecord packet)
    {
        Span<byte> header = stackalloc byte[RecordHeaderLength];
        while (true)
        {
            var got = _stream.ReadAtLeast(header, RecordHeaderLength, throwOnEndOfStream: false);
            if (got == 0)
            {
                packet = default;
                return false;
            }

            if (got < RecordHeaderLength)
            {
                CaptureFormatException.Throw(_path, _offset, "file ends inside a record header");
            }

            var seconds = ReadUInt32(header);
            var fraction = ReadUInt32(header[4..]);
            var captured = ReadUInt32(header[8..]);
            if (captured > Math.Max(_snapLength, 262144u))
            {
                CaptureFormatException.Throw(_path, _offset, $"record length {captured} is beyond the snap length {_snapLength}");
            }

            if (captured > _buffer.Length)
            {
                _buffer = new byte[captured];
            }

            var frame = _buffer.AsSpan(0, (int)captured);
            if (_stream.ReadAtLeast(frame, frame.Length, throwOnEndOfStream: false) < frame.Length)
            {
                CaptureFormatException.Throw(_path, _offset, $"file ends inside a record of {captured} bytes");
            }

            _offset += RecordHeaderLength + captured;
            var ts = (seconds * 1_000_000_000L) + (_nanoseconds ? fraction : fraction * 1000L);
            Counters.Records++;
            Counters.Bytes += captured;
            Counters.FirstTimestampNs = Math.Min(Counters.FirstTimestampNs, ts);
            Counters.LastTimestampNs = Math.Max(Counters.LastTimestampNs, ts);
            var reason = PacketParser.TryParse(frame, _linkType, ts, out packet);
            if (reason == SkipReason.None)
            {
                Counters.Packets++;
                return true;
            }

            Counters.Skip(reason);
        }
    }

    private uint ReadUInt32(ReadOnlySpan<byte> s) => _swap ? BinaryPrimitives.ReadUInt32BigEndian(s) : BinaryPrimitives.ReadUInt32LittleEndian(s);

    /// <inheritdoc />
    public void Dispose() => _stream.Dispose();
}
