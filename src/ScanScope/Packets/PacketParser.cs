using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
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
        if (linkType == LinkType.Ethernet && frame.Length >= 14
            && BinaryPrimitives.ReadUInt16BigEndian(frame[12..]) == EtherTypeIpv4)
        {
            // Untagged Ethernet IPv4, nearly every telescope record: straight to the IP header.
            return ParseIpv4(frame[14..], timestampNs, out packet);
        }

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

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static SkipReason ParseIpv4(ReadOnlySpan<byte> ip, long timestampNs, out PacketRecord packet)
    {
        // The hot kernel: after the two length checks below, fixed header offsets are read without
        // further bounds checks (ip.Length >= ihl + 20 covers every read of the 20-byte TCP header).
        Unsafe.SkipInit(out packet);
        if (ip.Length < 20)
        {
            packet = default;
            return SkipReason.Truncated;
        }

        ref var b = ref MemoryMarshal.GetReference(ip);
        var first = b;
        var ihl = (first & 0xF) * 4;
        if (first >> 4 != 4 || ihl < 20)
        {
            packet = default;
            return first >> 4 == 6 ? SkipReason.Ipv6 : SkipReason.Malformed;
        }

        if (Unsafe.Add(ref b, 9) != 6)
        {
            packet = default;
            return SkipReason.NotTcp;
        }

        if ((U16(ref b, 6) & 0x3FFF) != 0)
        {
            packet = default;
            return SkipReason.Fragment;
        }

        if (ip.Length < ihl + 20)
        {
            packet = default;
            return SkipReason.Truncated;
        }

        var totalLength = U16(ref b, 2);
        ref var t = ref Unsafe.Add(ref b, ihl);
        var dataOffset = (Unsafe.Add(ref t, 12) >> 4) * 4;
        if (dataOffset < 20 || totalLength < ihl + dataOffset)
        {
            packet = default;
            return SkipReason.Malformed;
        }

        var layout = TcpOptionLayout.Empty;
        ushort mss = 0;
        byte windowScale = 0;
        if (dataOffset > 20)
        {
            ParseOptions(ip[(ihl + 20)..Math.Min(ihl + dataOffset, ip.Length)], out layout, out mss, out windowScale);
        }

        var dst = U32(ref b, 16);
        var ipId = U16(ref b, 4);
        var dstPort = U16(ref t, 2);
        var seq = U32(ref t, 4);
        var flags = (TcpFlags)Unsafe.Add(ref t, 13);
        var window = U16(ref t, 14);
        packet = new PacketRecord
        {
            TimestampNs = timestampNs,
            Src = U32(ref b, 12),
            Dst = dst,
            IpId = ipId,
            Ttl = Unsafe.Add(ref b, 8),
            IpTotalLength = totalLength,
            SrcPort = U16(ref t, 0),
            DstPort = dstPort,
            Seq = seq,
            Ack = U32(ref t, 8),
            Flags = flags,
            Window = window,
            Options = layout,
            Mss = mss,
            WindowScale = windowScale,
            PayloadLength = (ushort)(totalLength - ihl - dataOffset),
            Tool = Fingerprints.Classify(flags, ipId, dst, dstPort, seq, window, layout, mss, windowScale, totalLength),
        };
        return SkipReason.None;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ushort U16(ref byte b, int offset)
    {
        var v = Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref b, offset));
        return BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(v) : v;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint U32(ref byte b, int offset)
    {
        var v = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref b, offset));
        return BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(v) : v;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ParseOptions(ReadOnlySpan<byte> o, out TcpOptionLayout layout, out ushort mss, out byte windowScale)
    {
        // The layout is packed here directly (4 bits per option, first option lowest) rather than
        // through TcpOptionLayout.Append, which recounts the layout on every call.
        uint packed = 0;
        var shift = 0;
        mss = 0;
        windowScale = 0;
        var i = 0;
        while (i < o.Length && shift < 4 * TcpOptionLayout.Capacity)
        {
            var kind = o[i];
            TcpOptionKind code;
            var length = 1;
            if (kind <= 1)
            {
                code = kind == 0 ? TcpOptionKind.Eol : TcpOptionKind.Nop;
            }
            else if (i + 1 >= o.Length || o[i + 1] < 2 || i + o[i + 1] > o.Length)
            {
                packed |= (uint)TcpOptionKind.Other << shift;
                break;
            }
            else
            {
                length = o[i + 1];
                switch (kind)
                {
                    case 2 when length == 4:
                        mss = BinaryPrimitives.ReadUInt16BigEndian(o[(i + 2)..]);
                        code = TcpOptionKind.Mss;
                        break;
                    case 3 when length == 3:
                        windowScale = o[i + 2];
                        code = TcpOptionKind.WindowScale;
                        break;
                    case 4:
                        code = TcpOptionKind.SackPermitted;
                        break;
                    case 5:
                        code = TcpOptionKind.Sack;
                        break;
                    case 8:
                        code = TcpOptionKind.Timestamps;
                        break;
                    default:
                        code = TcpOptionKind.Other;
                        break;
                }
            }

            packed |= (uint)code << shift;
            shift += 4;
            i += length;
        }

        layout = new TcpOptionLayout(packed);
    }
}
