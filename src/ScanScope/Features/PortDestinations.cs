using System.Numerics;

namespace ScanScope.Features;

/// <summary>
/// Unique destinations per destination port of one source, kept for the <c>limit</c> smallest port
/// numbers seen, as one block of a <see cref="SlabStore"/>: per port four words, the port and its
/// destination <see cref="CompactSet"/>.
/// </summary>
/// <remarks>
/// The k smallest ports of a growing set only ever shrink toward their final value, so a port that
/// is evicted can never return, and a port in the final k smallest was kept from its first packet
/// on: the kept counts are exact and do not depend on packet, file or merge order.
/// </remarks>
internal struct PortDestinations
{
    /// <summary>Largest port-list limit (a table must fit one store block).</summary>
    public const int MaxLimit = (1 << SlabStore.MaxBlockShift) / Words;

    private const int Words = 4;
    private int _handle;
    private int _n;

    /// <summary>True once the source has used a second port.</summary>
    public readonly bool Exists => _handle != 0 || _n != 0;

    /// <summary>Number of ports kept.</summary>
    public readonly int Count => _n;

    /// <summary>The i-th kept port (ascending).</summary>
    public readonly ushort PortAt(int i, SlabStore store) => (ushort)store.At(_handle + (i * Words));

    /// <summary>Unique destinations of the i-th kept port.</summary>
    public readonly int DestinationsAt(int i, SlabStore store) => SetAt(i, store).Count;

    /// <summary>Starts a table from a source that so far used one port for all its destinations.</summary>
    public static PortDestinations FromSinglePort(ushort port, in CompactSet destinations, SlabStore from, SlabStore to, int limit)
    {
        var table = default(PortDestinations);
        table._handle = to.Allocate(ShiftFor(Math.Min(2, Math.Max(limit, 1))));
        if (limit > 0)
        {
            table._n = 1;
            to.At(table._handle) = port;
            table.SetSet(0, destinations.CopyTo(from, to), to);
        }

        return table;
    }

    public void Add(ushort port, uint destination, SlabStore store, int limit)
    {
        var at = Slot(port, store, limit);
        if (at >= 0)
        {
            var set = SetAt(at, store);
            set.Add(destination, store);
            SetSet(at, set, store);
        }
    }

    /// <summary>Adds <paramref name="destinations"/> of <paramref name="port"/>, in any order (see <see cref="CompactSet.AddMany"/>).</summary>
    public void AddMany(ushort port, Span<uint> destinations, SlabStore store, int limit, Span<uint> scratch)
    {
        var at = Slot(port, store, limit);
        if (at >= 0)
        {
            var set = SetAt(at, store);
            set.AddMany(destinations, store, scratch);
            SetSet(at, set, store);
        }
    }

    /// <summary>Adds every port and destination of <paramref name="other"/>, which lives in <paramref name="otherStore"/>.</summary>
    public void UnionWith(in PortDestinations other, SlabStore otherStore, SlabStore store, int limit)
    {
        for (var i = 0; i < other._n; i++)
        {
            var at = Slot(other.PortAt(i, otherStore), store, limit);
            if (at >= 0)
            {
                var set = SetAt(at, store);
                set.UnionWith(other.SetAt(i, otherStore), otherStore, store);
                SetSet(at, set, store);
            }
        }
    }

    /// <summary>A deep copy living in <paramref name="to"/>.</summary>
    public readonly PortDestinations CopyTo(SlabStore from, SlabStore to, int limit)
    {
        var copy = default(PortDestinations);
        copy._handle = to.Allocate(ShiftFor(Math.Max(_n, Math.Min(2, Math.Max(limit, 1)))));
        copy._n = _n;
        for (var i = 0; i < _n; i++)
        {
            to.At(copy._handle + (i * Words)) = PortAt(i, from);
            copy.SetSet(i, SetAt(i, from).CopyTo(from, to), to);
        }

        return copy;
    }

    private static int ShiftFor(int entries) => BitOperations.Log2(BitOperations.RoundUpToPowerOf2((uint)(entries * Words)));

    private readonly CompactSet SetAt(int i, SlabStore store)
    {
        var at = _handle + (i * Words);
        return CompactSet.FromRaw(store.At(at + 1), (int)store.At(at + 2), (int)store.At(at + 3));
    }

    private readonly void SetSet(int i, in CompactSet set, SlabStore store)
    {
        var at = _handle + (i * Words);
        var (one, count, handle) = set.Raw;
        store.At(at + 1) = one;
        store.At(at + 2) = (uint)count;
        store.At(at + 3) = (uint)handle;
    }

    // The slot of port, inserting it when it is among the limit smallest; -1 when it is not.
    private int Slot(ushort port, SlabStore store, int limit)
    {
        var lo = 0;
        var hi = _n - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            var p = PortAt(mid, store);
            if (p == port)
            {
                return mid;
            }

            if (p < port)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid - 1;
            }
        }

        var at = lo;
        if (at >= limit)
        {
            return -1;
        }

        if (_n == limit)
        {
            SetAt(--_n, store).FreeBlock(store);
        }
        else if (BitOperations.IsPow2(_n) && _n >= 2)
        {
            var shift = ShiftFor(_n);
            var grown = store.Allocate(shift + 1);
            store.Block(_handle, _n * Words).CopyTo(store.Block(grown, _n * Words));
            store.Free(_handle, shift);
            _handle = grown;
        }

        var block = store.Block(_handle, (_n + 1) * Words);
        block[(at * Words)..(_n * Words)].CopyTo(block[((at + 1) * Words)..]);
        block[at * Words] = port;
        block[(at * Words) + 1] = 0;
        block[(at * Words) + 2] = 0;
        block[(at * Words) + 3] = 0;
        _n++;
        return at;
    }
}
