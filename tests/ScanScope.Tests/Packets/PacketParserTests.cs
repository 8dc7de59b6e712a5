using System.Buffers.Binary;
using ScanScope.Capture;
using ScanScope.Packets;

namespace ScanScope.Tests.Packets;

public sealed class PacketParserTests
{
    private static readonly PacketRecord Probe = new()
    {
        TimestampNs = 77, Src = 0x01020304, Dst = 0x2C0A0506, SrcPort = 40000, DstPort = 8080, IpId = 4321, Ttl = 51,
        Flags = TcpFlags.Syn, Seq = 0x01234567, Ack = 0, Window = 29200, Mss = 1460, WindowScale = 7, PayloadLength = 3,
        Options = TcpOptionLayout.Of(TcpOptionKind.Mss, TcpOptionKind.SackPermitted, TcpOptionKind.Timestamps, TcpOptionKind.Nop, TcpOptionKind.WindowScale),
    };

    public static TheoryData<string> LinkTypes() => ["ethernet", "vlan", "qinq", "sll", "sll2", "raw", "ipv4", "null-le", "null-be", "loop"];

    [Theory]
    [MemberData(nameof(LinkTypes))]
    public void EveryLinkType_GivesTheSameFields(string kind)
    {
        var ip = new byte[100];
        var n = PacketBuilder.WriteIpv4(Probe, ip);
        var (linkType, header) = Header(kind);
        var frame = header.Concat(ip[..n]).ToArray();
        Assert.Equal(SkipReason.None, PacketParser.TryParse(frame, linkType, 77, out var p));
        Assert.Equal(Probe with { IpTotalLength = (ushort)n }, p);
    }

    [Fact]
    public void Ipv6Fragment_NonTcp_Truncated_AndUnknownLinkType_AreSkippedWithTheirReason()
    {
        var ip = new byte[100];
        var n = PacketBuilder.WriteIpv4(Probe, ip);
        var frame = ip[..n];
        Assert.Equal(SkipReason.Ipv6, Parse(LinkType.Raw, [0x60, .. new byte[60]]));
        var fragment = (byte[])frame.Clone();
        fragment[6] = 0x20; // more fragments
        Assert.Equal(SkipReason.Fragment, Parse(LinkType.Raw, fragment));
        var udp = (byte[])frame.Clone();
        udp[9] = 17;
        Assert.Equal(SkipReason.NotTcp, Parse(LinkType.Raw, udp));
        Assert.Equal(SkipReason.Truncated, Parse(LinkType.Raw, frame[..30]));
        var badIhl = (byte[])frame.Clone();
        badIhl[0] = 0x43;
        Assert.Equal(SkipReason.Malformed, Parse(LinkType.Raw, badIhl));
        Assert.Equal(SkipReason.UnsupportedLinkType, Parse((LinkType)147, frame));
        Assert.Equal(SkipReason.NotIp, Parse(LinkType.Ethernet, [.. new byte[12], 0x08, 0x06, .. new byte[28]]));
    }

    [Fact]
    public void OptionsBeyondTheCapturedBytes_AreNotRead()
    {
        var ip = new byte[100];
        var n = PacketBuilder.WriteIpv4(Probe, ip);
        Assert.Equal(SkipReason.None, PacketParser.TryParse(ip.AsSpan(0, 44), LinkType.Raw, 0, out var p));
        Assert.Equal(1460, p.Mss);
        Assert.Equal((ushort)n, p.IpTotalLength);
    }

    private static SkipReason Parse(LinkType linkType, byte[] frame) => PacketParser.TryParse(frame, linkType, 0, out _);

    private static (LinkType, byte[]) Header(string kind)
    {
        byte[] Ether(params ushort[] types)
        {
            var h = new byte[12 + (2 * types.Length) + (2 * (types.Length - 1))];
            var at = 12;
            for (var i = 0; i < types.Length; i++)
            {
                BinaryPrimitives.WriteUInt16BigEndian(h.AsSpan(at), types[i]);
                at += i < types.Length - 1 ? 4 : 2;
            }

            return h;
        }

        var sll = new byte[16];
        BinaryPrimitives.WriteUInt16BigEndian(sll.AsSpan(14), 0x0800);
        var sll2 = new byte[20];
        BinaryPrimitives.WriteUInt16BigEndian(sll2, 0x0800);
        return kind switch
        {
            "ethernet" => (LinkType.Ethernet, Ether(0x0800)),
            "vlan" => (LinkType.Ethernet, Ether(0x8100, 0x0800)),
            "qinq" => (LinkType.Ethernet, Ether(0x88A8, 0x8100, 0x0800)),
            "sll" => (LinkType.LinuxSll, sll),
            "sll2" => (LinkType.LinuxSll2, sll2),
            "raw" => (LinkType.Raw, []),
            "ipv4" => (LinkType.Ipv4, []),
            "null-le" => (LinkType.Null, [2, 0, 0, 0]),
            "null-be" => (LinkType.Null, [0, 0, 0, 2]),
            "loop" => (LinkType.Loop, [0, 0, 0, 2]),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
    }
}
