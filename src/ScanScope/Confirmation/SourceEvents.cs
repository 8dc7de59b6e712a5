using System.Runtime.InteropServices;

namespace ScanScope.Confirmation;

/// <summary>
/// The probes one source sent to the telescope: parallel arrays of timestamp, destination and
/// destination port, sorted by time.
/// </summary>
/// <remarks>
/// The orchestrator collects these in a second pass over the captures, for the clustered sources
/// (and, for recovery, the candidates) only, so memory grows with their probes and not with the
/// whole capture. Retries are kept: confirmation folds them itself.
/// </remarks>
public sealed class SourceEvents
{
    /// <summary>Creates the events of <paramref name="source"/>; the arrays are sorted by time if they are not.</summary>
    public SourceEvents(uint source, long[] timesNs, uint[] destinations, ushort[] ports)
    {
        ArgumentNullException.ThrowIfNull(timesNs);
        ArgumentNullException.ThrowIfNull(destinations);
        ArgumentNullException.ThrowIfNull(ports);
        if (timesNs.Length != destinations.Length || timesNs.Length != ports.Length)
        {
            throw new ArgumentException("times, destinations and ports must have the same length");
        }

        if (!IsSorted(timesNs))
        {
            var order = Enumerable.Range(0, timesNs.Length).ToArray();
            Array.Sort((long[])timesNs.Clone(), order);
            timesNs = [.. order.Select(i => timesNs[i])];
            destinations = [.. order.Select(i => destinations[i])];
            ports = [.. order.Select(i => ports[i])];
        }

        Source = source;
        TimesNs = timesNs;
        Destinations = destinations;
        Ports = ports;
    }

    /// <summary>Source address (big-endian integer, 1.2.3.4 = 0x01020304).</summary>
    public uint Source { get; }

    /// <summary>Probe timestamps, nanoseconds since the Unix epoch, ascending.</summary>
    public long[] TimesNs { get; }

    /// <summary>Destination address of each probe.</summary>
    public uint[] Destinations { get; }

    /// <summary>Destination port of each probe.</summary>
    public ushort[] Ports { get; }

    /// <summary>Number of probes.</summary>
    public int Count => TimesNs.Length;

    private static bool IsSorted(long[] values)
    {
        for (var i = 1; i < values.Length; i++)
        {
            if (values[i] < values[i - 1])
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>Collects the probes of many sources in any order and hands out one <see cref="SourceEvents"/> each.</summary>
/// <remarks>
/// A source's probes go into arrays of the length <see cref="Reserve"/> announced (the packet count
/// its features already give), so a second pass over the captures neither grows lists nor copies
/// them at the end; an unannounced source's arrays double as they fill.
/// </remarks>
public sealed class SourceEventsBuilder
{
    private readonly Dictionary<uint, Probes> _bySource = [];

    /// <summary>A builder expecting the probes of <paramref name="sources"/>, each as many as its packets in <paramref name="features"/>.</summary>
    public static SourceEventsBuilder For(IReadOnlyDictionary<uint, int> sources, IReadOnlyList<Features.FeatureRow> features)
    {
        ArgumentNullException.ThrowIfNull(sources);
        ArgumentNullException.ThrowIfNull(features);
        var builder = new SourceEventsBuilder();
        foreach (var row in features)
        {
            if (sources.ContainsKey(row.Src))
            {
                builder.Reserve(row.Src, (int)Math.Min(row.Packets, Array.MaxLength));
            }
        }

        return builder;
    }

    /// <summary>Expects <paramref name="count"/> probes of <paramref name="source"/> (more still fit; a source already known is left as it is).</summary>
    public void Reserve(uint source, int count) => Reserved(source, count);

    /// <summary>As <see cref="Reserve"/>, and the source's probes to add to directly (a run of one source: one lookup, not one per probe).</summary>
    internal Probes Reserved(uint source, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ref var probes = ref CollectionsMarshal.GetValueRefOrAddDefault(_bySource, source, out _);
        return probes ??= new Probes(count);
    }

    /// <summary>Adds one probe.</summary>
    public void Add(uint source, long timeNs, uint destination, ushort port)
    {
        ref var probes = ref CollectionsMarshal.GetValueRefOrAddDefault(_bySource, source, out _);
        probes ??= new Probes(4);
        probes.Add(timeNs, destination, port);
    }

    /// <summary>Adds one probe of a source the builder knows (announced with <see cref="Reserve"/>, or added before); false, and nothing added, for any other.</summary>
    public bool AddReserved(uint source, long timeNs, uint destination, ushort port)
    {
        if (!_bySource.TryGetValue(source, out var probes))
        {
            return false;
        }

        probes.Add(timeNs, destination, port);
        return true;
    }

    /// <summary>Number of sources seen or announced.</summary>
    public int SourceCount => _bySource.Count;

    /// <summary>The events of every source that has at least one probe, keyed by source address.</summary>
    public Dictionary<uint, SourceEvents> Build() =>
        _bySource.Where(kv => kv.Value.Count > 0).ToDictionary(kv => kv.Key, kv => kv.Value.ToEvents(kv.Key));

    /// <summary>One source's probes as they are added.</summary>
    internal sealed class Probes(int capacity)
    {
        private long[] _times = new long[capacity];
        private uint[] _destinations = new uint[capacity];
        private ushort[] _ports = new ushort[capacity];

        public int Count { get; private set; }

        public void Add(long timeNs, uint destination, ushort port)
        {
            if (Count == _times.Length)
            {
                var size = Math.Max(4, Count * 2);
                Array.Resize(ref _times, size);
                Array.Resize(ref _destinations, size);
                Array.Resize(ref _ports, size);
            }

            _times[Count] = timeNs;
            _destinations[Count] = destination;
            _ports[Count] = port;
            Count++;
        }

        public SourceEvents ToEvents(uint source)
        {
            if (Count != _times.Length)
            {
                Array.Resize(ref _times, Count);
                Array.Resize(ref _destinations, Count);
                Array.Resize(ref _ports, Count);
            }

            return new SourceEvents(source, _times, _destinations, _ports);
        }
    }
}
