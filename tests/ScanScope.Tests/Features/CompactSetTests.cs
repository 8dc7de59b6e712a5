using CsCheck;
using ScanScope;
using ScanScope.Features;

namespace ScanScope.Tests.Features;

public sealed class CompactSetTests
{
    [Fact]
    public void AddAndUnion_AgreeWithHashSet_AcrossInlineBlockAndBitmapForms()
    {
        // Value ranges from dense (bitmap form) to sparse (chunks far apart), sizes across the block limit;
        // the two sets live in different stores, as two partial states do.
        var gen = from range in Gen.OneOf(16u, 5000u, 100_000u, uint.MaxValue)
                  from a in Gen.UInt[0, range - 1].Array[0, 3000]
                  from b in Gen.UInt[0, range - 1].Array[0, 3000]
                  select (a, b);
        gen.Sample(
            t =>
            {
                var mine = new SlabStore();
                var theirs = new SlabStore();
                var x = default(CompactSet);
                var y = default(CompactSet);
                var hx = new HashSet<uint>();
                foreach (var v in t.a)
                {
                    Assert.Equal(hx.Add(v), x.Add(v, mine));
                }

                foreach (var v in t.b)
                {
                    y.Add(v, theirs);
                }

                Assert.Equal(hx.Order(), x.Values(mine));
                if (hx.Count > 0)
                {
                    Assert.Equal((hx.Min(), hx.Max()), (x.Min(mine), x.Max(mine)));
                }

                var before = x.CopyTo(mine, mine);
                x.UnionWith(y, theirs, mine);
                hx.UnionWith(t.b);
                Assert.Equal(hx.Count, x.Count);
                Assert.Equal(hx.Order(), x.Values(mine));
                Assert.All(t.b, v => Assert.True(x.Contains(v, mine)));
                Assert.Equal(t.a.Distinct().Order(), before.Values(mine));
            },
            iter: 200,
            seed: "0N0XIzNsQ0O4");
    }

    [Fact]
    public void MixedChunks_SparseArraysAndFullBitmapsInOneSet_AgreeWithHashSet()
    {
        // Values scattered over a /8 (array chunks of a sparse set) mixed with a few hot chunks that
        // fill past 64 values (arrays turning into bitmaps inside a sparse set); the two sets mix
        // differently, so unions meet array and bitmap chunks of the same key in both directions.
        var gen = from scattered in Gen.Int[0, 4000]
                  from hot in Gen.Int[0, 3]
                  from perHot in Gen.Int[0, 600]
                  from otherScattered in Gen.Int[0, 4000]
                  from seed in Gen.Int
                  select (scattered, hot, perHot, otherScattered, seed);
        gen.Sample(
            t =>
            {
                var random = new Random(t.seed);
                uint Scattered() => 0x2A000000u + (uint)random.Next(1 << 24);
                uint Hot(int chunk) => 0x2A000000u + ((uint)chunk << 12) + (uint)random.Next(4096);
                var a = Enumerable.Range(0, t.scattered).Select(_ => Scattered())
                    .Concat(Enumerable.Range(0, t.hot * t.perHot).Select(i => Hot(i % Math.Max(1, t.hot)))).ToArray();
                var b = Enumerable.Range(0, t.otherScattered).Select(_ => Scattered())
                    .Concat(Enumerable.Range(0, t.perHot).Select(_ => Hot(0))).ToArray();
                random.Shuffle(a);

                var mine = new SlabStore();
                var theirs = new SlabStore();
                var x = default(CompactSet);
                var y = default(CompactSet);
                var expected = new HashSet<uint>();
                foreach (var v in a)
                {
                    Assert.Equal(expected.Add(v), x.Add(v, mine));
                }

                foreach (var v in b)
                {
                    y.Add(v, theirs);
                }

                Assert.Equal(expected.Count, x.Count);
                Assert.Equal(expected.Order(), x.Values(mine));
                Assert.All(a.Take(50), v => Assert.True(x.Contains(v, mine)));

                var yCopy = y.CopyTo(theirs, theirs);
                x.UnionWith(y, theirs, mine);
                expected.UnionWith(b);
                Assert.Equal(expected.Count, x.Count);
                Assert.Equal(expected.Order(), x.Values(mine));
                Assert.False(x.Contains(0x2B000000u, mine));

                // And the other way round: the sparse-or-dense other side absorbing this one.
                yCopy.UnionWith(x, mine, theirs);
                Assert.Equal(expected.Count, yCopy.Count);
                Assert.Equal(expected.Order(), yCopy.Values(theirs));
            },
            iter: 120,
            seed: "0N0XIzNsQ0O4");
    }

    [Fact]
    public void EdgeValues_ZeroAndAllOnes_AreKeptExactly_InEveryForm()
    {
        // uint.MaxValue marks an empty hash slot: the set must still hold it (as its largest value).
        foreach (var size in new[] { 1, 2, 3, 5, 100, 255, 256, 257, 600 })
        {
            var store = new SlabStore();
            var other = new SlabStore();
            var set = default(CompactSet);
            var expected = new HashSet<uint>();
            uint[] edges = [uint.MaxValue, 0, uint.MaxValue - 1];
            var values = edges.Concat(Enumerable.Range(1, size).Select(i => (uint)i * 2654435761u)).ToArray();
            foreach (var v in values.Concat(values))
            {
                Assert.Equal(expected.Add(v), set.Add(v, store));
                Assert.Equal(expected.Count, set.Count);
            }

            Assert.Equal(expected.Order(), set.Values(store));
            Assert.All(edges, v => Assert.True(set.Contains(v, store)));
            Assert.False(set.Contains(12345, store));
            Assert.Equal((expected.Min(), expected.Max()), (set.Min(store), set.Max(store)));

            var union = default(CompactSet);
            union.Add(uint.MaxValue, other);
            union.Add(7, other);
            union.UnionWith(set, store, other);
            expected.Add(7);
            Assert.Equal(expected.Order(), union.Values(other));
        }
    }

    [Fact]
    public void AddMany_AgreesWithHashSet_FromEveryFormAndAcrossTheBlockLimit()
    {
        // A set grown one value at a time to some size (inline, block or bitmap), then batches in any
        // order with repeats: merges that stay in a block, that cross into a bitmap, and bitmap adds.
        var gen = from range in Gen.OneOf(16u, 5000u, 300_000u, uint.MaxValue)
                  from first in Gen.UInt[0, range - 1].Array[0, 1500]
                  from batches in Gen.UInt[0, range - 1].Array[0, 1200].Array[1, 4]
                  select (first, batches);
        gen.Sample(
            t =>
            {
                var store = new SlabStore();
                var set = default(CompactSet);
                var expected = new HashSet<uint>();
                foreach (var v in t.first)
                {
                    set.Add(v, store);
                    expected.Add(v);
                }

                var scratch = new uint[CompactSet.ArrayLimit + 1200];
                foreach (var batch in t.batches)
                {
                    var before = expected.Count;
                    expected.UnionWith(batch);
                    Assert.Equal(expected.Count - before, set.AddMany((uint[])batch.Clone(), store, scratch));
                    Assert.Equal(expected.Count, set.Count);
                }

                Assert.Equal(expected.Order(), set.Values(store));
                if (expected.Count > 0)
                {
                    Assert.Equal((expected.Min(), expected.Max()), (set.Min(store), set.Max(store)));
                }

                Assert.All(expected, v => Assert.True(set.Contains(v, store)));

                // The store is still consistent: blocks freed by merges are reused without harm.
                var other = default(CompactSet);
                foreach (var v in t.first)
                {
                    other.Add(v ^ 1, store);
                }

                Assert.Equal(expected.Order(), set.Values(store));
            },
            iter: 300,
            seed: "0N0XIzNsQ0O5");
    }

    [Fact]
    public void RadixSort_AgreesWithTheRuntimeSort()
    {
        // Full-range values, and values sharing their upper bytes (one telescope), whose passes are skipped.
        var gen = from high in Gen.OneOf(Gen.Const(0u), Gen.Const(0x0A0B0000u), Gen.UInt)
                  from mask in Gen.OneOf(Gen.Const(0xFFFFu), Gen.Const(0xFFFFFFFFu), Gen.Const(0xFFu))
                  from values in Gen.UInt.Array[0, 3000]
                  select values.Select(v => high ^ (v & mask)).ToArray();
        gen.Sample(values =>
        {
            var expected = values.Order().ToArray();
            var scratch = new uint[values.Length];
            SortedSpan.Sort(values, scratch);
            Assert.Equal(expected, values);
        });
    }

    [Fact]
    public void RadixSort64_AgreesWithTheRuntimeSort_AndIsStableOverTheUpperBytes()
    {
        // (destination << 32 | host or index) pairs as confirmation sorts them: full-range and one-telescope destinations.
        var gen = from high in Gen.OneOf(Gen.Const(0UL), Gen.Const(0x0A0B_0000_0000_0000UL), Gen.ULong)
                  from mask in Gen.OneOf(Gen.Const(0xFFFF_0000_00FFUL), Gen.Const(ulong.MaxValue), Gen.Const(0xFF_0000_0FFFUL))
                  from values in Gen.ULong.Array[0, 3000]
                  select values.Select(v => high ^ (v & mask)).ToArray();
        gen.Sample(values =>
        {
            var byUpper = values.OrderBy(v => v >> 32).ToArray();
            var copy = values.ToArray();
            SortedSpan.Sort<ulong>(copy, new ulong[copy.Length], lowBytesToSkip: 4);
            Assert.Equal(byUpper, copy);

            var expected = values.Order().ToArray();
            SortedSpan.Sort<ulong>(values, new ulong[values.Length]);
            Assert.Equal(expected, values);
        });
    }

    [Fact]
    public void LowerBound_IsTheFirstIndexNotBelowTheValue()
    {
        var gen = from values in Gen.UInt[0, 50].Array[0, 300]
                  from probe in Gen.UInt[0, 52]
                  select (values, probe);
        gen.Sample(t =>
        {
            var sorted = t.values.Order().ToArray();
            var expected = Array.FindIndex(sorted, v => v >= t.probe);
            Assert.Equal(expected < 0 ? sorted.Length : expected, CompactSet.LowerBound(sorted, t.probe));
        });
    }

    [Fact]
    public void ManySmallSets_ShareTheStoreAndReuseFreedBlocks()
    {
        var store = new SlabStore();
        var sets = new CompactSet[1000];
        for (uint round = 0; round < 64; round++)
        {
            for (var i = 0; i < sets.Length; i++)
            {
                sets[i].Add((uint)(i * 1000) + round, store);
            }
        }

        Assert.All(sets, s => Assert.Equal(64, s.Count));
        Assert.Equal(Enumerable.Range(0, 64).Select(r => (uint)(7000 + r)), sets[7].Values(store));

        // 1000 sets of 64 values need 256 KB; growing them by doubling frees every smaller block for
        // reuse: the small first page (64 KB) and one 4 MB page.
        Assert.Equal((64L << 10) + (4L << 20), store.Bytes);
    }

    [Fact]
    public void LargeSet_IsPromotedToABitmapThatCostsLessThanABlock()
    {
        var store = new SlabStore();
        var set = default(CompactSet);
        for (uint v = 0; v < 65536; v++)
        {
            set.Add(0x0A000000u + v, store);
        }

        // A full /16 is 16 bitmap chunks (8 KB), with room left from growing: far below a 256 KB block.
        Assert.Equal(65536, set.Count);
        Assert.InRange(set.HeapBytes(store), 8192, 14_000);
    }

    [Fact]
    public void SparseLargeSet_KeepsArraysOfOffsets_NotAChunkBitmapPerChunk()
    {
        // A scanner's share of a telescope of 112 /16s: 30,000 destinations, every 4096-address chunk
        // touched at ~0.4% density. As bitmaps that was 1,792 chunks of 512 bytes (~0.9 MB); as arrays of
        // 2-byte offsets ~60 KB, and up to half as much again of room left from growing.
        var store = new SlabStore();
        var set = default(CompactSet);
        var expected = new HashSet<uint>();
        var random = new Random(7);
        while (expected.Count < 30_000)
        {
            var v = 0x3E000000u + (uint)random.Next(112 << 16);
            Assert.Equal(expected.Add(v), set.Add(v, store));
        }

        Assert.Equal(expected.Count, set.Count);
        Assert.Equal(expected.Order(), set.Values(store));
        Assert.InRange(set.HeapBytes(store), 60_000, 250_000);
    }
}
