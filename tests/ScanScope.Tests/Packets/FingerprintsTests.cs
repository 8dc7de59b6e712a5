using ScanScope.Packets;

namespace ScanScope.Tests.Packets;

/// <summary>One test per rule of scanner-internals.md §6, with packets built from the documented formulas, and near misses.</summary>
public sealed class FingerprintsTests
{
    private static readonly Random Random = new(11);

    private static PacketRecord Syn()
    {
        var r = new Random(Random.Next());
        return new PacketRecord
        {
            Src = (uint)r.Next(), Dst = 0x2C0A0000 | (uint)r.Next(65536), SrcPort = (ushort)r.Next(32768, 61000), DstPort = 80,
            Seq = (uint)r.NextInt64(1L << 32), IpId = 1, Flags = TcpFlags.Syn, Window = 5840, Ttl = 50, IpTotalLength = 40,
        };
    }

    [Fact]
    public void ZMapClassic_IpId54321WithWindow65535()
    {
        var p = Syn() with { IpId = 54321, Window = 65535, Ttl = 243 };
        Assert.Equal(Toolchain.ZMap, Fingerprints.Classify(p));
        Assert.Equal(Toolchain.ZMap, Fingerprints.Classify(p with { Options = Fingerprints.MssOnlyLayout, Mss = 1460, IpTotalLength = 44 }));
    }

    [Fact]
    public void ZMapRandomId_Window65535WithTheWindowsOptionString()
    {
        var p = Syn() with { Window = 65535, Options = Fingerprints.ZMapWindowsLayout, Mss = 1460, WindowScale = 8, IpTotalLength = 52, IpId = 999 };
        Assert.Equal(Toolchain.ZMapRandomId, Fingerprints.Classify(p));
    }

    [Fact]
    public void Masscan_IpIdIsDstXorDportXorSeq()
    {
        var p = Syn() with { Window = 1024, Ttl = 255 };
        p = p with { IpId = (ushort)((p.Dst ^ p.DstPort ^ p.Seq) & 0xFFFF) };
        Assert.Equal(Toolchain.Masscan, Fingerprints.Classify(p));
    }

    [Fact]
    public void Mirai_SeqEqualsDestination()
    {
        var p = Syn() with { DstPort = 23, Window = 31337, Ttl = 64 };
        Assert.Equal(Toolchain.Mirai, Fingerprints.Classify(p with { Seq = p.Dst }));
    }

    [Fact]
    public void Nmap_Window1024WithMss1460Only()
    {
        var p = Syn() with { Window = 1024, Options = Fingerprints.MssOnlyLayout, Mss = 1460, IpTotalLength = 44, Ttl = 45 };
        Assert.Equal(Toolchain.Nmap, Fingerprints.Classify(p));
    }

    [Fact]
    public void PacketsThatAlmostMatch_AreUnknown()
    {
        var zmap = Syn() with { IpId = 54321, Window = 65535 };
        var masscan = Syn() with { Window = 1024 };
        masscan = masscan with { IpId = (ushort)((masscan.Dst ^ masscan.DstPort ^ masscan.Seq) + 1) };
        var zmap4 = Syn() with { Window = 65535, Options = Fingerprints.ZMapWindowsLayout, Mss = 1460, WindowScale = 8 };
        var nmap = Syn() with { Window = 1024, Options = Fingerprints.MssOnlyLayout, Mss = 1460, IpTotalLength = 44 };
        var mirai = Syn();
        var nearMisses = new[]
        {
            zmap with { IpId = 54320 },
            zmap with { Window = 65534 },
            zmap with { Flags = TcpFlags.Syn | TcpFlags.Ack },
            masscan,
            mirai with { Seq = mirai.Dst + 1 },
            mirai with { Seq = mirai.Dst, Flags = TcpFlags.Rst },
            zmap4 with { Options = TcpOptionLayout.Of(TcpOptionKind.Mss, TcpOptionKind.Nop, TcpOptionKind.WindowScale, TcpOptionKind.SackPermitted, TcpOptionKind.Nop, TcpOptionKind.Nop) },
            zmap4 with { WindowScale = 7 },
            zmap4 with { Mss = 1400 },
            zmap4 with { Window = 64240 },
            nmap with { Mss = 1440 },
            nmap with { Window = 1025 },
            nmap with { Options = TcpOptionLayout.Of(TcpOptionKind.Mss, TcpOptionKind.Nop) },
        };
        foreach (var p in nearMisses)
        {
            Assert.True(Fingerprints.Classify(p) == Toolchain.Unknown, $"{p} should be unknown");
        }
    }

    [Fact]
    public void ToolNames_RoundTrip_AndZmapNamesBothKinds()
    {
        foreach (var tool in Enum.GetValues<Toolchain>())
        {
            Assert.True(Fingerprints.TryParse(Fingerprints.Name(tool), out var set));
            Assert.True(set.Contains(tool));
        }

        Assert.True(Fingerprints.TryParse("ZMap", out var zmap));
        Assert.Equal("zmap,zmap-random-id", zmap.ToString());
        Assert.False(Fingerprints.TryParse("zmapp", out _));
    }
}
