using System.Numerics;

namespace ScanScope.Features;

/// <summary>
/// Storage for the <see cref="CompactSet"/>s of one accumulator: power-of-two blocks of 32-bit
/// values carved out of 4 MB pages, with a free list per block size, and the few sets that grew
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
    private readonly int[] _free = [.. Enumerable.Repeat(-1, MaxBlockShift + 1)];
    private ulong[][] _bitmaps = [];
    private int _bitmapCount;
    private uint[][] _pages = [];
    private int _pageCount;
    private int _top = PageSize;

    /// <summary>Creates a store; handle 0 is reserved so that a zero handle can mean "none".</summary>
    public SlabStore() => Allocate(1);

    /// <summary>Bytes held by the pages and the bitmaps.</summary>
    public long Bytes => ((long)_pageCount * PageSize * 4) + Usage.BitmapBytes;

    /// <summary>4 MB pages in use, sets that grew into bitmaps, and the bitmaps' bytes (for the memory benchmark).</summary>
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
        if (_top + size > PageSize)
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
            // runtime need not zero 4 MB per page first.
            _pages[_pageCount++] = GC.AllocateUninitializedArray<uint>(PageSize);
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
        var added = inBitmap ? ChunkBitmap.Add(ref store.Bitmap(_handle), value) : AddToBlock(value, store);
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
                    added += ChunkBitmap.Add(ref bitmap, v) ? 1 : 0;
                }

                FreeBlock(store);
                _handle = store.AddBitmap(bitmap);
                _count = other._count + added;
                _one = Math.Max(_one, other._one);
                return;
            }

            _count += ChunkBitmap.UnionWith(ref store.Bitmap(_handle), theirs);
            _one = Math.Max(_one, other._one);
            return;
        }

        if (other._count == 1)
        {
            Add(other._one, store);
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
                var bitmap = ChunkBitmap.Create(ChunkBitmap.ChunksFor(block, value));
                foreach (var v in block)
                {
                    ChunkBitmap.Add(ref bitmap, v);
                }

                ChunkBitmap.Add(ref bitmap, value);
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
/// A sparse bitmap of 4096-bit chunks keyed by the value's upper 20 bits, kept in one array: a
/// header word (chunks used | capacity &lt;&lt; 32), an open-addressing table of 2·capacity slots
/// (key &lt;&lt; 32 | chunk number + 1; 0 is empty), then the chunks in the order they appeared.
/// </summary>
/// <remarks>
/// One array and a hashed key table put a bit two memory accesses away from the set's handle (the
/// table slot and the word): with a sorted key array, an object and one array per chunk it was five
/// or six dependent loads, each a likely cache miss when thousands of sources interleave
/// (docs/benchmarks-features.md).
/// </remarks>
internal static class ChunkBitmap
{
    private const int ChunkShift = 12;
    private const int WordsPerChunk = (1 << ChunkShift) / 64;

    /// <summary>An empty bitmap with room for <paramref name="chunks"/> chunks.</summary>
    public static ulong[] Create(int chunks)
    {
        var capacity = Math.Max(1, chunks);
        var data = new ulong[1 + Slots(capacity) + (capacity * WordsPerChunk)];
        data[0] = (ulong)capacity << 32;
        return data;
    }

    public static long HeapBytes(ulong[] data) => 24 + (8L * data.Length);

    /// <summary>Chunks needed for the values of a sorted block and one more value.</summary>
    public static int ChunksFor(ReadOnlySpan<uint> sorted, uint value)
    {
        var chunks = 0;
        var last = uint.MaxValue;
        var found = false;
        foreach (var v in sorted)
        {
            chunks += v >> ChunkShift != last ? 1 : 0;
            last = v >> ChunkShift;
            found |= last == value >> ChunkShift;
        }

        return chunks + (found ? 0 : 1);
    }

    public static bool Add(ref ulong[] data, uint value)
    {
        var chunk = ChunkOf(data, value >> ChunkShift);
        if (chunk < 0)
        {
            chunk = NewChunk(ref data, value >> ChunkShift);
        }

        ref var word = ref data[WordIndex(data, chunk, value)];
        var bit = 1UL << (int)(value & 63);
        if ((word & bit) != 0)
        {
            return false;
        }

        word |= bit;
        return true;
    }

    public static bool Contains(ulong[] data, uint value)
    {
        var chunk = ChunkOf(data, value >> ChunkShift);
        return chunk >= 0 && (data[WordIndex(data, chunk, value)] & (1UL << (int)(value & 63))) != 0;
    }

    /// <summary>ORs <paramref name="other"/> into <paramref name="data"/>; returns how many values were new.</summary>
    public static int UnionWith(ref ulong[] data, ulong[] other)
    {
        var added = 0;
        foreach (var (key, theirs) in Chunks(other))
        {
            var chunk = ChunkOf(data, key);
            if (chunk < 0)
            {
                chunk = NewChunk(ref data, key);
            }

            var mine = data.AsSpan(ChunkStart(data, chunk), WordsPerChunk);
            var words = other.AsSpan(theirs, WordsPerChunk);
            for (var w = 0; w < WordsPerChunk; w++)
            {
                added += BitOperations.PopCount(words[w] & ~mine[w]);
                mine[w] |= words[w];
            }
        }

        return added;
    }

    public static uint Min(ulong[] data) => Values(data).First();

    public static IEnumerable<uint> Values(ulong[] data)
    {
        foreach (var (key, start) in Chunks(data))
        {
            for (var w = 0; w < WordsPerChunk; w++)
            {
                var bits = data[start + w];
                while (bits != 0)
                {
                    yield return (key << ChunkShift) | (uint)((w * 64) + BitOperations.TrailingZeroCount(bits));
                    bits &= bits - 1;
                }
            }
        }
    }

    private static int Capacity(ulong[] data) => (int)(data[0] >> 32);

    // Key-table slots for a capacity: a power of two, at least twice the capacity (load at most 1/2).
    private static int Slots(int capacity) => (int)BitOperations.RoundUpToPowerOf2((uint)(2 * capacity));

    private static int ChunkStart(ulong[] data, int chunk) => 1 + Slots(Capacity(data)) + (chunk * WordsPerChunk);

    private static int WordIndex(ulong[] data, int chunk, uint value) => ChunkStart(data, chunk) + (int)((value >> 6) & (WordsPerChunk - 1));

    private static int Slot(uint key, int slots) => (int)((key * 0x9E3779B1u) >> 7) & (slots - 1);

    // The chunk number of a key, or -1.
    private static int ChunkOf(ulong[] data, uint key)
    {
        var slots = Slots(Capacity(data));
        for (var i = Slot(key, slots); ; i = (i + 1) & (slots - 1))
        {
            var entry = data[1 + i];
            if (entry == 0)
            {
                return -1;
            }

            if ((uint)(entry >> 32) == key)
            {
                return (int)(uint)entry - 1;
            }
        }
    }

    // Adds a chunk for a key that has none (growing the array when full); returns its number.
    private static int NewChunk(ref ulong[] data, uint key)
    {
        var used = (int)(uint)data[0];
        if (used == Capacity(data))
        {
            var grown = Create(used + (used / 2) + 1);
            foreach (var (k, start) in Chunks(data))
            {
                var at = Insert(grown, k);
                data.AsSpan(start, WordsPerChunk).CopyTo(grown.AsSpan(ChunkStart(grown, at), WordsPerChunk));
            }

            data = grown;
        }

        return Insert(data, key);
    }

    private static int Insert(ulong[] data, uint key)
    {
        var chunk = (int)(uint)data[0];
        var slots = Slots(Capacity(data));
        var i = Slot(key, slots);
        while (data[1 + i] != 0)
        {
            i = (i + 1) & (slots - 1);
        }

        data[1 + i] = ((ulong)key << 32) | (uint)(chunk + 1);
        data[0]++;
        return chunk;
    }

    // (key, index of the chunk's first word) for every chunk, in key order.
    private static List<(uint Key, int Start)> Chunks(ulong[] data)
    {
        var slots = Slots(Capacity(data));
        var chunks = new List<(uint Key, int Start)>((int)(uint)data[0]);
        for (var i = 0; i < slots; i++)
        {
            var entry = data[1 + i];
            if (entry != 0)
            {
                chunks.Add(((uint)(entry >> 32), ChunkStart(data, (int)(uint)entry - 1)));
            }
        }

        chunks.Sort();
        return chunks;
    }
}
