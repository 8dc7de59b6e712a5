using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace ScanScope.Features;

/// <summary>
/// Storage for the <see cref="CompactSet"/>s of one accumulator: power-of-two blocks of 32-bit
/// values carved out of 4 MB pages (the first one 64 KB), with a free list per block size, and the few sets that grew
/// into bitmaps.
/// </summary>
/// <remarks>
/// Millions of sources must not mean millions of small arrays: the garbage collector would spend
/// most of the run tracing them (measured: over half the time at 10^6 sources). Pages of plain
/// integers are never traced, and a set is then a 12-byte value with no reference in it. Not
/// thread safe: one store per partial state.
/// </remarks>
internal sealed class SlabStore
{
    internal const int MaxBlockShift = 10;
    private const int PageShift = 20;
    private const int PageSize = 1 << PageShift;
    private const int FirstPageSize = 1 << 14;
    private readonly int[] _free = [.. Enumerable.Repeat(-1, MaxBlockShift + 1)];
    private ulong[][] _bitmaps = [];
    private int _bitmapCount;
    private uint[][] _pages = [];
    private int _pageCount;
    private int _top;
    private int _pageLength;

    /// <summary>Creates a store; handle 0 is reserved so that a zero handle can mean "none".</summary>
    public SlabStore() => Allocate(1);

    /// <summary>Bytes held by the pages and the bitmaps.</summary>
    public long Bytes => _pages.Take(_pageCount).Sum(p => p.Length * 4L) + Usage.BitmapBytes;

    /// <summary>Pages in use, sets that grew into bitmaps, and the bitmaps' bytes (for the memory benchmark).</summary>
    public (int Pages, int Bitmaps, long BitmapBytes) Usage
    {
        get
        {
            long bytes = 0;
            foreach (var b in _bitmaps.AsSpan(0, _bitmapCount))
            {
                bytes += ChunkBitmap.HeapBytes(b);
            }

            return (_pageCount, _bitmapCount, bytes);
        }
    }

    public int Allocate(int shift)
    {
        var head = _free[shift];
        if (head >= 0)
        {
            _free[shift] = (int)At(head);
            return head;
        }

        var size = 1 << shift;
        if (_top + size > _pageLength)
        {
            if (_pageCount == _pages.Length)
            {
                Array.Resize(ref _pages, Math.Max(4, _pages.Length * 2));
            }

            if (_pageCount >= (1 << (31 - PageShift)))
            {
                throw new InsufficientMemoryException("a set store is limited to 8 GB");
            }

            // Every block is written before it is read (freed blocks are reused dirty anyway), so the
            // runtime need not zero 4 MB per page first. The first page is small: a store of a few
            // sources (a partition of a small input, a slice's share of one) costs 64 KB, not 4 MB.
            _pageLength = _pageCount == 0 ? FirstPageSize : PageSize;
            _pages[_pageCount++] = GC.AllocateUninitializedArray<uint>(_pageLength);
            _top = 0;
        }

        var handle = ((_pageCount - 1) << PageShift) | _top;
        _top += size;
        return handle;
    }

    public void Free(int handle, int shift)
    {
        At(handle) = (uint)_free[shift];
        _free[shift] = handle;
    }

    public ref uint At(int handle) => ref _pages[handle >> PageShift][handle & (PageSize - 1)];

    public Span<uint> Block(int handle, int length) => _pages[handle >> PageShift].AsSpan(handle & (PageSize - 1), length);

    public int AddBitmap(ulong[] bitmap)
    {
        if (_bitmapCount == _bitmaps.Length)
        {
            Array.Resize(ref _bitmaps, Math.Max(16, _bitmapCount * 2));
        }

        _bitmaps[_bitmapCount] = bitmap;
        return _bitmapCount++;
    }

    /// <summary>The bitmap (see <see cref="ChunkBitmap"/>) behind a handle; by reference, since adding may grow it.</summary>
    public ref ulong[] Bitmap(int index) => ref _bitmaps[index];
}

/// <summary>
/// An exact set of 32-bit values sized for the long tail of telescope sources: one value inline,
/// a sorted block of a <see cref="SlabStore"/> up to <see cref="ArrayLimit"/> values, then a bitmap
/// of 4096-bit chunks.
/// </summary>
/// <remarks>
/// Most sources send one to ten probes, so the set costs 12 bytes inline and one small block after
/// that; only the few sources that reach many destinations (or bins, or minutes) pay for a bitmap,
/// 512 bytes per 4096-value chunk, i.e. 8 KB for a fully covered /16. A mutable struct with no
/// reference: keep it in a field or array element, call it by reference with its store.
/// </remarks>
internal struct CompactSet
{
    /// <summary>Largest sorted-block size; one value more promotes the set to a bitmap.</summary>
    internal const int ArrayLimit = 1 << SlabStore.MaxBlockShift;

    // The single value, or, from two values on, the largest value: time-ordered input repeats its
    // latest bin or minute, and this answers that without touching the block.
    private uint _one;
    private int _count;
    private int _handle;

    /// <summary>Number of distinct values.</summary>
    public readonly int Count => _count;

    /// <summary>The three words of the set, to keep it inside a store block.</summary>
    internal readonly (uint One, int Count, int Handle) Raw => (_one, _count, _handle);

    /// <summary>A set from its three words.</summary>
    internal static CompactSet FromRaw(uint one, int count, int handle) => new() { _one = one, _count = count, _handle = handle };

    /// <summary>The value of a one-element set.</summary>
    public readonly uint Single => _count == 1 ? _one : throw new InvalidOperationException("the set does not hold exactly one value");

    private readonly bool IsBlock => _count > 1 && _count <= ArrayLimit;

    private static int ShiftFor(int count) => Math.Max(1, BitOperations.Log2(BitOperations.RoundUpToPowerOf2((uint)count)));

    /// <summary>Smallest value (the set must not be empty).</summary>
    public readonly uint Min(SlabStore store) => _count switch
    {
        0 => throw new InvalidOperationException("empty set"),
        1 => _one,
        <= ArrayLimit => store.At(_handle),
        _ => ChunkBitmap.Min(store.Bitmap(_handle)),
    };

    /// <summary>Largest value (the set must not be empty).</summary>
    public readonly uint Max(SlabStore store) => _count == 0 ? throw new InvalidOperationException("empty set") : _one;

    /// <summary>Adds <paramref name="value"/>; true when it was not in the set.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool Add(uint value, SlabStore store)
    {
        if (_count == 0)
        {
            _one = value;
            _count = 1;
            return true;
        }

        if (_count == 1)
        {
            if (_one == value)
            {
                return false;
            }

            _handle = store.Allocate(1);
            var block = store.Block(_handle, 2);
            (block[0], block[1]) = _one < value ? (_one, value) : (value, _one);
            _one = Math.Max(_one, value);
            _count = 2;
            return true;
        }

        if (value == _one)
        {
            return false;
        }

        var inBitmap = _count > ArrayLimit;
        var added = inBitmap ? ChunkBitmap.Add(ref store.Bitmap(_handle), value, _count) : AddToBlock(value, store);
        if (added)
        {
            if (inBitmap)
            {
                _count++;
            }

            _one = Math.Max(_one, value);
        }

        return added;
    }

    // Merges ascending, distinct values into a set of at most ArrayLimit values (scratch holds
    // ArrayLimit + their number): one pass instead of one insertion each, which moves half the block
    // per value; returns how many were new.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int MergeSorted(ReadOnlySpan<uint> sorted, SlabStore store, Span<uint> scratch)
    {
        ReadOnlySpan<uint> mine = _count switch
        {
            0 => [],
            1 => new ReadOnlySpan<uint>(in _one),
            _ => store.Block(_handle, _count),
        };
        var n = MergeDistinct(mine, sorted, scratch);
        var before = _count;
        if (n == before)
        {
            return 0;
        }

        var merged = scratch[..n];
        if (n > ArrayLimit)
        {
            var bitmap = ChunkBitmap.FromSorted(merged);
            FreeBlock(store);
            _handle = store.AddBitmap(bitmap);
        }
        else
        {
            var shift = ShiftFor(n);
            if (!IsBlock || ShiftFor(before) != shift)
            {
                FreeBlock(store);
                _handle = store.Allocate(shift);
            }

            merged.CopyTo(store.Block(_handle, n));
        }

        _count = n;
        _one = merged[^1];
        return n - before;
    }

    /// <summary>
    /// Adds <paramref name="values"/> (in any order, repeats allowed; the span is reordered); returns how
    /// many were new. A bitmap takes them one by one (<see cref="ChunkBitmap.AddMany"/>: the memory of
    /// the values ahead requested early); a smaller set takes them sorted, in one merge
    /// (<paramref name="scratch"/> must hold <see cref="ArrayLimit"/> + their number): a scanner's
    /// destinations arrive in random order, hundreds per source at a time once the fold groups its
    /// packets by source, and inserting each into a sorted block was half the fold's time.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public int AddMany(Span<uint> values, SlabStore store, Span<uint> scratch)
    {
        if (_count > ArrayLimit)
        {
            var added = ChunkBitmap.AddMany(ref store.Bitmap(_handle), values, _count);
            _count += added;
            foreach (var v in values)
            {
                _one = Math.Max(_one, v);
            }

            return added;
        }

        if (values.Length < 4)
        {
            var added = 0;
            foreach (var v in values)
            {
                added += Add(v, store) ? 1 : 0;
            }

            return added;
        }

        SortedSpan.Sort(values, scratch);
        var n = 1;
        for (var i = 1; i < values.Length; i++)
        {
            values[n] = values[i];
            n += values[i] != values[n - 1] ? 1 : 0;
        }

        return MergeSorted(values[..n], store, scratch);
    }

    // The union of two ascending, distinct spans into target; returns its length.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int MergeDistinct(ReadOnlySpan<uint> a, ReadOnlySpan<uint> b, Span<uint> target)
    {
        int i = 0, j = 0, n = 0;
        while (i < a.Length && j < b.Length)
        {
            var (x, y) = (a[i], b[j]);
            target[n++] = x <= y ? x : y;
            i += x <= y ? 1 : 0;
            j += y <= x ? 1 : 0;
        }

        a[i..].CopyTo(target[n..]);
        n += a.Length - i;
        b[j..].CopyTo(target[n..]);
        return n + b.Length - j;
    }

    /// <summary>True when <paramref name="value"/> is in the set.</summary>
    public readonly bool Contains(uint value, SlabStore store) => _count switch
    {
        0 => false,
        1 => _one == value,
        <= ArrayLimit => store.Block(_handle, _count).BinarySearch(value) >= 0,
        _ => ChunkBitmap.Contains(store.Bitmap(_handle), value),
    };

    /// <summary>Adds every value of <paramref name="other"/>, which lives in <paramref name="otherStore"/> (left unchanged).</summary>
    public void UnionWith(in CompactSet other, SlabStore otherStore, SlabStore store)
    {
        if (other._count == 0)
        {
            return;
        }

        if (_count == 0)
        {
            this = other.CopyTo(otherStore, store);
            return;
        }

        if (other._count > ArrayLimit)
        {
            var theirs = otherStore.Bitmap(other._handle);
            if (_count <= ArrayLimit)
            {
                var bitmap = (ulong[])theirs.Clone();
                var added = 0;
                foreach (var v in Values(store))
                {
                    added += ChunkBitmap.Add(ref bitmap, v, other._count + added) ? 1 : 0;
                }

                FreeBlock(store);
                _handle = store.AddBitmap(bitmap);
                _count = other._count + added;
                _one = Math.Max(_one, other._one);
                return;
            }

            _count += ChunkBitmap.UnionWith(ref store.Bitmap(_handle), theirs, _count);
            _one = Math.Max(_one, other._one);
            return;
        }

        if (other._count == 1)
        {
            Add(other._one, store);
            return;
        }

        if (_count <= ArrayLimit)
        {
            // Two sorted blocks: one merge (inserting each value would move half the block per value).
            Span<uint> scratch = stackalloc uint[2 * ArrayLimit];
            MergeSorted(otherStore.Block(other._handle, other._count), store, scratch);
            return;
        }

        for (var i = 0; i < other._count; i++)
        {
            Add(otherStore.At(other._handle + i), store);
        }
    }

    /// <summary>A deep copy of this set (living in <paramref name="from"/>) into <paramref name="to"/>.</summary>
    public readonly CompactSet CopyTo(SlabStore from, SlabStore to)
    {
        var copy = this;
        if (IsBlock)
        {
            var shift = ShiftFor(_count);
            copy._handle = to.Allocate(shift);
            from.Block(_handle, _count).CopyTo(to.Block(copy._handle, _count));
        }
        else if (_count > ArrayLimit)
        {
            copy._handle = to.AddBitmap((ulong[])from.Bitmap(_handle).Clone());
        }

        return copy;
    }

    /// <summary>The values in ascending order.</summary>
    public readonly IEnumerable<uint> Values(SlabStore store)
    {
        if (_count == 1)
        {
            return [_one];
        }

        if (IsBlock)
        {
            return store.Block(_handle, _count).ToArray();
        }

        return _count == 0 ? [] : ChunkBitmap.Values(store.Bitmap(_handle));
    }

    /// <summary>Bytes held in the store.</summary>
    public readonly long HeapBytes(SlabStore store) => _count switch
    {
        <= 1 => 0,
        <= ArrayLimit => 4L << ShiftFor(_count),
        _ => ChunkBitmap.HeapBytes(store.Bitmap(_handle)),
    };

    /// <summary>Gives a block back to the store; the set must not be used afterwards.</summary>
    public readonly void FreeBlock(SlabStore store)
    {
        if (IsBlock)
        {
            store.Free(_handle, ShiftFor(_count));
        }
    }

    /// <summary>
    /// The first index of <paramref name="sorted"/> whose value is not below <paramref name="value"/>
    /// (its length when there is none). Branch free: destinations arrive in random order, and a
    /// mispredicted branch per halving of a binary search cost more than the search itself.
    /// </summary>
    internal static int LowerBound(ReadOnlySpan<uint> sorted, uint value)
    {
        var at = 0;
        var n = sorted.Length;
        while (n > 1)
        {
            var half = n >> 1;
            at = sorted[at + half - 1] < value ? at + half : at;
            n -= half;
        }

        return n == 1 && sorted[at] < value ? at + 1 : at;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool AddToBlock(uint value, SlabStore store)
    {
        var n = _count;
        var block = store.Block(_handle, n);
        var last = block[n - 1];
        int at;
        if (value > last)
        {
            at = n;
        }
        else if (value == last)
        {
            return false;
        }
        else
        {
            at = LowerBound(block, value);
            if (block[at] == value)
            {
                return false;
            }
        }

        if (BitOperations.IsPow2(n))
        {
            if (n == ArrayLimit)
            {
                var all = new uint[n + 1];
                block[..at].CopyTo(all);
                all[at] = value;
                block[at..].CopyTo(all.AsSpan(at + 1));
                var bitmap = ChunkBitmap.FromSorted(all);
                FreeBlock(store);
                _handle = store.AddBitmap(bitmap);
                _count = n + 1;
                return true;
            }

            // Full block: move to one twice the size.
            var shift = ShiftFor(n);
            var grown = store.Allocate(shift + 1);
            var target = store.Block(grown, n + 1);
            block = store.Block(_handle, n);
            block[..at].CopyTo(target);
            block[at..].CopyTo(target[(at + 1)..]);
            target[at] = value;
            store.Free(_handle, shift);
            _handle = grown;
        }
        else
        {
            var whole = store.Block(_handle, n + 1);
            whole[at..n].CopyTo(whole[(at + 1)..]);
            whole[at] = value;
        }

        _count = n + 1;
        return true;
    }
}

/// <summary>
/// A sparse bitmap of 4096-value chunks keyed by the value's upper 20 bits, kept in one array. In
/// a sparse set a chunk of up to 64 values is a sorted array of 12-bit offsets (2 bytes a value);
/// fuller chunks, and every chunk of a dense set, are 512-byte bitmaps (Roaring's two containers,
/// at a 4096-value grain).
/// Layout: word 0 = chunks used | key-table capacity &lt;&lt; 32; word 1 = next free word | garbage
/// words &lt;&lt; 32; then an open-addressing key table of 2·capacity slots (key &lt;&lt; 32 | bitmap
/// flag &lt;&lt; 31 | container word + 1; 0 is empty); then the containers, each a header word (an
/// array's values | payload words &lt;&lt; 32, bit 63 for a bitmap) and its payload. A container
/// that outgrows its room moves to the free end; the array is rebuilt without the holes when it
/// runs out of room.
/// </summary>
/// <remarks>
/// One array and a hashed key table put a value two memory accesses away from the set's handle (the
/// table slot and the container): with a sorted key array, an object and one array per chunk it was
/// five or six dependent loads, each a likely cache miss when thousands of sources interleave
/// (docs/benchmarks-features.md). Array containers matter on large telescopes: a scanner's ~30,000
/// destinations over 112 /16s touch every chunk at ~0.4% density, 1.3 MB as bitmaps.
/// </remarks>
internal static class ChunkBitmap
{
    private const int ChunkShift = 12;
    private const uint OffsetMask = (1u << ChunkShift) - 1;
    private const int BitmapWords = (1 << ChunkShift) / 64;

    /// <summary>
    /// A set averaging this many values per chunk or more keeps its chunks as bitmaps (≤ 64 bytes a
    /// value): the bit is one load away, and arrays would save little. A sparser set (a scanner's share
    /// of a telescope far larger than a /16) starts each chunk as an array.
    /// </summary>
    private const int DenseValuesPerChunk = 8;

    /// <summary>Most values an array container holds (128 bytes, a quarter of a bitmap): fuller arrays cost more to insert into than they save.</summary>
    private const int ArrayMaxValues = 64;
    private const int Head = 2;
    private const ulong BitmapFlag = 1UL << 63;

    /// <summary>In a key-table entry: the container is a bitmap (so an add needs no header).</summary>
    private const ulong EntryBitmap = 1UL << 31;
    private const uint EntryContainer = (1u << 31) - 1;

    public static long HeapBytes(ulong[] data) => 24 + (8L * data.Length);

    /// <summary>
    /// The set of ascending, distinct values, built in one pass: each chunk's values arrive in order,
    /// so arrays are filled without searching and moving.
    /// </summary>
    public static ulong[] FromSorted(ReadOnlySpan<uint> all)
    {
        // First the chunks and their sizes, then one container each.
        var chunks = new List<(uint Key, int From, int Count)>();
        for (var i = 0; i < all.Length;)
        {
            var key = all[i] >> ChunkShift;
            var j = i + 1;
            while (j < all.Length && all[j] >> ChunkShift == key)
            {
                j++;
            }

            chunks.Add((key, i, j - i));
            i = j;
        }

        var dense = all.Length >= DenseValuesPerChunk * chunks.Count;
        var words = 0;
        foreach (var (_, _, count) in chunks)
        {
            words += 1 + (dense ? BitmapWords : Room(count));
        }

        var data = Empty(chunks.Count + 1, words + (dense ? 1 + BitmapWords : 8));
        foreach (var (key, from, count) in chunks)
        {
            var c = Next(data);
            var bitmap = dense || count > ArrayMaxValues;
            var room = bitmap ? BitmapWords : Room(count);
            if (bitmap)
            {
                foreach (var v in all.Slice(from, count))
                {
                    data[c + 1 + (int)((v & OffsetMask) >> 6)] |= 1UL << (int)(v & 63);
                }

                data[c] = ((ulong)room << 32) | BitmapFlag;
            }
            else
            {
                var offsets = Offsets(data, c, room);
                for (var k = 0; k < count; k++)
                {
                    offsets[k] = (ushort)(all[from + k] & OffsetMask);
                }

                data[c] = (uint)count | ((ulong)room << 32);
            }

            data[Head + ~Find(data, key)] = ((ulong)key << 32) | (bitmap ? EntryBitmap : 0) | (uint)(c + 1);
            data[0]++;
            SetNext(data, c + 1 + room, 0);
        }

        return data;
    }

    // Payload words for a chunk of count values: a power-of-two array of offsets, or a bitmap.
    private static int Room(int count) => count > ArrayMaxValues ? BitmapWords : (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(1, (count + 3) / 4));

    /// <summary>Adds <paramref name="value"/> to a set of <paramref name="setCount"/> values; true when it was new.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool Add(ref ulong[] data, uint value, int setCount)
    {
        var key = value >> ChunkShift;
        var offset = (ushort)(value & OffsetMask);
        var i = Find(data, key);
        if (i < 0)
        {
            // A new chunk: a bitmap in a dense set, an array of one offset in a sparse one.
            var dense = setCount >= DenseValuesPerChunk * Used(data);
            var size = dense ? BitmapWords : 1;
            if (Used(data) == Capacity(data) || Next(data) + 1 + size > data.Length)
            {
                var used = Used(data);
                data = Rebuild(data, used == Capacity(data) ? used + (used / 2) + 1 : Capacity(data), 1 + size);
                i = Find(data, key);
            }

            var fresh = Next(data);
            if (dense)
            {
                data.AsSpan(fresh + 1, size).Clear();
                data[fresh] = ((ulong)size << 32) | BitmapFlag;
                data[fresh + 1 + (offset >> 6)] = 1UL << (offset & 63);
            }
            else
            {
                data[fresh] = 1UL | (1UL << 32);
                data[fresh + 1] = offset;
            }

            SetNext(data, fresh + 1 + size, Garbage(data));
            data[Head + ~i] = ((ulong)key << 32) | (dense ? EntryBitmap : 0) | (uint)(fresh + 1);
            data[0]++;
            return true;
        }

        var entry = data[Head + i];
        var c = (int)((uint)entry & EntryContainer) - 1;
        if ((entry & EntryBitmap) != 0)
        {
            // The key-table entry says bitmap: the bit is the next load, the header is not touched.
            ref var word = ref data[c + 1 + (offset >> 6)];
            var bit = 1UL << (offset & 63);
            if ((word & bit) != 0)
            {
                return false;
            }

            word |= bit;
            return true;
        }

        var header = data[c];
        var count = (int)(uint)header;
        var words = PayloadWords(header);
        var values = Offsets(data, c, words);
        var at = CountBelow(values[..count], offset);
        if (at < count && values[at] == offset)
        {
            return false;
        }

        if (count < words * 4)
        {
            values[at..count].CopyTo(values[(at + 1)..]);
            values[at] = offset;
            data[c] = header + 1;
            return true;
        }

        // A full array container moves to the free end: twice the room, or a bitmap past 64 values.
        var toBitmap = count >= ArrayMaxValues;
        var room = toBitmap ? BitmapWords : words * 2;
        if (Next(data) + 1 + room > data.Length)
        {
            data = Rebuild(data, Capacity(data), 1 + room);
            i = Find(data, key);
            c = ContainerOf(data, i);
        }

        var moved = Next(data);
        var old = Offsets(data, c, words)[..count];
        var target = data.AsSpan(moved + 1, room);
        target.Clear();
        if (toBitmap)
        {
            foreach (var v in old)
            {
                target[v >> 6] |= 1UL << (v & 63);
            }

            target[offset >> 6] |= 1UL << (offset & 63);
            data[moved] = ((ulong)room << 32) | BitmapFlag;
        }
        else
        {
            var grown = MemoryMarshal.Cast<ulong, ushort>(target);
            old[..at].CopyTo(grown);
            grown[at] = offset;
            old[at..].CopyTo(grown[(at + 1)..]);
            data[moved] = (ulong)(uint)(count + 1) | ((ulong)room << 32);
        }

        data[Head + i] = ((ulong)key << 32) | (toBitmap ? EntryBitmap : 0) | (uint)(moved + 1);
        SetNext(data, moved + 1 + room, Garbage(data) + 1 + words);
        return true;
    }

    /// <summary>
    /// Adds <paramref name="values"/> (any order, repeats allowed) to a set of <paramref name="setCount"/>
    /// values; returns how many were new. As <see cref="Add"/> one by one, with the memory of the values
    /// ahead requested early: a value's key-table slot sixteen values before it is added, and its
    /// container eight before (once the slot has arrived; 8/4 gave a little less). A scanner's batch
    /// of destinations lands all over its set (hundreds of kilobytes, long out of cache when its next
    /// batch comes), and one add after another each waited for two misses in turn.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static unsafe int AddMany(ref ulong[] data, ReadOnlySpan<uint> values, int setCount)
    {
        const int SlotAhead = 16, ContainerAhead = 8;
        var added = 0;
        for (var i = 0; i < values.Length; i++)
        {
            if (Sse.IsSupported)
            {
                var slots = Slots(Capacity(data));
                if (i + SlotAhead < values.Length)
                {
                    Sse.Prefetch0(Unsafe.AsPointer(ref data[Head + Slot(values[i + SlotAhead] >> ChunkShift, slots)]));
                }

                if (i + ContainerAhead < values.Length)
                {
                    var ahead = values[i + ContainerAhead];
                    var entry = data[Head + Slot(ahead >> ChunkShift, slots)];
                    if (entry != 0 && (uint)(entry >> 32) == ahead >> ChunkShift)
                    {
                        var c = (int)((uint)entry & EntryContainer) - 1;
                        var word = (entry & EntryBitmap) != 0 ? c + 1 + (int)((ahead & OffsetMask) >> 6) : c;
                        Sse.Prefetch0(Unsafe.AsPointer(ref data[word]));
                    }
                }
            }

            added += Add(ref data, values[i], setCount + added) ? 1 : 0;
        }

        return added;
    }

    public static bool Contains(ulong[] data, uint value)
    {
        var i = Find(data, value >> ChunkShift);
        if (i < 0)
        {
            return false;
        }

        var c = ContainerOf(data, i);
        var header = data[c];
        var offset = (ushort)(value & OffsetMask);
        if ((header & BitmapFlag) != 0)
        {
            return (data[c + 1 + (offset >> 6)] & (1UL << (offset & 63))) != 0;
        }

        var values = Offsets(data, c, PayloadWords(header))[..(int)(uint)header];
        var at = CountBelow(values, offset);
        return at < values.Length && values[at] == offset;
    }

    /// <summary>Adds the values of <paramref name="other"/> to <paramref name="data"/>; returns how many were new.</summary>
    public static int UnionWith(ref ulong[] data, ulong[] other, int setCount)
    {
        var added = 0;
        foreach (var (key, theirs) in Containers(other))
        {
            var header = other[theirs];
            var i = Find(data, key);
            if ((header & BitmapFlag) != 0 && i >= 0 && (data[ContainerOf(data, i)] & BitmapFlag) != 0)
            {
                // Bitmap into bitmap: one OR per word.
                var c = ContainerOf(data, i);
                var mine = data.AsSpan(c + 1, BitmapWords);
                var words = other.AsSpan(theirs + 1, BitmapWords);
                var n = 0;
                for (var w = 0; w < BitmapWords; w++)
                {
                    n += BitOperations.PopCount(words[w] & ~mine[w]);
                    mine[w] |= words[w];
                }

                added += n;
                continue;
            }

            foreach (var v in ContainerValues(other, key, theirs))
            {
                added += Add(ref data, v, setCount + added) ? 1 : 0;
            }
        }

        return added;
    }

    public static uint Min(ulong[] data) => Values(data).First();

    public static IEnumerable<uint> Values(ulong[] data)
    {
        foreach (var (key, c) in Containers(data))
        {
            foreach (var v in ContainerValues(data, key, c))
            {
                yield return v;
            }
        }
    }

    private static IEnumerable<uint> ContainerValues(ulong[] data, uint key, int c)
    {
        var header = data[c];
        var words = PayloadWords(header);
        if ((header & BitmapFlag) != 0)
        {
            for (var w = 0; w < words; w++)
            {
                for (var bits = data[c + 1 + w]; bits != 0; bits &= bits - 1)
                {
                    yield return (key << ChunkShift) | (uint)((w * 64) + BitOperations.TrailingZeroCount(bits));
                }
            }

            yield break;
        }

        var count = (int)(uint)header;
        for (var k = 0; k < count; k++)
        {
            yield return (key << ChunkShift) | Offsets(data, c, words)[k];
        }
    }

    // Where offset goes in an array container (at most ArrayMaxValues ascending offsets): the number
    // below it, 16 at a time. A binary search over 64 values was 4–6% of the fold on a large telescope
    // (its branches mispredict half the time); the comparisons of a whole container cost less.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int CountBelow(ReadOnlySpan<ushort> sorted, ushort offset)
    {
        var i = 0;
        var below = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var x = Vector256.Create(offset);
            ref var first = ref MemoryMarshal.GetReference(sorted);
            for (; i + Vector256<ushort>.Count <= sorted.Length; i += Vector256<ushort>.Count)
            {
                var lower = Vector256.LessThan(Vector256.LoadUnsafe(ref first, (nuint)i), x);
                below += BitOperations.PopCount(lower.ExtractMostSignificantBits());
            }
        }

        for (; i < sorted.Length; i++)
        {
            below += sorted[i] < offset ? 1 : 0;
        }

        return below;
    }

    private static ulong[] Empty(int capacity, int containerWords)
    {
        var slots = Slots(capacity);
        var data = new ulong[Head + slots + containerWords];
        data[0] = (ulong)capacity << 32;
        data[1] = (ulong)(uint)(Head + slots);
        return data;
    }

    private static int Used(ulong[] data) => (int)(uint)data[0];

    private static int Capacity(ulong[] data) => (int)(data[0] >> 32);

    private static int Next(ulong[] data) => (int)(uint)data[1];

    private static int Garbage(ulong[] data) => (int)(data[1] >> 32);

    private static void SetNext(ulong[] data, int next, int garbage) => data[1] = ((ulong)(uint)garbage << 32) | (uint)next;

    private static int PayloadWords(ulong header) => (int)((header >> 32) & 0x7FFF_FFFF);

    private static Span<ushort> Offsets(ulong[] data, int c, int words) => MemoryMarshal.Cast<ulong, ushort>(data.AsSpan(c + 1, words));

    private static int ContainerOf(ulong[] data, int slot) => (int)((uint)data[Head + slot] & EntryContainer) - 1;

    // Key-table slots for a capacity: a power of two, at least twice the capacity (load at most 1/2).
    private static int Slots(int capacity) => (int)BitOperations.RoundUpToPowerOf2((uint)(2 * capacity));

    private static int Slot(uint key, int slots) => (int)((key * 0x9E3779B1u) >> 7) & (slots - 1);

    // The key-table slot of a key, or the complement of the empty slot where it would go.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int Find(ulong[] data, uint key)
    {
        var slots = Slots(Capacity(data));
        for (var i = Slot(key, slots); ; i = (i + 1) & (slots - 1))
        {
            var entry = data[Head + i];
            if (entry == 0)
            {
                return ~i;
            }

            if ((uint)(entry >> 32) == key)
            {
                return i;
            }
        }
    }

    // A copy without the holes left by moved containers, with a key table for capacity chunks and
    // room for extra more words (and half the live size, so growth stays amortised). The containers
    // go over in the old table's slot order: the key table is a hash table, so no order is needed
    // (sorting them by key was 4% of a 2·10^8-packet analysis).
    private static ulong[] Rebuild(ulong[] data, int capacity, int extra)
    {
        var live = Next(data) - Head - Slots(Capacity(data)) - Garbage(data);
        var grown = Empty(capacity, live + extra + (live / 2) + 4);
        var slots = Slots(Capacity(data));
        for (var i = 0; i < slots; i++)
        {
            var entry = data[Head + i];
            if (entry == 0)
            {
                continue;
            }

            var (key, c) = ((uint)(entry >> 32), (int)((uint)entry & EntryContainer) - 1);
            var length = 1 + PayloadWords(data[c]);
            var at = Next(grown);
            data.AsSpan(c, length).CopyTo(grown.AsSpan(at, length));
            grown[Head + ~Find(grown, key)] = ((ulong)key << 32) | ((data[c] & BitmapFlag) != 0 ? EntryBitmap : 0) | (uint)(at + 1);
            grown[0]++;
            SetNext(grown, at + length, 0);
        }

        return grown;
    }

    // (key, container word) of every chunk, in key order.
    private static List<(uint Key, int Container)> Containers(ulong[] data)
    {
        var slots = Slots(Capacity(data));
        var chunks = new List<(uint Key, int Container)>(Used(data));
        for (var i = 0; i < slots; i++)
        {
            var entry = data[Head + i];
            if (entry != 0)
            {
                chunks.Add(((uint)(entry >> 32), (int)((uint)entry & EntryContainer) - 1));
            }
        }

        chunks.Sort();
        return chunks;
    }
}
