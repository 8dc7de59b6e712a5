using System.Buffers.Binary;

namespace ScanScope.Packets;

/// <summary>
/// Writes a <see cref="PacketRecord"/> back out as wire bytes: an IPv4 + TCP packet with valid
/// checksums, optionally behind an Ethernet header. The simulator and the tests use it to make
/// captures that real tools (tcpdump, tshark) read like any other.
/// </summary>
public static class PacketBuilder
{
    /// <summary>Length of the Ethernet II header written by <see cref="WriteEthernet"/>.</summary>
    public const int EthernetHeaderLength = 14;

    private const int IpHeaderLength = 20;
    private const int TcpBaseLength = 20;

    /// <summary>Bytes of TCP options the layout takes on the wire, padded to a multiple of 4.</summary>
    public static int OptionBytes(TcpOptionLayout layout)
    {
        var n = 0;
        for (var i = 0; i < layout.Count; i++)
        {
            n += OptionLength(layout[i]);
        }

        return (n + 3) & ~3;
    }

    /// <summary>Total IP length of the packet: headers, options and payload.</summary>
    public static int IpLength(in PacketRecord p) => IpHeaderLength + TcpBaseLength + OptionBytes(p.Options) + p.PayloadLength;

    /// <summary>Writes an Ethernet frame (zero MAC addresses, ethertype IPv4) and returns its length.</summary>
    public static int WriteEthernet(in PacketRecord p, Span<byte> destination)
    {
        destination[..12].Clear();
        BinaryPrimitives.WriteUInt16BigEndian(destination[12..], 0x0800);
        return EthernetHeaderLength + WriteIpv4(p, destination[EthernetHeaderLength..]);
    }

    /// <summary>Writes the IPv4 packet and returns its length. The IP total length field is computed.</summary>
    public static int WriteIpv4(in PacketRecord p, Span<byte> destination)
    {
        var optionBytes = OptionBytes(p.Options);
        var tcpLength = TcpBaseLength + optionBytes;
        var total = IpHeaderLength + tcpLength + p.PayloadLength;
        var ip = destination[..total];
        ip.Clear();

        ip[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)total);
        BinaryPrimitives.WriteUInt16BigEndian(ip[4..], p.IpId);
        ip[8] = p.Ttl;
        ip[9] = 6;
        BinaryPrimitives.WriteUInt32BigEndian(ip[12..], p.Src);
        BinaryPrimitives.WriteUInt32BigEndian(ip[16..], p.Dst);
        BinaryPrimitives.WriteUInt16BigEndian(ip[10..], Checksum(ip[..IpHeaderLength], 0));

        var tcp = ip[IpHeaderLength..];
        BinaryPrimitives.WriteUInt16BigEndian(tcp, p.SrcPort);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[2..], p.DstPort);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[4..], p.Seq);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[8..], p.Ack);
        tcp[12] = (byte)((tcpLength / 4) << 4);
        tcp[13] = (byte)p.Flags;
        BinaryPrimitives.WriteUInt16BigEndian(tcp[14..], p.Window);
        WriteOptions(p, tcp.Slice(TcpBaseLength, optionBytes));

        uint pseudo = (p.Src >> 16) + (p.Src & 0xFFFF) + (p.Dst >> 16) + (p.Dst & 0xFFFF) + 6u + (uint)(tcpLength + p.PayloadLength);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[16..], Checksum(tcp[..(tcpLength + p.PayloadLength)], pseudo));
        return total;
    }

    private static int OptionLength(TcpOptionKind kind) => kind switch
    {
        TcpOptionKind.Eol or TcpOptionKind.Nop => 1,
        TcpOptionKind.Mss => 4,
        TcpOptionKind.WindowScale => 3,
        TcpOptionKind.SackPermitted => 2,
        TcpOptionKind.Timestamps => 10,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "only MSS, NOP, EOL, WS, SACK-permitted and timestamps can be written"),
    };

    private static void WriteOptions(in PacketRecord p, Span<byte> o)
    {
        var at = 0;
        for (var i = 0; i < p.Options.Count; i++)
        {
            switch (p.Options[i])
            {
                case TcpOptionKind.Eol:
                    o[at++] = 0;
                    break;
                case TcpOptionKind.Nop:
                    o[at++] = 1;
                    break;
                case TcpOptionKind.Mss:
                    o[at] = 2;
                    o[at + 1] = 4;
                    BinaryPrimitives.WriteUInt16BigEndian(o[(at + 2)..], p.Mss);
                    at += 4;
                    break;
                case TcpOptionKind.WindowScale:
                    o[at] = 3;
                    o[at + 1] = 3;
                    o[at + 2] = p.WindowScale;
                    at += 3;
                    break;
                case TcpOptionKind.SackPermitted:
                    o[at] = 4;
                    o[at + 1] = 2;
                    at += 2;
                    break;
                case TcpOptionKind.Timestamps:
                    o[at] = 8;
                    o[at + 1] = 10;
                    BinaryPrimitives.WriteUInt32BigEndian(o[(at + 2)..], (uint)(p.TimestampNs / 1_000_000_000));
                    at += 10;
                    break;
                default:
                    throw new InvalidOperationException($"cannot write TCP option {p.Options[i]}");
            }
        }
    }

    /// <summary>The Internet checksum (RFC 1071) of <paramref name="data"/> plus a pre-summed pseudo header.</summary>
    public static ushort Checksum(ReadOnlySpan<byte> data, uint initial)
    {
        ulong sum = initial;
        var i = 0;
        for (; i + 1 < data.Length; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
        }

        if (i < data.Length)
        {
            sum += (uint)data[i] << 8;
        }

        while ((sum >> 16) != 0)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        return (ushort)~sum;
    }
}
