using System.Numerics;

namespace ScanScope.Features;

/// <summary>
/// An exact set of 32-bit values sized for the long tail of telescope sources: one value inline,
/// a sorted array up to <see cref="ArrayLimit"/> values, then a bitmap of 4096-bit chunks.
/// </summary>
/// <remarks>
/// Most sources send one to ten probes, so the set costs 16 bytes inline and one small array after
/// that; only the few sources that reach many destinations (or bins, or minutes) pay for a bitmap,
/// 512 bytes per 4096-value chunk, i.e. 8 KB for a fully covered /16. A mutable struct: keep it in a
/// field or array element and call it by reference. Not thread safe.
/// </remarks>
internal struct CompactSet
{
    /// <summary>Largest sorted-array size; one value more promotes the set to a bitmap.</summary>
    internal const int ArrayLimit = 1024;

    private uint _one;
    private int _count;
    private object? _store;

    /// <summary>Number of distinct values.</summary>
    public readonly int Count => _count;

    /// <summary>The value of a one-element set.</summary>
    public readonly uint Single => _count == 1 ? _one : throw new InvalidOperationException("the set does not hold exactly one value");

    /// <summary>Smallest value (the set must not be empty).</summary>
    public readonly uint Min => _count switch
    {
        0 => throw new InvalidOperationException("empty set"),
        1 => _one,
        _ => _store is uint[] a ? a[0] : ((ChunkBitmap)_store!).Min,
    };

    /// <summary>Largest value (the set must not be empty).</summary>
    public readonly uint Max => _count switch
    {
        0 => throw new InvalidOperationException("empty set"),
        1 => _one,
        _ => _store is uint[] a ? a[_count - 1] : ((ChunkBitmap)_store!).Max,
    };

    /// <summary>Adds <paramref name="value"/>; true when it was not in the set.</summary>
    public bool Add(uint value)
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

            _store = _one < value ? new[] { _one, value } : new[] { value, _one };
            _count = 2;
            return true;
        }

        if (_store is uint[] array)
        {
            return AddToArray(array, value);
        }

        if (((ChunkBitmap)_store!).Add(value))
        {
            _count++;
            return true;
        }

        return false;
    }

    /// <summary>True when <paramref name="value"/> is in the set.</summary>
    public readonly bool Contains(uint value) => _count switch
    {
        0 => false,
        1 => _one == value,
        _ => _store is uint[] a ? Array.BinarySearch(a, 0, _count, value) >= 0 : ((ChunkBitmap)_store!).Contains(value),
    };

    /// <summary>Adds every value of <paramref name="other"/> (which is left unchanged).</summary>
    public void UnionWith(in CompactSet other)
    {
        if (other._count == 0)
        {
            return;
        }

        if (_count == 0)
        {
            this = other.Clone();
            return;
        }

        if (other._store is ChunkBitmap theirs)
        {
            if (_store is not ChunkBitmap)
            {
                var bitmap = theirs.Clone();
                var added = 0;
                foreach (var v in Values())
                {
                    added += bitmap.Add(v) ? 1 : 0;
                }

                _store = bitmap;
                _count = other._count + added;
                return;
            }

            _count += ((ChunkBitmap)_store).UnionWith(theirs);
            return;
        }

        if (other._count == 1)
        {
            Add(other._one);
            return;
        }

        var values = (uint[])other._store!;
        for (var i = 0; i < other._count; i++)
        {
            Add(values[i]);
        }
    }

    /// <summary>A deep copy.</summary>
    public readonly CompactSet Clone()
    {
        var copy = this;
        copy._store = _store switch
        {
            uint[] a => (uint[])a.Clone(),
            ChunkBitmap b => b.Clone(),
            _ => null,
        };
        return copy;
    }

    /// <summary>The values in ascending order.</summary>
    public readonly IEnumerable<uint> Values()
    {
        if (_count == 1)
        {
            return [_one];
        }

        return _store switch
        {
            uint[] a => new ArraySegment<uint>(a, 0, _count),
            ChunkBitmap b => b.Values(),
            _ => [],
        };
    }

    /// <summary>Approximate heap bytes held outside the struct itself.</summary>
    public readonly long HeapBytes => _store switch
    {
        uint[] a => 24 + (4L * a.Length),
        ChunkBitmap b => b.HeapBytes,
        _ => 0,
    };

    private bool AddToArray(uint[] array, uint value)
    {
        var n = _count;
        int at;
        if (value > array[n - 1])
        {
            at = n;
        }
        else
        {
            at = Array.BinarySearch(array, 0, n, value);
            if (at >= 0)
            {
                return false;
            }

            at = ~at;
        }

        if (n == array.Length)
        {
            if (n >= ArrayLimit)
            {
                var bitmap = new ChunkBitmap();
                foreach (var v in array)
                {
                    bitmap.Add(v);
                }

                bitmap.Add(value);
                _store = bitmap;
                _count = n + 1;
                return true;
            }

            var grown = new uint[Math.Min(n * 2, ArrayLimit)];
            Array.Copy(array, grown, at);
            Array.Copy(array, at, grown, at + 1, n - at);
            grown[at] = value;
            _store = grown;
        }
        else
        {
            Array.Copy(array, at, array, at + 1, n - at);
            array[at] = value;
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

        var at = Array.BinarySearch(_keys, 0, _n, key);
        if (at >= 0)
        {
            _last = at;
            return _chunks[at];
        }

        if (!create)
        {
            return null;
        }

        at = ~at;
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
