using CsCheck;
using ScanScope.Telescope;

namespace ScanScope.Tests.Telescope;

public sealed class TelescopeSpaceTests
{
    [Theory]
    [InlineData("10.0.0.0/8", 0x0A000000u, 8)]
    [InlineData("192.0.2.7", 0xC0000207u, 32)]
    [InlineData("0.0.0.0/0", 0u, 0)]
    public void Cidr_Parses(string text, uint network, int prefix) => Assert.Equal(new TelescopeBlock(network, prefix), TelescopeBlock.Parse(text));

    [Theory]
    [InlineData("10.0.0.1/24", "host bits")]
    [InlineData("10.0.0/24", "four dotted")]
    [InlineData("10.0.0.256/32", "'256'")]
    [InlineData("10.0.0.0/33", "prefix length")]
    public void BadCidr_SaysWhy(string text, string problem)
    {
        Assert.False(TelescopeBlock.TryParse(text, out _, out var why));
        Assert.Contains(problem, why, StringComparison.Ordinal);
    }

    [Fact]
    public void Space_MergesOverlapsAndAnswersMembership()
    {
        var space = TelescopeSpace.Parse(["10.0.0.0/16", "10.0.128.0/17", "192.0.2.0/24", "10.1.0.0/16"]);

        Assert.Equal((2L * 65536) + 256, space.Size);
        Assert.True(space.Contains(TelescopeBlock.Parse("10.1.255.255").Network));
        Assert.True(space.Contains(TelescopeBlock.Parse("192.0.2.0").Network));
        Assert.False(space.Contains(TelescopeBlock.Parse("10.2.0.0").Network));
        Assert.False(space.Contains(TelescopeBlock.Parse("192.0.1.255").Network));
        Assert.False(space.Contains(TelescopeBlock.Parse("9.255.255.255").Network));
        Assert.Equal(space.Size, space.Addresses().LongCount());
    }

    [Fact]
    public void Contains_AgreesWithTheBlocks_ForAnyNumberOfRanges()
    {
        // Spaces of 1 to 40 random blocks (overlapping, adjacent or apart), probed at random and at
        // every block's edges: membership is "some block holds the address".
        var gen = from blocks in Gen.Select(Gen.UInt[0x0A000000u, 0x0A00FFFFu], Gen.Int[16, 32]).Array[1, 40]
                  from probes in Gen.UInt[0x09FFFF00u, 0x0A010100u].Array[50]
                  select (blocks: blocks.Select(b => new TelescopeBlock(b.Item1 & (uint.MaxValue << (32 - b.Item2)), b.Item2)).ToArray(), probes);
        gen.Sample(t =>
        {
            var space = new TelescopeSpace(t.blocks);
            var edges = t.blocks.SelectMany(b => new[] { b.Network - 1, b.Network, b.Last, b.Last + 1 });
            foreach (var a in t.probes.Concat(edges))
            {
                Assert.Equal(t.blocks.Any(b => b.Contains(a)), space.Contains(a));
            }
        });
    }

    [Fact]
    public void ContainsAll_AgreesWithCheckingEachAddress()
    {
        var space = TelescopeSpace.Parse(["10.0.0.0/24", "10.0.1.0/25", "10.0.2.0/24", "10.0.4.0/22"]);
        var gen = from first in Gen.UInt[0x0A000000u - 16, 0x0A000900u]
                  from length in Gen.UInt[0, 1100]
                  select (first, last: first + length);
        gen.Sample(t =>
        {
            var expected = true;
            for (var a = (long)t.first; a <= t.last; a++)
            {
                expected &= space.Contains((uint)a);
            }

            Assert.Equal(expected, space.ContainsAll(t.first, t.last));
        });
    }

    [Fact]
    public void InferredSpace_TakesEverySlash24WithTraffic()
    {
        var space = TelescopeSpace.Infer([0x0A000001u, 0x0A0000FFu, 0x0A000305u]);

        Assert.True(space.Inferred);
        Assert.Equal("10.0.0.0/24,10.0.3.0/24", space.ToString());
    }

    [Fact]
    public void ToString_PrintsTheFewestCidrs_ThatCoverTheSameAddresses()
    {
        // 256 inferred /24s of 10.0.0.0/16, one /24 of 10.1, and two /24s that are adjacent but not one aligned /23.
        var addresses = Enumerable.Range(0, 256).Select(i => 0x0A000000u + ((uint)i << 8) + 7)
            .Concat([0x0A010505u, 0x0A020100u, 0x0A020200u]);

        var space = TelescopeSpace.Infer(addresses);

        Assert.Equal(259, space.Blocks.Count);
        Assert.Equal("10.0.0.0/16,10.1.5.0/24,10.2.1.0/24,10.2.2.0/24", space.ToString());
        Assert.Equal("10.0.0.0/16", new TelescopeSpace([TelescopeBlock.Parse("10.0.0.0/24"), TelescopeBlock.Parse("10.0.0.0/16")]).ToString());
    }
}
