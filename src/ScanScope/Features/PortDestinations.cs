namespace ScanScope.Features;

/// <summary>
/// Unique destinations per destination port of one source, kept for the <c>limit</c> smallest port
/// numbers seen.
/// </summary>
/// <remarks>
/// The k smallest ports of a growing set only ever shrink toward their final value, so a port that
/// is evicted can never return, and a port in the final k smallest was kept from its first packet
/// on: the kept counts are exact and do not depend on packet, file or merge order.
/// </remarks>
internal sealed class PortDestinations
{
    private readonly int _limit;
    private ushort[] _ports;
    private CompactSet[] _sets;
    private int _n;

    public PortDestinations(int limit)
    {
        _limit = limit;
        _ports = new ushort[Math.Min(limit, 2)];
        _sets = new CompactSet[_ports.Length];
    }

    /// <summary>Number of ports kept.</summary>
    public int Count => _n;

    /// <summary>The kept ports, ascending.</summary>
    public ReadOnlySpan<ushort> Ports => _ports.AsSpan(0, _n);

    /// <summary>Unique destinations of the i-th kept port.</summary>
    public int DestinationsAt(int i) => _sets[i].Count;

    /// <summary>Starts a table from a source that so far used one port for all its destinations.</summary>
    public static PortDestinations FromSinglePort(ushort port, in CompactSet destinations, SlabStore store, int limit)
    {
        var table = new PortDestinations(limit);
        var at = table.Slot(port, store);
        if (at >= 0)
        {
            table._sets[at] = destinations.CopyTo(store, store);
        }

        return table;
    }

    public void Add(ushort port, uint destination, SlabStore store)
    {
        var at = Slot(port, store);
        if (at >= 0)
        {
            _sets[at].Add(destination, store);
        }
    }

    /// <summary>Adds every port and destination of <paramref name="other"/>.</summary>
    public void UnionWith(PortDestinations other, SlabStore otherStore, SlabStore store)
    {
        for (var i = 0; i < other._n; i++)
        {
            var at = Slot(other._ports[i], store);
            if (at >= 0)
            {
                _sets[at].UnionWith(other._sets[i], otherStore, store);
            }
        }
    }

    /// <summary>A deep copy whose sets live in <paramref name="to"/>.</summary>
    public PortDestinations CopyTo(SlabStore from, SlabStore to)
    {
        var copy = new PortDestinations(_limit) { _ports = (ushort[])_ports.Clone(), _sets = new CompactSet[_sets.Length], _n = _n };
        for (var i = 0; i < _n; i++)
        {
            copy._sets[i] = _sets[i].CopyTo(from, to);
        }

        return copy;
    }

    /// <summary>Bytes of the table itself (its sets' values live in the store).</summary>
    public long ObjectBytes => 96 + (2L * _ports.Length) + (12L * _sets.Length);

    // The slot of port, inserting it when it is among the limit smallest; -1 when it is not.
    private int Slot(ushort port, SlabStore store)
    {
        var at = Array.BinarySearch(_ports, 0, _n, port);
        if (at >= 0)
        {
            return at;
        }

        at = ~at;
        if (at >= _limit)
        {
            return -1;
        }

        if (_n == _limit)
        {
            _sets[--_n].FreeBlock(store);
        }
        else if (_n == _ports.Length)
        {
            var size = Math.Min(_limit, _n * 2);
            Array.Resize(ref _ports, size);
            Array.Resize(ref _sets, size);
        }

        Array.Copy(_ports, at, _ports, at + 1, _n - at);
        Array.Copy(_sets, at, _sets, at + 1, _n - at);
        _ports[at] = port;
        _sets[at] = default;
        _n++;
        return at;
    }
}
