namespace ScanScope.Telescope;

/// <summary>
/// The telescope counts of accumulators that own disjoint observers (the partitions of one fold):
/// answered part by part, with no merge. Each observer's minutes are all in one part, so its
/// activity is that part's; the parts are walked in parallel.
/// </summary>
internal sealed class PartitionedTelescope : ITelescopeCounts
{
    private readonly TelescopeAccumulator[] _parts;
    private Dictionary<uint, long>? _minutePackets;

    /// <summary>Answers for <paramref name="parts"/>, which must never share an observer.</summary>
    public PartitionedTelescope(IReadOnlyList<TelescopeAccumulator> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        _parts = [.. parts];
    }

    /// <summary>Packets folded in, over all parts.</summary>
    public long Packets => _parts.Sum(p => p.Packets);

    /// <summary>Earliest packet timestamp (ns) of any part.</summary>
    public long FirstNs => _parts.Min(p => p.FirstNs);

    /// <summary>Latest packet timestamp (ns) of any part.</summary>
    public long LastNs => _parts.Max(p => p.LastNs);

    /// <inheritdoc />
    public IReadOnlyDictionary<uint, long> MinutePackets
    {
        get
        {
            if (_minutePackets is null)
            {
                var sum = new Dictionary<uint, long>(_parts[0].MinutePackets);
                foreach (var part in _parts.Skip(1))
                {
                    foreach (var (minute, n) in part.MinutePackets)
                    {
                        sum[minute] = sum.GetValueOrDefault(minute) + n;
                    }
                }

                _minutePackets = sum;
            }

            return _minutePackets;
        }
    }

    /// <inheritdoc />
    public TelescopeSpace InferSpace() => TelescopeSpace.Infer(_parts.SelectMany(p => p.InferredNetworks()));

    /// <inheritdoc />
    public int ObserversIn(TelescopeSpace space) => _parts.Sum(p => p.ObserversIn(space));

    /// <inheritdoc />
    public IEnumerable<ObserverActivity> Activity(TelescopeSpace space, uint firstMinute, uint endMinute, int periodMinutes, IReadOnlyList<bool> informative)
    {
        // The parts in parallel, each walking its minutes on its share of the cores: a walker reads
        // every record of its part and skips the slots of the other walkers, so more walkers than
        // cores only repeat that reading.
        var each = new List<ObserverActivity>[_parts.Length];
        var walkers = Math.Max(1, Environment.ProcessorCount / _parts.Length);
        Parallel.For(0, _parts.Length, i => each[i] = [.. _parts[i].Activity(space, firstMinute, endMinute, periodMinutes, informative, walkers)]);
        return each.SelectMany(a => a);
    }

    /// <inheritdoc />
    public IEnumerable<(uint Day, uint Subnet, int Observers)> DailyObservers(TelescopeSpace space)
    {
        var each = new List<(uint, uint, int)>[_parts.Length];
        var walkers = Math.Max(1, Environment.ProcessorCount / _parts.Length);
        Parallel.For(0, _parts.Length, i => each[i] = [.. _parts[i].DailyObservers(space, walkers)]);
        return each.SelectMany(a => a);
    }
}
