using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ScanScope.Packets;

namespace ScanScope.Features;

/// <summary>Everything the features need about one source, folded from its packets.</summary>
internal struct SourceState
{
    public long FirstNs;
    public long LastNs;
    public long Packets;
    public CompactSet Destinations;
    public CompactSet Bins;
    public CompactSet Ports;

    /// <summary>Per-port destination sets, created when a second port appears.</summary>
    public PortDestinations PerPort;
    public uint Tools;
    public byte TtlMin;
    public byte TtlMax;

    public static SourceState Empty => new() { FirstNs = long.MaxValue, LastNs = long.MinValue, TtlMin = byte.MaxValue };
}

/// <summary>The fields of a packet the source accumulator uses, with its bin (24 bytes).</summary>
internal readonly record struct SourcePacket(uint Src, uint Dst, long TimestampNs, uint Bin, ushort Port, byte Ttl, Toolchain Tool);

/// <summary>
/// The per-source accumulator: <see cref="Add"/> one packet with its bin, <see cref="Merge"/> another
/// partial state. The result is the same whatever the order of packets and merges.
/// </summary>
/// <remarks>
/// Memory grows with the number of sources (about 110 bytes for a source seen once, a few hundred for
/// a typical scanner), never with packets: destinations, bins and ports are exact compact sets.
/// </remarks>
public sealed class SourceAccumulator
{
    private Dictionary<uint, SourceState> _sources = [];
    private SlabStore _store = new();

    /// <summary>Creates an empty accumulator that keeps per-port destination counts for up to <paramref name="portListLimit"/> ports per source.</summary>
    public SourceAccumulator(int portListLimit = 32)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(portListLimit);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(portListLimit, PortDestinations.MaxLimit);
        PortListLimit = portListLimit;
    }

    /// <summary>Ports listed (with their destination counts) per source, the smallest port numbers first.</summary>
    public int PortListLimit { get; }

    /// <summary>Number of sources seen.</summary>
    public int Count => _sources.Count;

    /// <summary>Packets folded in.</summary>
    public long Packets { get; private set; }

    internal Dictionary<uint, SourceState> Sources => _sources;

    internal SlabStore Store => _store;

    /// <summary>Folds one packet that falls in bin <paramref name="bin"/>.</summary>
    public void Add(in PacketRecord packet, uint bin) => Add(packet.Src, packet.Dst, packet.DstPort, packet.TimestampNs, packet.Ttl, packet.Tool, bin);

    /// <summary>Folds one packet, given by the fields the features use, that falls in bin <paramref name="bin"/>.</summary>
    public void Add(uint src, uint dst, ushort port, long timestampNs, byte ttl, Toolchain tool, uint bin)
    {
        ref var s = ref CollectionsMarshal.GetValueRefOrAddDefault(_sources, src, out var exists);
        if (!exists)
        {
            s = SourceState.Empty;
        }

        Packets++;
        s.Packets++;
        s.FirstNs = Math.Min(s.FirstNs, timestampNs);
        s.LastNs = Math.Max(s.LastNs, timestampNs);
        var store = _store;
        s.Bins.Add(bin, store);
        s.Tools |= 1u << ((int)tool & 31);
        s.TtlMin = Math.Min(s.TtlMin, ttl);
        s.TtlMax = Math.Max(s.TtlMax, ttl);
        if (!s.PerPort.Exists && s.Ports.Count == 1 && s.Ports.Single != port)
        {
            s.PerPort = PortDestinations.FromSinglePort((ushort)s.Ports.Single, s.Destinations, store, store, PortListLimit);
        }

        s.Ports.Add(port, store);
        s.Destinations.Add(dst, store);
        if (s.PerPort.Exists)
        {
            s.PerPort.Add(port, dst, store, PortListLimit);
        }
    }

    /// <summary>
    /// Folds a run of packets that all come from one source, as <see cref="Add(uint, uint, ushort, long, byte, Toolchain, uint)"/>
    /// does one by one, with the same result: the source is looked up once, and its destinations
    /// (and each port's) go in as one batch per set (<see cref="CompactSet.AddMany"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void AddRun(ReadOnlySpan<SourcePacket> run)
    {
        var src = run[0].Src;
        if (run.Length < MinSortedRun)
        {
            foreach (ref readonly var p in run)
            {
                Add(src, p.Dst, p.Port, p.TimestampNs, p.Ttl, p.Tool, p.Bin);
            }

            return;
        }

        ref var s = ref CollectionsMarshal.GetValueRefOrAddDefault(_sources, src, out var exists);
        if (!exists)
        {
            s = SourceState.Empty;
        }

        var store = _store;
        var (first, last, ttlMin, ttlMax, tools) = (s.FirstNs, s.LastNs, s.TtlMin, s.TtlMax, s.Tools);
        var port = run[0].Port;
        var onePort = true;
        foreach (ref readonly var p in run)
        {
            first = Math.Min(first, p.TimestampNs);
            last = Math.Max(last, p.TimestampNs);
            s.Bins.Add(p.Bin, store);
            tools |= 1u << ((int)p.Tool & 31);
            ttlMin = Math.Min(ttlMin, p.Ttl);
            ttlMax = Math.Max(ttlMax, p.Ttl);
            onePort &= p.Port == port;
        }

        (s.FirstNs, s.LastNs, s.TtlMin, s.TtlMax, s.Tools) = (first, last, ttlMin, ttlMax, tools);
        s.Packets += run.Length;
        Packets += run.Length;

        // A second port: from here on destinations are also kept per port (so far they were all on one).
        if (!s.PerPort.Exists && (!onePort || (s.Ports.Count == 1 && s.Ports.Single != port)))
        {
            var earlier = s.Ports.Count == 1 ? (ushort)s.Ports.Single : port;
            s.PerPort = PortDestinations.FromSinglePort(earlier, s.Destinations, store, store, PortListLimit);
        }

        for (var from = 0; from < run.Length; from += SortedSlice)
        {
            var slice = run.Slice(from, Math.Min(SortedSlice, run.Length - from));
            var values = _values.AsSpan(0, slice.Length);
            if (s.PerPort.Exists)
            {
                AddPerPort(ref s, slice);
            }
            else
            {
                s.Ports.Add(port, store);
            }

            for (var i = 0; i < slice.Length; i++)
            {
                values[i] = slice[i].Dst;
            }

            s.Destinations.AddMany(values, store, _merged);
        }
    }

    // Each port's destinations in one batch: the few ports of a run found by a linear scan, or, for a
    // run over many ports, by sorting (port, destination) keys.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void AddPerPort(ref SourceState s, ReadOnlySpan<SourcePacket> slice)
    {
        var store = _store;
        var values = _portValues.AsSpan();
        Span<ushort> ports = stackalloc ushort[MaxScannedPorts];
        var count = 0;
        foreach (ref readonly var p in slice)
        {
            if (!ports[..count].Contains(p.Port))
            {
                if (count == MaxScannedPorts)
                {
                    count = -1;
                    break;
                }

                ports[count++] = p.Port;
            }
        }

        if (count > 0)
        {
            foreach (var port in ports[..count])
            {
                var n = 0;
                foreach (ref readonly var p in slice)
                {
                    values[n] = p.Dst;
                    n += p.Port == port ? 1 : 0;
                }

                s.Ports.Add(port, store);
                s.PerPort.AddMany(port, values[..n], store, PortListLimit, _merged);
            }

            return;
        }

        var keys = _keys.AsSpan(0, slice.Length);
        for (var i = 0; i < slice.Length; i++)
        {
            keys[i] = ((ulong)slice[i].Port << 32) | slice[i].Dst;
        }

        keys.Sort();
        for (var at = 0; at < keys.Length;)
        {
            var port = (ushort)(keys[at] >> 32);
            var n = 0;
            for (; at < keys.Length && (ushort)(keys[at] >> 32) == port; at++)
            {
                values[n++] = (uint)keys[at];
            }

            s.Ports.Add(port, store);
            s.PerPort.AddMany(port, values[..n], store, PortListLimit, _merged);
        }
    }

    /// <summary>Runs shorter than this are folded packet by packet.</summary>
    private const int MinSortedRun = 8;

    /// <summary>Packets of a run sorted and merged at a time (bounds the scratch arrays).</summary>
    private const int SortedSlice = 4096;

    /// <summary>Distinct ports of a run grouped by scanning; more are grouped by sorting.</summary>
    private const int MaxScannedPorts = 8;

    private readonly uint[] _values = new uint[SortedSlice];
    private readonly uint[] _portValues = new uint[SortedSlice];
    private readonly ulong[] _keys = new ulong[SortedSlice];
    private readonly uint[] _merged = new uint[SortedSlice + CompactSet.ArrayLimit];

    /// <summary>Adds everything of <paramref name="other"/> to this accumulator; <paramref name="other"/> must not be used afterwards.</summary>
    public void Merge(SourceAccumulator other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (other.PortListLimit != PortListLimit)
        {
            throw new ArgumentException("accumulators with different port-list limits cannot merge", nameof(other));
        }

        Packets += other.Packets;
        if (_sources.Count < other._sources.Count)
        {
            (_sources, other._sources) = (other._sources, _sources);
            (_store, other._store) = (other._store, _store);
        }

        foreach (var (src, theirs) in other._sources)
        {
            ref var mine = ref CollectionsMarshal.GetValueRefOrAddDefault(_sources, src, out var exists);
            if (!exists)
            {
                mine = Adopt(theirs, other);
                continue;
            }

            MergeState(ref mine, theirs, other);
        }

        other._sources = [];
        other._store = new();
        other.Packets = 0;
    }

    /// <summary>Rough bytes held (entries plus the sets' arrays), for the memory benchmark.</summary>
    public long EstimateBytes()
    {
        return (_sources.EnsureCapacity(0) * (long)(16 + System.Runtime.CompilerServices.Unsafe.SizeOf<SourceState>())) + _store.Bytes;
    }

    // A source only the other side has: its sets move into this store.
    private SourceState Adopt(in SourceState theirs, SourceAccumulator other)
    {
        var s = theirs;
        s.Destinations = theirs.Destinations.CopyTo(other._store, _store);
        s.Bins = theirs.Bins.CopyTo(other._store, _store);
        s.Ports = theirs.Ports.CopyTo(other._store, _store);
        s.PerPort = theirs.PerPort.Exists ? theirs.PerPort.CopyTo(other._store, _store, PortListLimit) : default;
        return s;
    }

    private void MergeState(ref SourceState mine, in SourceState theirs, SourceAccumulator other)
    {
        // Per-port tables are needed as soon as the union has two ports; a side with one port has
        // all its destinations on that port.
        if (mine.PerPort.Exists || theirs.PerPort.Exists || mine.Ports.Single != theirs.Ports.Single)
        {
            if (!mine.PerPort.Exists)
            {
                mine.PerPort = PortDestinations.FromSinglePort((ushort)mine.Ports.Single, mine.Destinations, _store, _store, PortListLimit);
            }

            var theirTable = theirs.PerPort.Exists
                ? theirs.PerPort
                : PortDestinations.FromSinglePort((ushort)theirs.Ports.Single, theirs.Destinations, other._store, other._store, PortListLimit);
            mine.PerPort.UnionWith(theirTable, other._store, _store, PortListLimit);
        }

        mine.Packets += theirs.Packets;
        mine.FirstNs = Math.Min(mine.FirstNs, theirs.FirstNs);
        mine.LastNs = Math.Max(mine.LastNs, theirs.LastNs);
        mine.Destinations.UnionWith(theirs.Destinations, other._store, _store);
        mine.Bins.UnionWith(theirs.Bins, other._store, _store);
        mine.Ports.UnionWith(theirs.Ports, other._store, _store);
        mine.Tools |= theirs.Tools;
        mine.TtlMin = Math.Min(mine.TtlMin, theirs.TtlMin);
        mine.TtlMax = Math.Max(mine.TtlMax, theirs.TtlMax);
    }
}
