using System.Buffers.Binary;
using ScanScope.Packets;

namespace ScanScope.Capture;

/// <summary>
/// Writes classic pcap files (little-endian, microsecond or nanosecond timestamps) that tcpdump,
/// tshark and ScanScope's own readers open.
/// </summary>
public sealed class PcapWriter : IDisposable
{
    /// <summary>Magic of a microsecond-resolution classic pcap file.</summary>
    public const uint MicrosecondMagic = 0xA1B2C3D4;

    /// <summary>Magic of a nanosecond-resolution classic pcap file.</summary>
    public const uint NanosecondMagic = 0xA1B23C4D;

    private const int RecordHeaderLength = 16;
    private readonly Stream _stream;
    private readonly bool _ownsStream;
    private readonly bool _nanoseconds;
    private readonly LinkType _linkType;
    private readonly byte[] _buffer = new byte[1 << 16];

    /// <summary>Starts a pcap stream: writes the global header.</summary>
    public PcapWriter(Stream stream, LinkType linkType = LinkType.Ethernet, bool nanoseconds = false, int snapLength = 65535, bool ownsStream = true)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _stream = stream;
        _ownsStream = ownsStream;
        _nanoseconds = nanoseconds;
        _linkType = linkType;
        Span<byte> header = stackalloc byte[24];
        BinaryPrimitives.WriteUInt32LittleEndian(header, nanoseconds ? NanosecondMagic : MicrosecondMagic);
        BinaryPrimitives.WriteUInt16LittleEndian(header[4..], 2);
        BinaryPrimitives.WriteUInt16LittleEndian(header[6..], 4);
        BinaryPrimitives.WriteInt32LittleEndian(header[8..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(header[12..], 0);
        BinaryPrimitives.WriteInt32LittleEndian(header[16..], snapLength);
        BinaryPrimitives.WriteUInt32LittleEndian(header[20..], (uint)linkType);
        _stream.Write(header);
    }

    /// <summary>Creates (or replaces) a pcap file.</summary>
    public static PcapWriter Create(string path, LinkType linkType = LinkType.Ethernet, bool nanoseconds = false)
        => new(new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 20), linkType, nanoseconds);

    /// <summary>Number of records written.</summary>
    public long Count { get; private set; }

    /// <summary>Writes one packet, framed for the writer's link type.</summary>
    public void Write(in PacketRecord packet)
    {
        var frame = _buffer.AsSpan(RecordHeaderLength);
        var length = _linkType switch
        {
            LinkType.Ethernet => PacketBuilder.WriteEthernet(packet, frame),
            LinkType.Raw or LinkType.Ipv4 => PacketBuilder.WriteIpv4(packet, frame),
            _ => throw new NotSupportedException($"PcapWriter writes Ethernet or raw IPv4 frames, not {_linkType}"),
        };
        WriteRecord(packet.TimestampNs, frame[..length], length);
    }

    /// <summary>Writes a record with the given bytes, as captured, and the original length on the wire.</summary>
    public void WriteRaw(long timestampNs, ReadOnlySpan<byte> captured, int originalLength)
    {
        captured.CopyTo(_buffer.AsSpan(RecordHeaderLength));
        WriteRecord(timestampNs, _buffer.AsSpan(RecordHeaderLength, captured.Length), originalLength);
    }

    private void WriteRecord(long timestampNs, ReadOnlySpan<byte> frame, int originalLength)
    {
        var header = _buffer.AsSpan(0, RecordHeaderLength);
        var seconds = Math.DivRem(timestampNs, 1_000_000_000L, out var fraction);
        BinaryPrimitives.WriteUInt32LittleEndian(header, (uint)seconds);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], (uint)(_nanoseconds ? fraction : fraction / 1000));
        BinaryPrimitives.WriteInt32LittleEndian(header[8..], frame.Length);
        BinaryPrimitives.WriteInt32LittleEndian(header[12..], originalLength);
        _stream.Write(_buffer, 0, RecordHeaderLength + frame.Length);
        Count++;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _stream.Flush();
        if (_ownsStream)
        {
            _stream.Dispose();
        }
    }
}
