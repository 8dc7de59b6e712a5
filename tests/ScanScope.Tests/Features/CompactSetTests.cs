using CsCheck;
using ScanScope.Features;

namespace ScanScope.Tests.Features;

public sealed class CompactSetTests
{
    [Fact]
    public void AddAndUnion_AgreeWithHashSet_AcrossArrayAndBitmapForms()
    {
        // Value ranges from dense (bitmap form) to sparse (chunks far apart), sizes across the array limit.
        var gen = from range in Gen.OneOf(16u, 5000u, 100_000u, uint.MaxValue)
                  from a in Gen.UInt[0, range - 1].Array[0, 3000]
                  from b in Gen.UInt[0, range - 1].Array[0, 3000]
                  select (a, b);
        gen.Sample(
            t =>
            {
                var x = default(CompactSet);
                var y = default(CompactSet);
                var hx = new HashSet<uint>();
                foreach (var v in t.a)
                {
                    Assert.Equal(hx.Add(v), x.Add(v));
                }

                foreach (var v in t.b)
                {
                    y.Add(v);
                }

                Assert.Equal(hx.Order(), x.Values());
                if (hx.Count > 0)
                {
                    Assert.Equal((hx.Min(), hx.Max()), (x.Min, x.Max));
                }

                var before = x.Clone();
                x.UnionWith(y);
                hx.UnionWith(t.b);
                Assert.Equal(hx.Count, x.Count);
                Assert.Equal(hx.Order(), x.Values());
                Assert.All(t.b, v => Assert.True(x.Contains(v)));
                Assert.Equal(t.a.Distinct().Count(), before.Count);
            },
            iter: 200,
            seed: "0N0XIzNsQ0O4");
    }

    [Fact]
    public void LargeSet_IsPromotedToABitmapThatCostsLessThanAnArray()
    {
        var set = default(CompactSet);
        for (uint v = 0; v < 65536; v++)
        {
            set.Add(0x0A000000u + v);
        }

        Assert.Equal(65536, set.Count);
        Assert.InRange(set.HeapBytes, 8192, 10_000);
    }
}
