using System.Numerics;
using System.Runtime.InteropServices;

namespace ScanScope.Telescope;

/// <summary>
/// Per-observer activity per minute and the telescope's packets per minute, folded from every TCP
/// packet to the telescope (before the feature filter). Mergeable like the source accumulator.
/// </summary>
/// <remarks>
/// Kept time-major: the open minute is a bitmap over the observers, one 512-byte block per /20
/// that received anything (found through a table indexed by the address's upper 20 bits); when the
/// packets move on to the next minute, its set bits are sealed into the minute's record (2-byte
/// offsets per /20, or the block itself when more than 256 of its observers were up). Packets come
/// in time order, so a packet costs one bit set in a few hot kilobytes instead of a lookup in a
/// per-observer set spread over the whole telescope's memory (docs/benchmarks-features.md).
/// Memory grows with the (observer, minute) pairs that saw traffic, at most 512 bytes per /20 and
/// minute: about 350 MB for a fully lit /16 month. A packet for a minute already sealed (reordered
/// input, or two inputs read side by side) reopens that minute. The records are exact, so the merge
/// does not depend on how the input was split.
/// </remarks>
public sealed class TelescopeAccumulator : ITelescopeCounts
{
    private const int SlotShift = 12;
    private const int WordsPerSlot = 1 << (SlotShift - 6);
    private const int DenseAbove = WordsPerSlot * 4;
    private const ushort DenseMark = ushort.MaxValue;
    private const long NsPerMinute = 60_000_000_000L;
    private const uint Closed = uint.MaxValue;

    private int[] _slotOf = new int[1 << (32 - SlotShift)];
    private uint[] _prefixes = new uint[16];
    private ulong[][] _seen = new ulong[16][];
    private ulong[][] _open = new ulong[16][];
    private ulong[] _dirty = new ulong[16];
    private int _slots;
    private readonly List<int> _touched = [];

    private uint _minute = Closed;
    private long _minuteFrom = long.MaxValue;
    private long _minuteTo = long.MinValue;
    private long _minuteCount;
    private Dictionary<uint, ushort[]> _sealed = [];
    private Dictionary<uint, long> _minutePackets = [];

    /// <summary>Packets folded in.</summary>
    public long Packets { get; private set; }

    /// <summary>Earliest timestamp (ns), or <see cref="long.MaxValue"/> when empty.</summary>
    public long FirstNs { get; private set; } = long.MaxValue;

    /// <summary>Latest timestamp (ns), or <see cref="long.MinValue"/> when empty.</summary>
    public long LastNs { get; private set; } = long.MinValue;

    /// <summary>Number of distinct destination addresses that received a packet.</summary>
    public int ObserversSeen
    {
        get
        {
            Close();
            var n = 0;
            for (var s = 0; s < _slots; s++)
            {
                foreach (var w in _seen[s])
                {
                    n += BitOperations.PopCount(w);
                }
            }

            return n;
        }
    }

    /// <summary>Packets per minute (minutes since the Unix epoch).</summary>
    public IReadOnlyDictionary<uint, long> MinutePackets
    {
        get
        {
            Close();
            return _minutePackets;
        }
    }

    /// <summary>Minute index (since the Unix epoch) of a timestamp in nanoseconds.</summary>
    public static uint MinuteOf(long timestampNs) => (uint)(timestampNs / 60_000_000_000L);

    /// <summary>Folds one packet to <paramref name="destination"/> at <paramref name="timestampNs"/>.</summary>
    public void Add(uint destination, long timestampNs)
    {
        Packets++;
        FirstNs = Math.Min(FirstNs, timestampNs);
        LastNs = Math.Max(LastNs, timestampNs);
        if (timestampNs < _minuteFrom || timestampNs >= _minuteTo)
        {
            Open(MinuteOf(timestampNs));
        }

        _minuteCount++;
        var slot = _slotOf[destination >> SlotShift] - 1;
        if (slot < 0)
        {
            slot = NewSlot(destination >> SlotShift);
        }

        var word = (int)(destination >> 6) & (WordsPerSlot - 1);
        ref var bits = ref _open[slot][word];
        if (bits == 0)
        {
            if (_dirty[slot] == 0)
            {
                _touched.Add(slot);
            }

            _dirty[slot] |= 1UL << word;
        }

        bits |= 1UL << (int)(destination & 63);
    }

    /// <summary>Adds everything of <paramref name="other"/>; <paramref name="other"/> must not be used afterwards.</summary>
    public void Merge(TelescopeAccumulator other)
    {
        ArgumentNullException.ThrowIfNull(other);
        Close();
        other.Close();
        Packets += other.Packets;
        FirstNs = Math.Min(FirstNs, other.FirstNs);
        LastNs = Math.Max(LastNs, other.LastNs);
        var map = new int[other._slots];
        for (var s = 0; s < other._slots; s++)
        {
            map[s] = SlotFor(other._prefixes[s]);
            var seen = _seen[map[s]];
            var theirs = other._seen[s];
            for (var w = 0; w < WordsPerSlot; w++)
            {
                seen[w] |= theirs[w];
            }
        }

        // Records of one minute are concatenated (their slots renamed): an observer in both appears
        // twice, which the activity walk counts once and a reopened minute seals once.
        foreach (var (minute, record) in other._sealed)
        {
            for (var at = 0; at < record.Length;)
            {
                var slot = map[record[at] | (record[at + 1] << 16)];
                record[at] = (ushort)slot;
                record[at + 1] = (ushort)(slot >> 16);
                at += 3 + (record[at + 2] == DenseMark ? WordsPerSlot * 4 : record[at + 2]);
            }

            ref var mine = ref CollectionsMarshal.GetValueRefOrAddDefault(_sealed, minute, out var exists);
            mine = exists ? [.. mine!, .. record] : record;
        }

        foreach (var (minute, n) in other._minutePackets)
        {
            CollectionsMarshal.GetValueRefOrAddDefault(_minutePackets, minute, out _) += n;
        }

        other._sealed = [];
        other._minutePackets = [];
        other._slotOf = [];
        other._slots = 0;
        other.Packets = 0;
    }

    /// <inheritdoc />
    public TelescopeSpace InferSpace() => TelescopeSpace.Infer(Addresses());

    /// <inheritdoc />
    public int ObserversIn(TelescopeSpace space)
    {
        ArgumentNullException.ThrowIfNull(space);
        return Addresses().Count(space.Contains);
    }

    /// <inheritdoc />
    public IEnumerable<ObserverActivity> Activity(TelescopeSpace space, uint firstMinute, uint endMinute, int periodMinutes, IReadOnlyList<bool> informative)
        => Activity(space, firstMinute, endMinute, periodMinutes, informative, Environment.ProcessorCount);

    /// <summary>As <see cref="Activity(TelescopeSpace, uint, uint, int, IReadOnlyList{bool})"/>, walking the minutes on up to <paramref name="walkers"/> threads.</summary>
    internal IEnumerable<ObserverActivity> Activity(TelescopeSpace space, uint firstMinute, uint endMinute, int periodMinutes, IReadOnlyList<bool> informative, int walkers)
    {
        ArgumentNullException.ThrowIfNull(space);
        ArgumentNullException.ThrowIfNull(informative);
        ArgumentOutOfRangeException.ThrowIfLessThan(periodMinutes, 1);
        Close();
        var order = Enumerable.Range(0, _slots).OrderBy(s => _prefixes[s]).ToArray();
        var (periods, days, dayStart) = CountActivity(order, firstMinute, endMinute, periodMinutes, informative, walkers);
        return Observers();

        IEnumerable<ObserverActivity> Observers()
        {
            var n = 0;
            foreach (var s in order)
            {
                for (var w = 0; w < WordsPerSlot; w++)
                {
                    for (var bits = _seen[s][w]; bits != 0; bits &= bits - 1)
                    {
                        var address = (_prefixes[s] << SlotShift) | (uint)(w << 6) | (uint)BitOperations.TrailingZeroCount(bits);
                        if (space.Contains(address))
                        {
                            yield return new ObserverActivity(address, periods[n], new ArraySegment<uint>(days, dayStart[n], dayStart[n + 1] - dayStart[n]));
                        }

                        n++;
                    }
                }
            }
        }
    }

    /// <summary>Rough bytes held, for the memory benchmark.</summary>
    public long EstimateBytes()
    {
        long bytes = (_slotOf.Length * 4L) + (_slots * ((2L * WordsPerSlot * 8) + 16)) + (_minutePackets.EnsureCapacity(0) * 24L);
        foreach (var record in _sealed.Values)
        {
            bytes += 48 + (record.Length * 2L);
        }

        return bytes;
    }

    // Per observer (numbered in address order: slots by prefix, then the seen bits), the informative
    // periods it was up in and its days, from one walk over the sealed minutes in time order; a new
    // period or day of an observer is a change of its number.
    private (int[] Periods, uint[] Days, int[] DayStart) CountActivity(int[] order, uint firstMinute, uint endMinute, int periodMinutes, IReadOnlyList<bool> informative, int walkers)
    {
        var rank = new int[_slots * WordsPerSlot];
        var observers = 0;
        foreach (var s in order)
        {
            for (var w = 0; w < WordsPerSlot; w++)
            {
                rank[(s * WordsPerSlot) + w] = observers;
                observers += BitOperations.PopCount(_seen[s][w]);
            }
        }

        var periods = new int[observers];
        var lastPeriod = new uint[observers];
        var lastDay = new uint[observers];
        Array.Fill(lastPeriod, uint.MaxValue);
        Array.Fill(lastDay, uint.MaxValue);
        var dayStart = new int[observers + 1];

        // The walk is split over the cores by slot: an observer lives in one slot, so each part
        // updates only its own observers' entries, and sees their minutes in time order.
        var minutes = _sealed.Keys.Order().ToArray();
        var records = minutes.Select(m => _sealed[m]).ToArray();
        var parts = Math.Clamp(Math.Min(walkers, _slots), 1, 64);
        var pairsOf = new List<(int Observer, uint Day)>[parts];
        Parallel.For(0, parts, part =>
        {
            var pairs = pairsOf[part] = [];
            for (var i = 0; i < minutes.Length; i++)
            {
                var minute = minutes[i];
                var inWindow = minute >= firstMinute && minute < endMinute;
                var period = inWindow ? (minute - firstMinute) / (uint)periodMinutes : 0;
                var counts = inWindow && period < informative.Count && informative[(int)period];
                var day = minute / 1440;
                for (var walk = new Walk(records[i], part, parts); walk.MoveNext();)
                {
                    var (slot, word) = (walk.Slot, walk.Offset >> 6);
                    var o = rank[(slot * WordsPerSlot) + word] + BitOperations.PopCount(_seen[slot][word] & ((1UL << (walk.Offset & 63)) - 1));
                    if (inWindow && lastPeriod[o] != period)
                    {
                        periods[o] += counts ? 1 : 0;
                        lastPeriod[o] = period;
                    }

                    if (lastDay[o] != day)
                    {
                        lastDay[o] = day;
                        pairs.Add((o, day));
                        dayStart[o + 1]++;
                    }
                }
            }
        });

        // Days grouped by observer (a counting sort; each observer's days are already ascending).
        for (var o = 0; o < observers; o++)
        {
            dayStart[o + 1] += dayStart[o];
        }

        var days = new uint[dayStart[observers]];
        var fill = dayStart[..observers];
        foreach (var pairs in pairsOf)
        {
            foreach (var (o, day) in pairs)
            {
                days[fill[o]++] = day;
            }
        }

        return (periods, days, dayStart);
    }

    // All observers that received anything, ascending.
    internal IEnumerable<uint> Addresses()
    {
        Close();
        foreach (var s in Enumerable.Range(0, _slots).OrderBy(s => _prefixes[s]))
        {
            for (var w = 0; w < WordsPerSlot; w++)
            {
                for (var bits = _seen[s][w]; bits != 0; bits &= bits - 1)
                {
                    yield return (_prefixes[s] << SlotShift) | (uint)(w << 6) | (uint)BitOperations.TrailingZeroCount(bits);
                }
            }
        }
    }

    private int SlotFor(uint prefix)
    {
        var slot = _slotOf[prefix] - 1;
        return slot >= 0 ? slot : NewSlot(prefix);
    }

    private int NewSlot(uint prefix)
    {
        if (_slots == _prefixes.Length)
        {
            var size = _slots * 2;
            Array.Resize(ref _prefixes, size);
            Array.Resize(ref _seen, size);
            Array.Resize(ref _open, size);
            Array.Resize(ref _dirty, size);
        }

        var slot = _slots++;
        _prefixes[slot] = prefix;
        _seen[slot] = new ulong[WordsPerSlot];
        _open[slot] = new ulong[WordsPerSlot];
        _slotOf[prefix] = slot + 1;
        return slot;
    }

    // Makes minute the open one: seals the open minute and brings back the minute's record if it was sealed.
    private void Open(uint minute)
    {
        Close();
        _minute = minute;
        _minuteFrom = minute * NsPerMinute;
        _minuteTo = _minuteFrom + NsPerMinute;
        if (_sealed.Remove(minute, out var record))
        {
            Set(record);
        }
    }

    // Seals the open minute into its record: per /20 touched, its slot (two words), the number of
    // observers up and their offsets ascending, or DenseMark and the 64-word bitmap.
    private void Close()
    {
        if (_minute == Closed)
        {
            return;
        }

        if (_minuteCount > 0)
        {
            CollectionsMarshal.GetValueRefOrAddDefault(_minutePackets, _minute, out _) += _minuteCount;
            _minuteCount = 0;
        }

        if (_touched.Count > 0)
        {
            var length = 0;
            foreach (var slot in _touched)
            {
                var count = 0;
                for (var d = _dirty[slot]; d != 0; d &= d - 1)
                {
                    count += BitOperations.PopCount(_open[slot][BitOperations.TrailingZeroCount(d)]);
                }

                length += 3 + (count > DenseAbove ? WordsPerSlot * 4 : count);
            }

            var record = new ushort[length];
            var at = 0;
            foreach (var slot in _touched)
            {
                at = Seal(slot, record, at);
            }

            _touched.Clear();
            _sealed[_minute] = record;
        }

        _minute = Closed;
        _minuteFrom = long.MaxValue;
        _minuteTo = long.MinValue;
    }

    // Writes one /20's observers of the open minute into the record at position at, and clears them.
    private int Seal(int slot, ushort[] record, int at)
    {
        var open = _open[slot];
        var seen = _seen[slot];
        var count = 0;
        for (var d = _dirty[slot]; d != 0; d &= d - 1)
        {
            count += BitOperations.PopCount(open[BitOperations.TrailingZeroCount(d)]);
        }

        record[at++] = (ushort)slot;
        record[at++] = (ushort)(slot >> 16);
        var dense = count > DenseAbove;
        record[at++] = dense ? DenseMark : (ushort)count;
        if (dense)
        {
            open.AsSpan().CopyTo(MemoryMarshal.Cast<ushort, ulong>(record.AsSpan(at, WordsPerSlot * 4)));
        }

        for (var d = _dirty[slot]; d != 0; d &= d - 1)
        {
            var w = BitOperations.TrailingZeroCount(d);
            var bits = open[w];
            seen[w] |= bits;
            open[w] = 0;
            for (; !dense && bits != 0; bits &= bits - 1)
            {
                record[at++] = (ushort)((w << 6) | BitOperations.TrailingZeroCount(bits));
            }
        }

        _dirty[slot] = 0;
        return dense ? at + (WordsPerSlot * 4) : at;
    }

    // Sets a sealed record's observers in the open minute.
    private void Set(ushort[] record)
    {
        for (var walk = new Walk(record); walk.MoveNext();)
        {
            var slot = walk.Slot;
            if (_dirty[slot] == 0)
            {
                _touched.Add(slot);
            }

            _open[slot][walk.Offset >> 6] |= 1UL << (walk.Offset & 63);
            _dirty[slot] |= 1UL << (walk.Offset >> 6);
        }
    }

    /// <summary>
    /// Walks a sealed minute's record: the slot and offset of every observer in it, or only of the
    /// slots s with s mod <paramref name="parts"/> = <paramref name="part"/>.
    /// </summary>
    private ref struct Walk(ushort[] record, int part = 0, int parts = 1)
    {
        private readonly ushort[] _record = record;
        private readonly int _part = part;
        private readonly int _parts = parts;
        private int _next;
        private int _at;
        private int _end;
        private int _word = WordsPerSlot;
        private int _bitmap;
        private ulong _bits;

        public int Slot { get; private set; }

        public int Offset { get; private set; }

        public bool MoveNext()
        {
            while (true)
            {
                if (_at < _end)
                {
                    Offset = _record[_at++];
                    return true;
                }

                if (_bits != 0 || _word < WordsPerSlot - 1)
                {
                    while (_bits == 0 && _word < WordsPerSlot - 1)
                    {
                        _bits = MemoryMarshal.Cast<ushort, ulong>(_record.AsSpan(_bitmap, WordsPerSlot * 4))[++_word];
                    }

                    if (_bits != 0)
                    {
                        Offset = (_word << 6) | BitOperations.TrailingZeroCount(_bits);
                        _bits &= _bits - 1;
                        return true;
                    }
                }

                if (_next >= _record.Length)
                {
                    return false;
                }

                Slot = _record[_next] | (_record[_next + 1] << 16);
                var count = _record[_next + 2];
                _next += 3;
                if (Slot % _parts != _part)
                {
                    _next += count == DenseMark ? WordsPerSlot * 4 : count;
                    continue;
                }

                if (count == DenseMark)
                {
                    _bitmap = _next;
                    _word = -1;
                    _next += WordsPerSlot * 4;
                }
                else
                {
                    _at = _next;
                    _end = _next + count;
                    _next = _end;
                }
            }
        }
    }
}
