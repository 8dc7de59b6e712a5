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
public sealed class SourceEventsBuilder
{
    private readonly Dictionary<uint, (List<long> T, List<uint> D, List<ushort> P)> _bySource = [];

    /// <summary>Adds one probe.</summary>
    public void Add(uint source, long timeNs, uint destination, ushort port)
    {
        if (!_bySource.TryGetValue(source, out var lists))
        {
            lists = ([], [], []);
            _bySource[source] = lists;
        }

        lists.T.Add(timeNs);
        lists.D.Add(destination);
        lists.P.Add(port);
    }

    /// <summary>Number of sources seen.</summary>
    public int SourceCount => _bySource.Count;

    /// <summary>The events of every source seen, keyed by source address.</summary>
    public Dictionary<uint, SourceEvents> Build() =>
        _bySource.ToDictionary(kv => kv.Key, kv => new SourceEvents(kv.Key, [.. kv.Value.T], [.. kv.Value.D], [.. kv.Value.P]));
}
