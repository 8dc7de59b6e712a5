using System.Runtime.InteropServices;
using ScanScope.Features;

namespace ScanScope.Telescope;

/// <summary>
/// Per-observer activity per minute and the telescope's packets per minute, folded from every TCP
/// packet to the telescope (before the feature filter). Mergeable like the source accumulator.
/// </summary>
/// <remarks>
/// An observer's active minutes are an exact compact set (minutes since the Unix epoch): a sorted
/// array while small, then a bitmap of 4096-minute chunks, about 6 KB for an observer that is up
/// all month. Exact sets make the merge independent of how the input is split; a running count
/// would double-count a minute that two files share.
/// </remarks>
public sealed class TelescopeAccumulator : ITelescopeCounts
{
    private Dictionary<uint, CompactSet> _observers = [];
    private SlabStore _store = new();
    private Dictionary<uint, long> _minutePackets = [];
    private uint _currentMinute = uint.MaxValue;
    private long _currentCount;

    /// <summary>Packets folded in.</summary>
    public long Packets { get; private set; }

    /// <summary>Earliest timestamp (ns), or <see cref="long.MaxValue"/> when empty.</summary>
    public long FirstNs { get; private set; } = long.MaxValue;

    /// <summary>Latest timestamp (ns), or <see cref="long.MinValue"/> when empty.</summary>
    public long LastNs { get; private set; } = long.MinValue;

    /// <summary>Number of distinct destination addresses that received a packet.</summary>
    public int ObserversSeen => _observers.Count;

    internal Dictionary<uint, CompactSet> Observers => _observers;

    internal SlabStore Store => _store;

    /// <summary>Packets per minute (minutes since the Unix epoch).</summary>
    public IReadOnlyDictionary<uint, long> MinutePackets
    {
        get
        {
            Flush();
            return _minutePackets;
        }
    }

    /// <summary>Minute index (since the Unix epoch) of a timestamp in nanoseconds.</summary>
    public static uint MinuteOf(long timestampNs) => (uint)(timestampNs / 60_000_000_000L);

    /// <summary>Folds one packet to <paramref name="destination"/> at <paramref name="timestampNs"/>.</summary>
    public void Add(uint destination, long timestampNs)
    {
        var minute = MinuteOf(timestampNs);
        Packets++;
        FirstNs = Math.Min(FirstNs, timestampNs);
        LastNs = Math.Max(LastNs, timestampNs);
        CollectionsMarshal.GetValueRefOrAddDefault(_observers, destination, out _).Add(minute, _store);
        if (minute != _currentMinute)
        {
            Flush();
            _currentMinute = minute;
        }

        _currentCount++;
    }

    /// <summary>Adds everything of <paramref name="other"/>; <paramref name="other"/> must not be used afterwards.</summary>
    public void Merge(TelescopeAccumulator other)
    {
        ArgumentNullException.ThrowIfNull(other);
        Flush();
        other.Flush();
        Packets += other.Packets;
        FirstNs = Math.Min(FirstNs, other.FirstNs);
        LastNs = Math.Max(LastNs, other.LastNs);
        if (_observers.Count < other._observers.Count)
        {
            (_observers, other._observers) = (other._observers, _observers);
            (_store, other._store) = (other._store, _store);
        }

        foreach (var (address, minutes) in other._observers)
        {
            ref var mine = ref CollectionsMarshal.GetValueRefOrAddDefault(_observers, address, out var exists);
            if (exists)
            {
                mine.UnionWith(minutes, other._store, _store);
            }
            else
            {
                mine = minutes.CopyTo(other._store, _store);
            }
        }

        foreach (var (minute, n) in other._minutePackets)
        {
            CollectionsMarshal.GetValueRefOrAddDefault(_minutePackets, minute, out _) += n;
        }

        other._observers = [];
        other._store = new();
        other._minutePackets = [];
        other.Packets = 0;
    }

    /// <inheritdoc />
    public TelescopeSpace InferSpace() => TelescopeSpace.Infer(_observers.Keys);

    /// <inheritdoc />
    public int ObserversIn(TelescopeSpace space)
    {
        ArgumentNullException.ThrowIfNull(space);
        return _observers.Keys.Count(space.Contains);
    }

    /// <inheritdoc />
    public IEnumerable<ObserverActivity> Activity(TelescopeSpace space, uint firstMinute, uint endMinute, int periodMinutes, IReadOnlyList<bool> informative)
    {
        ArgumentNullException.ThrowIfNull(space);
        ArgumentNullException.ThrowIfNull(informative);
        ArgumentOutOfRangeException.ThrowIfLessThan(periodMinutes, 1);
        var days = new List<uint>();
        foreach (var (address, minutes) in _observers)
        {
            if (!space.Contains(address))
            {
                continue;
            }

            days.Clear();
            var lastPeriod = uint.MaxValue;
            var periods = 0;
            foreach (var m in minutes.Values(_store))
            {
                // Minutes come in ascending order, so a new period is a change of period number.
                if (m >= firstMinute && m < endMinute && (m - firstMinute) / (uint)periodMinutes is var period && period != lastPeriod)
                {
                    periods += period < informative.Count && informative[(int)period] ? 1 : 0;
                    lastPeriod = period;
                }

                var day = m / 1440;
                if (days.Count == 0 || days[^1] != day)
                {
                    days.Add(day);
                }
            }

            yield return new ObserverActivity(address, periods, days.ToArray());
        }
    }

    /// <summary>Rough bytes held, for the memory benchmark.</summary>
    public long EstimateBytes()
    {
        return (_observers.EnsureCapacity(0) * 28L) + (_minutePackets.EnsureCapacity(0) * 24L) + _store.Bytes;
    }

    private void Flush()
    {
        if (_currentCount > 0)
        {
            CollectionsMarshal.GetValueRefOrAddDefault(_minutePackets, _currentMinute, out _) += _currentCount;
            _currentCount = 0;
        }
    }
}
