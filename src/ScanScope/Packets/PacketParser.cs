using System.Buffers.Binary;
using ScanScope.Capture;

namespace ScanScope.Packets;

/// <summary>Decodes one captured frame into a <see cref="PacketRecord"/>, without allocating.</summary>
public static class PacketParser
{
    private const ushort EtherTypeIpv4 = 0x0800;
    private const ushort EtherTypeIpv6 = 0x86DD;
    private const ushort EtherTypeVlan = 0x8100;
    private const ushort EtherTypeQinQ = 0x88A8;
    private const ushort EtherTypeQinQOld = 0x9100;

    /// <summary>
    /// Parses a frame of the given link type. Returns <see cref="SkipReason.None"/> and fills
    /// <paramref name="packet"/> for an IPv4 TCP packet; otherwise says why it was skipped.
    /// </summary>
    public static SkipReason TryParse(ReadOnlySpan<byte> frame, LinkType linkType, long timestampNs, out PacketRecord packet)
    {
        packet = default;
        var reason = Network(frame, linkType, out var ip);
        return reason != SkipReason.None ? reason : ParseIpv4(ip, timestampNs, out packet);
    }

    private static SkipReason Network(ReadOnlySpan<byte> frame, LinkType linkType, out ReadOnlySpan<byte> ip)
    {
        ip = default;
        ushort etherType;
        switch (linkType)
        {
            case LinkType.Ethernet:
                if (frame.Length < 14)
                {
                    return SkipReason.Truncated;
                }

                etherType = BinaryPrimitives.ReadUInt16BigEndian(frame[12..]);
                var at = 14;
                while (etherType is EtherTypeVlan or EtherTypeQinQ or EtherTypeQinQOld)
                {
                    if (frame.Length < at + 4)
                    {
                        return SkipReason.Truncated;
                    }

                    etherType = BinaryPrimitives.ReadUInt16BigEndian(frame[(at + 2)..]);
                    at += 4;
                }

                ip = frame[at..];
                break;
            case LinkType.Raw or LinkType.Ipv4:
                ip = frame;
                etherType = frame.Length > 0 && (frame[0] >> 4) == 6 ? EtherTypeIpv6 : EtherTypeIpv4;
                break;
            case LinkType.LinuxSll:
                if (frame.Length < 16)
                {
                    return SkipReason.Truncated;
                }

                etherType = BinaryPrimitives.ReadUInt16BigEndian(frame[14..]);
                ip = frame[16..];
                break;
            case LinkType.LinuxSll2:
                if (frame.Length < 20)
                {
                    return SkipReason.Truncated;
                }

                etherType = BinaryPrimitives.ReadUInt16BigEndian(frame);
                ip = frame[20..];
                break;
            case LinkType.Null or LinkType.Loop:
                if (frame.Length < 4)
                {
                    return SkipReason.Truncated;
                }

                // The family is in the sender's byte order (Null) or network order (Loop): AF_INET is 2
                // everywhere; AF_INET6 is 24, 28 or 30 depending on the BSD.
                var family = BinaryPrimitives.ReadUInt32LittleEndian(frame);
                if (family > 0xFFFF)
                {
                    family = BinaryPrimitives.ReverseEndianness(family);
                }

                etherType = family == 2 ? EtherTypeIpv4 : family is 24 or 28 or 30 ? EtherTypeIpv6 : (ushort)0;
                ip = frame[4..];
                break;
            default:
                return SkipReason.UnsupportedLinkType;
        }

        return etherType switch
        {
            EtherTypeIpv4 => SkipReason.None,
            EtherTypeIpv6 => SkipReason.Ipv6,
            _ => SkipReason.NotIp,
        };
    }

    private static SkipReason ParseIpv4(ReadOnlySpan<byte> ip, long timestampNs, out PacketRecord packet)
    {
        packet = default;
        if (ip.Length < 20)
        {
            return SkipReason.Truncated;
        }

        var version = ip[0] >> 4;
        if (version == 6)
        {
            return SkipReason.Ipv6;
        }

        var ihl = (ip[0] & 0xF) * 4;
        if (version != 4 || ihl < 20)
        {
            return SkipReason.Malformed;
        }

        if (ip[9] != 6)
        {
            return SkipReason.NotTcp;
        }

        var fragment = BinaryPrimitives.ReadUInt16BigEndian(ip[6..]);
        if ((fragment & 0x3FFF) != 0)
        {
            return SkipReason.Fragment;
        }

        var totalLength = BinaryPrimitives.ReadUInt16BigEndian(ip[2..]);
        if (ip.Length < ihl + 20)
        {
            return SkipReason.Truncated;
        }

        var tcp = ip[ihl..];
        var dataOffset = (tcp[12] >> 4) * 4;
        if (dataOffset < 20 || totalLength < ihl + dataOffset)
        {
            return SkipReason.Malformed;
        }

        var optionsEnd = Math.Min(dataOffset, tcp.Length);
        ParseOptions(tcp[20..optionsEnd], out var layout, out var mss, out var windowScale);

        packet = new PacketRecord
        {
            TimestampNs = timestampNs,
            Src = BinaryPrimitives.ReadUInt32BigEndian(ip[12..]),
            Dst = BinaryPrimitives.ReadUInt32BigEndian(ip[16..]),
            IpId = BinaryPrimitives.ReadUInt16BigEndian(ip[4..]),
            Ttl = ip[8],
            IpTotalLength = totalLength,
            SrcPort = BinaryPrimitives.ReadUInt16BigEndian(tcp),
            DstPort = BinaryPrimitives.ReadUInt16BigEndian(tcp[2..]),
            Seq = BinaryPrimitives.ReadUInt32BigEndian(tcp[4..]),
            Ack = BinaryPrimitives.ReadUInt32BigEndian(tcp[8..]),
            Flags = (TcpFlags)tcp[13],
            Window = BinaryPrimitives.ReadUInt16BigEndian(tcp[14..]),
            Options = layout,
            Mss = mss,
            WindowScale = windowScale,
            PayloadLength = (ushort)(totalLength - ihl - dataOffset),
        };
        return SkipReason.None;
    }

    private static void ParseOptions(ReadOnlySpan<byte> o, out TcpOptionLayout layout, out ushort mss, out byte windowScale)
    {
        layout = TcpOptionLayout.Empty;
        mss = 0;
        windowScale = 0;
        var i = 0;
        while (i < o.Length)
        {
            var kind = o[i];
            if (kind == 0)
            {
                layout = layout.Append(TcpOptionKind.Eol);
                i++;
                continue;
            }

            if (kind == 1)
            {
                layout = layout.Append(TcpOptionKind.Nop);
                i++;
                continue;
            }

            if (i + 1 >= o.Length || o[i + 1] < 2 || i + o[i + 1] > o.Length)
            {
                layout = layout.Append(TcpOptionKind.Other);
                return;
            }

            var length = o[i + 1];
            switch (kind)
            {
                case 2 when length == 4:
                    mss = BinaryPrimitives.ReadUInt16BigEndian(o[(i + 2)..]);
                    layout = layout.Append(TcpOptionKind.Mss);
                    break;
                case 3 when length == 3:
                    windowScale = o[i + 2];
                    layout = layout.Append(TcpOptionKind.WindowScale);
                    break;
                case 4:
                    layout = layout.Append(TcpOptionKind.SackPermitted);
                    break;
                case 5:
                    layout = layout.Append(TcpOptionKind.Sack);
                    break;
                case 8:
                    layout = layout.Append(TcpOptionKind.Timestamps);
                    break;
                default:
                    layout = layout.Append(TcpOptionKind.Other);
                    break;
            }

            i += length;
        }
    }
}
