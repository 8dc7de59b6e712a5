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
    internal const int MaxBlockShift = 8;
    private const int PageShift = 20;
    private const int PageSize = 1 << PageShift;
    private readonly int[] _free = [-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1];
    private readonly List<ChunkBitmap> _bitmaps = [];
    private uint[][] _pages = [];
    private int _pageCount;
    private int _top = PageSize;

    /// <summary>Creates a store; handle 0 is reserved so that a zero handle can mean "none".</summary>
    public SlabStore() => Allocate(1);

    /// <summary>Bytes held by the pages and the bitmaps.</summary>
    public long Bytes
    {
        get
        {
            long bytes = (long)_pageCount * PageSize * 4;
            foreach (var b in _bitmaps)
            {
                bytes += b.HeapBytes;
            }

            return bytes;
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

    public int AddBitmap(ChunkBitmap bitmap)
    {
        _bitmaps.Add(bitmap);
        return _bitmaps.Count - 1;
    }

    public ChunkBitmap Bitmap(int index) => _bitmaps[index];
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
        _ => store.Bitmap(_handle).Min,
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
        var added = inBitmap ? store.Bitmap(_handle).Add(value) : AddToBlock(value, store);
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
        _ => store.Bitmap(_handle).Contains(value),
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
                var bitmap = theirs.Clone();
                var added = 0;
                foreach (var v in Values(store))
                {
                    added += bitmap.Add(v) ? 1 : 0;
                }

                FreeBlock(store);
                _handle = store.AddBitmap(bitmap);
                _count = other._count + added;
                _one = Math.Max(_one, other._one);
                return;
            }

            _count += store.Bitmap(_handle).UnionWith(theirs);
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
            copy._handle = to.AddBitmap(from.Bitmap(_handle).Clone());
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

        return _count == 0 ? [] : store.Bitmap(_handle).Values();
    }

    /// <summary>Bytes held in the store.</summary>
    public readonly long HeapBytes(SlabStore store) => _count switch
    {
        <= 1 => 0,
        <= ArrayLimit => 4L << ShiftFor(_count),
        _ => store.Bitmap(_handle).HeapBytes,
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
                var bitmap = new ChunkBitmap();
                foreach (var v in block)
                {
                    bitmap.Add(v);
                }

                bitmap.Add(value);
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

/// <summary>A sparse bitmap of 4096-bit chunks keyed by the value's upper 20 bits, chunks kept sorted.</summary>
internal sealed class ChunkBitmap
{
    private const int ChunkShift = 12;
    private const int WordsPerChunk = (1 << ChunkShift) / 64;
    private uint[] _keys = new uint[2];
    private ulong[][] _chunks = new ulong[2][];
    private int _n;
    private int _last;

    public uint Min
    {
        get
        {
            var words = _chunks[0];
            for (var w = 0; w < WordsPerChunk; w++)
            {
                if (words[w] != 0)
                {
                    return (_keys[0] << ChunkShift) | (uint)((w * 64) + BitOperations.TrailingZeroCount(words[w]));
                }
            }

            throw new InvalidOperationException("empty chunk");
        }
    }

    public uint Max
    {
        get
        {
            var words = _chunks[_n - 1];
            for (var w = WordsPerChunk - 1; w >= 0; w--)
            {
                if (words[w] != 0)
                {
                    return (_keys[_n - 1] << ChunkShift) | (uint)((w * 64) + 63 - BitOperations.LeadingZeroCount(words[w]));
                }
            }

            throw new InvalidOperationException("empty chunk");
        }
    }

    public long HeapBytes => 48 + (28L * _keys.Length) + (_n * (24L + (8 * WordsPerChunk)));

    public bool Add(uint value)
    {
        var words = ChunkFor(value >> ChunkShift, create: true)!;
        ref var word = ref words[(value >> 6) & (WordsPerChunk - 1)];
        var bit = 1UL << (int)(value & 63);
        if ((word & bit) != 0)
        {
            return false;
        }

        word |= bit;
        return true;
    }

    public bool Contains(uint value)
    {
        var words = ChunkFor(value >> ChunkShift, create: false);
        return words is not null && (words[(value >> 6) & (WordsPerChunk - 1)] & (1UL << (int)(value & 63))) != 0;
    }

    /// <summary>ORs <paramref name="other"/> into this bitmap; returns how many values were new.</summary>
    public int UnionWith(ChunkBitmap other)
    {
        var added = 0;
        for (var c = 0; c < other._n; c++)
        {
            var theirs = other._chunks[c];
            var mine = ChunkFor(other._keys[c], create: true)!;
            for (var w = 0; w < WordsPerChunk; w++)
            {
                added += BitOperations.PopCount(theirs[w] & ~mine[w]);
                mine[w] |= theirs[w];
            }
        }

        return added;
    }

    public ChunkBitmap Clone()
    {
        var copy = new ChunkBitmap { _keys = (uint[])_keys.Clone(), _chunks = new ulong[_chunks.Length][], _n = _n };
        for (var c = 0; c < _n; c++)
        {
            copy._chunks[c] = (ulong[])_chunks[c].Clone();
        }

        return copy;
    }

    public IEnumerable<uint> Values()
    {
        for (var c = 0; c < _n; c++)
        {
            var words = _chunks[c];
            var baseValue = _keys[c] << ChunkShift;
            for (var w = 0; w < WordsPerChunk; w++)
            {
                var bits = words[w];
                while (bits != 0)
                {
                    yield return baseValue | (uint)((w * 64) + BitOperations.TrailingZeroCount(bits));
                    bits &= bits - 1;
                }
            }
        }
    }

    private ulong[]? ChunkFor(uint key, bool create)
    {
        if (_last < _n && _keys[_last] == key)
        {
            return _chunks[_last];
        }

        var at = CompactSet.LowerBound(_keys.AsSpan(0, _n), key);
        if (at < _n && _keys[at] == key)
        {
            _last = at;
            return _chunks[at];
        }

        if (!create)
        {
            return null;
        }

        if (_n == _keys.Length)
        {
            Array.Resize(ref _keys, _n * 2);
            Array.Resize(ref _chunks, _n * 2);
        }

        Array.Copy(_keys, at, _keys, at + 1, _n - at);
        Array.Copy(_chunks, at, _chunks, at + 1, _n - at);
        _keys[at] = key;
        _chunks[at] = new ulong[WordsPerChunk];
        _n++;
        _last = at;
        return _chunks[at];
    }
}
