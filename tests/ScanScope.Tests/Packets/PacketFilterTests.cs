using ScanScope.Packets;

namespace ScanScope.Tests.Packets;

public sealed class PacketFilterTests
{
    private static readonly PacketRecord P = new() { TimestampNs = 1000, Dst = 0x2C0A0102, DstPort = 443, Flags = TcpFlags.Syn, Tool = Toolchain.Masscan };

    [Fact]
    public void EmptyFilter_KeepsEverything() => Assert.True(PacketFilter.All.Matches(P) && PacketFilter.All.KeepsAll);

    [Fact]
    public void TimeWindow_IsHalfOpen()
    {
        var f = new PacketFilter { FromNs = 1000, ToNs = 2000 };
        Assert.True(f.Matches(P));
        Assert.False(f.Matches(P with { TimestampNs = 999 }));
        Assert.True(f.Matches(P with { TimestampNs = 1999 }));
        Assert.False(f.Matches(P with { TimestampNs = 2000 }));
    }

    [Fact]
    public void EachCriterion_Rejects()
    {
        Assert.False(new PacketFilter { Telescope = CidrSet.Parse("44.11.0.0/16") }.Matches(P));
        Assert.True(new PacketFilter { Telescope = CidrSet.Parse("10.0.0.0/8,44.10.1.0/24") }.Matches(P));
        Assert.False(new PacketFilter { SynOnly = true }.Matches(P with { Flags = TcpFlags.Syn | TcpFlags.Ack }));
        Assert.False(new PacketFilter { Tools = ToolchainSet.Of(Toolchain.ZMap) }.Matches(P));
        Assert.True(new PacketFilter { Tools = ToolchainSet.Of(Toolchain.ZMap, Toolchain.Masscan) }.Matches(P));
        Assert.False(new PacketFilter { Ports = PortSet.Parse("80,8000-8100") }.Matches(P));
        Assert.True(new PacketFilter { Ports = PortSet.Parse("80,400-500") }.Matches(P));
    }

    [Fact]
    public void PortSet_ParsesRanges_AndRejectsBadOnes()
    {
        var s = PortSet.Parse("80, 443,8000-8002");
        Assert.Equal(5, s.Count);
        Assert.True(s.Contains(8001) && !s.Contains(8003) && !s.Contains(81));
        Assert.Throws<FormatException>(() => PortSet.Parse("90-80"));
        Assert.Throws<FormatException>(() => PortSet.Parse("70000"));
        Assert.Throws<FormatException>(() => PortSet.Parse("http"));
    }
}
