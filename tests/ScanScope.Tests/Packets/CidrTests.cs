using ScanScope.Packets;

namespace ScanScope.Tests.Packets;

public sealed class CidrTests
{
    [Fact]
    public void Parse_ClearsHostBits_AndContainsItsRange()
    {
        var c = Cidr.Parse("44.10.200.7/16");
        Assert.Equal("44.10.0.0/16", c.ToString());
        Assert.True(c.Contains(0x2C0AFFFF));
        Assert.False(c.Contains(0x2C0B0000));
        Assert.Equal(65536, c.Size);
        Assert.Equal(Cidr.Parse("1.2.3.4/32"), Cidr.Parse("1.2.3.4"));
        Assert.True(Cidr.Parse("0.0.0.0/0").Contains(uint.MaxValue));
    }

    [Theory]
    [InlineData("44.10.0.0/33")]
    [InlineData("44.10.0/16")]
    [InlineData("44.10.0.256/16")]
    [InlineData("44.10.0.0/")]
    [InlineData("")]
    public void Parse_RejectsWhatIsNotAPrefix(string text) => Assert.False(Cidr.TryParse(text, out _));

    [Fact]
    public void CidrSet_AgreesWithCheckingEachPrefix_OnRandomSetsAndAddresses()
    {
        var random = new Random(5);
        for (var round = 0; round < 50; round++)
        {
            var prefixes = Enumerable.Range(0, random.Next(1, 40)).Select(_ => new Cidr((uint)random.NextInt64(1L << 32), random.Next(4, 33))).ToList();
            var set = new CidrSet(prefixes);
            for (var i = 0; i < 2000; i++)
            {
                var probe = prefixes[random.Next(prefixes.Count)];
                var a = i % 2 == 0 ? (uint)random.NextInt64(1L << 32) : probe.Network + (uint)random.NextInt64(Math.Min(probe.Size + 2, 1L << 32)) - 1;
                Assert.Equal(prefixes.Any(p => p.Contains(a)), set.Contains(a));
            }

            var union = prefixes.SelectMany(p => new[] { p.Network, p.Last }).Distinct();
            Assert.True(set.Size <= prefixes.Sum(p => p.Size));
            Assert.All(union, a => Assert.True(set.Contains(a)));
        }
    }

    [Fact]
    public void CidrSet_MergesOverlappingAndAdjacentPrefixes()
    {
        var s = CidrSet.Parse("10.0.0.0/25,10.0.0.128/25,10.0.0.0/24,192.168.1.0/24");
        Assert.Equal(2, s.RangeCount);
        Assert.Equal(512, s.Size);
    }
}
