using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ScanScope.Telescope;

/// <summary>
/// Per-observer activity per minute and the telescope's packets per minute, folded from every TCP
/// packet to the telescope (before the feature filter). Mergeable like the source accumulator.
/// </summary>
/// <remarks>
/// Kept time-major: the open minute's destinations are appended to a list; when the packets move
/// on to the next minute, the list is sorted and sealed into the minute's record (per /20, 2-byte
/// offsets, or a 512-byte bitmap when more than 256 of its observers were up). A minute busier than
/// the list's limit goes into a bitmap over the observers instead, one 512-byte block per /20 that
/// received anything (found through a table indexed by the address's upper 20 bits), sealed the same
/// way. Packets come in time order, so a packet costs an append (or one bit set) instead of a lookup
/// in a per-observer set spread over the whole telescope's memory (docs/benchmarks-features.md).
/// Memory grows with the (observer, minute) pairs that saw traffic, at most 512 bytes per /20 and
/// minute: about 350 MB for a fully lit /16 month. A packet for a minute already sealed (reordered
/// input, or two inputs read side by side) reopens that minute. The records are exact, so the merge
/// does not depend on how the input was split.
/// </remarks>
public sealed class TelescopeAccumulator : ITelescopeCounts
{
    /// <summary>log2 of the addresses of a slot, the /20 that one per-minute bitmap covers.</summary>
    internal const int SlotShift = 12;
    private const int WordsPerSlot = 1 << (SlotShift - 6);
    private const int DenseAbove = WordsPerSlot * 4;
    private const ushort DenseMark = ushort.MaxValue;
    private const long NsPerMinute = 60_000_000_000L;
    private const uint Closed = uint.MaxValue;

    /// <summary>
    /// Most destinations a minute keeps in arrival order before they go into its bitmaps. Kept as a
    /// list and sorted when the minute is sealed, a packet costs an append; set one by one, it cost
    /// a miss on a large telescope (a /20's bitmap in hundreds of kilobytes, few packets per /20 and
    /// minute). A busier minute goes into the bitmaps, which bound its memory by the telescope's size.
    /// </summary>
    private const int PendingLimit = 1 << 16;

    // Slot + 1 of each /20, 0 for none: one table of 4,096 per /8 that received anything (a flat
    // table of every /20 would cost 4 MB per accumulator, and a sliced fold has one per partition
    // per slice).
    private int[]?[] _slotOf = new int[]?[256];
    private uint[] _prefixes = new uint[16];
    private ulong[][] _seen = new ulong[16][];
    private ulong[][] _open = new ulong[16][];
    private ulong[] _dirty = new ulong[16];
    private int _slots;
    private readonly List<int> _touched = [];

    // The open minute's destinations not yet set in the bitmaps, in arrival order (repeats allowed).
    private readonly int _pendingLimit;
    private uint[] _pending;
    private uint[] _pendingScratch;
    private int _pendingCount;

    private uint _minute = Closed;
    private long _minuteFrom = long.MaxValue;
    private long _minuteTo = long.MinValue;
    private long _minuteCount;
    private Dictionary<uint, ushort[]> _sealed = [];

    // Minutes whose record a merge concatenated from two (an observer may be listed twice in it).
    private HashSet<uint> _concatenated = [];
    private Dictionary<uint, long> _minutePackets = [];

    /// <summary>An empty accumulator.</summary>
    public TelescopeAccumulator()
        : this(PendingLimit)
    {
    }

    /// <summary>An empty accumulator whose minutes go into the bitmaps past <paramref name="pendingLimit"/> packets (tests use small limits).</summary>
    internal TelescopeAccumulator(int pendingLimit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pendingLimit, 1);
        _pendingLimit = pendingLimit;
        _pending = new uint[Math.Min(64, pendingLimit)];
        _pendingScratch = new uint[_pending.Length];
    }

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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
        if (_pendingCount == _pending.Length)
        {
            MakeRoom();
        }

        _pending[_pendingCount++] = destination;
    }

    // A full pending list doubles up to its limit; past it, the list goes into the bitmaps.
    private void MakeRoom()
    {
        if (_pending.Length < _pendingLimit)
        {
            Array.Resize(ref _pending, Math.Min(_pending.Length * 2, _pendingLimit));
            _pendingScratch = new uint[_pending.Length];
            return;
        }

        SetPending();
    }

    // Sets the pending destinations in the open minute's bitmaps.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void SetPending()
    {
        foreach (var destination in _pending.AsSpan(0, _pendingCount))
        {
            var table = _slotOf[destination >> 24];
            var slot = (table is null ? 0 : table[(int)(destination >> SlotShift) & 0xFFF]) - 1;
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

        _pendingCount = 0;
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
            if (exists || other._concatenated.Contains(minute))
            {
                _concatenated.Add(minute);
            }
        }

        foreach (var (minute, n) in other._minutePackets)
        {
            CollectionsMarshal.GetValueRefOrAddDefault(_minutePackets, minute, out _) += n;
        }

        other._sealed = [];
        other._concatenated = [];
        other._minutePackets = [];
        other._slotOf = [];
        other._slots = 0;
        other.Packets = 0;
    }

    /// <inheritdoc />
    public TelescopeSpace InferSpace() => TelescopeSpace.Infer(InferredNetworks());

    /// <inheritdoc />
    public int ObserversIn(TelescopeSpace space)
    {
        ArgumentNullException.ThrowIfNull(space);
        Close();

        // A slot (4,096 addresses) inside the space counts by popcount; one at its edge, bit by bit.
        var count = 0;
        for (var s = 0; s < _slots; s++)
        {
            var first = _prefixes[s] << SlotShift;
            var seen = _seen[s];
            if (space.ContainsAll(first, first | ((1u << SlotShift) - 1)))
            {
                foreach (var word in seen)
                {
                    count += BitOperations.PopCount(word);
                }

                continue;
            }

            for (var w = 0; w < WordsPerSlot; w++)
            {
                for (var bits = seen[w]; bits != 0; bits &= bits - 1)
                {
                    count += space.Contains(AddressOf(s, w, bits)) ? 1 : 0;
                }
            }
        }

        return count;
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
        var rank = Ranks(order);
        var periods = new int[rank[^1]];

        // A minute's observers are gathered into their period's bitmap; at the end of the period,
        // each observer in it counts once. Periods that do not count are skipped. With periods of
        // one minute (the thesis) a sealed record is its period's set already, and its entries count
        // straight: gathering and flushing cost more than the counting, with a few observers per /20
        // and minute on a large telescope. A record a merge concatenated (the minutes two slices of
        // the input share) is sealed again first, so that it lists each observer once.
        if (periodMinutes == 1)
        {
            foreach (var minute in _concatenated.ToArray())
            {
                Open(minute);
                Close();
            }

            CountMinutes(walkers, minute => PeriodOf(minute) != Skip, rank, periods);
        }
        else
        {
            WalkMinutes(walkers, PeriodOf, (slot, union, dirty, _) => CountPeriods(union, dirty, _seen[slot], rank.AsSpan(slot * WordsPerSlot, WordsPerSlot), periods));
        }

        return Observers();

        // The minute's period, or Skip outside the window and in periods that do not count.
        uint PeriodOf(uint minute)
        {
            if (minute < firstMinute || minute >= endMinute)
            {
                return Skip;
            }

            var period = (minute - firstMinute) / (uint)periodMinutes;
            return period < informative.Count && informative[(int)period] ? period : Skip;
        }

        IEnumerable<ObserverActivity> Observers()
        {
            var n = 0;
            foreach (var s in order)
            {
                for (var w = 0; w < WordsPerSlot; w++)
                {
                    for (var bits = _seen[s][w]; bits != 0; bits &= bits - 1)
                    {
                        var address = AddressOf(s, w, bits);
                        if (space.Contains(address))
                        {
                            yield return new ObserverActivity(address, periods[n]);
                        }

                        n++;
                    }
                }
            }
        }
    }

    // One period of one slot: every observer up in it (a bit of union, in the words marked in dirty)
    // counts once; its number is its word's rank plus the seen observers below it in the word.
    private static void CountPeriods(ulong[] union, ulong dirty, ulong[] seen, ReadOnlySpan<int> rank, int[] periods)
    {
        for (; dirty != 0; dirty &= dirty - 1)
        {
            var w = BitOperations.TrailingZeroCount(dirty);
            var (o, below) = (rank[w], seen[w]);
            for (var bits = union[w]; bits != 0; bits &= bits - 1)
            {
                periods[o + BitOperations.PopCount(below & ((1UL << BitOperations.TrailingZeroCount(bits)) - 1))]++;
            }
        }
    }

    // Adds one to each observer's count per record (of a minute that counts) it is listed in, split
    // over the walkers by slot as WalkMinutes; every record must list an observer at most once.
    private void CountMinutes(int walkers, Func<uint, bool> counts, int[] rank, int[] periods)
    {
        var records = _sealed.Where(m => counts(m.Key)).Select(m => m.Value).ToArray();
        var parts = Math.Clamp(Math.Min(walkers, _slots), 1, 64);
        Parallel.For(0, parts, part =>
        {
            foreach (var record in records)
            {
                CountRecord(record, part, parts, rank, periods);
            }
        });
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void CountRecord(ushort[] record, int part, int parts, int[] rank, int[] periods)
    {
        for (var at = 0; at < record.Length;)
        {
            var group = NextGroup(record, ref at, out var slot, out var dense);
            if (slot % parts == part)
            {
                var seen = _seen[slot];
                var first = slot * WordsPerSlot;
                if (dense)
                {
                    var words = MemoryMarshal.Cast<ushort, ulong>(group);
                    for (var w = 0; w < WordsPerSlot; w++)
                    {
                        for (var bits = words[w]; bits != 0; bits &= bits - 1)
                        {
                            periods[rank[first + w] + BitOperations.PopCount(seen[w] & ((1UL << BitOperations.TrailingZeroCount(bits)) - 1))]++;
                        }
                    }
                }
                else
                {
                    foreach (var offset in group)
                    {
                        var w = offset >> 6;
                        periods[rank[first + w] + BitOperations.PopCount(seen[w] & ((1UL << (offset & 63)) - 1))]++;
                    }
                }
            }
        }
    }

    // The group of a sealed record at position at (its slot, and the 64-word bitmap when dense or
    // the observers' offsets), moving at past it.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ReadOnlySpan<ushort> NextGroup(ushort[] record, ref int at, out int slot, out bool dense)
    {
        slot = record[at] | (record[at + 1] << 16);
        var count = record[at + 2];
        dense = count == DenseMark;
        var size = dense ? WordsPerSlot * 4 : count;
        var group = record.AsSpan(at + 3, size);
        at += 3 + size;
        return group;
    }

    /// <inheritdoc />
    public IEnumerable<(uint Day, uint Subnet, int Observers)> DailyObservers(TelescopeSpace space) => DailyObservers(space, Environment.ProcessorCount);

    /// <summary>As <see cref="DailyObservers(TelescopeSpace)"/>, walking the minutes on up to <paramref name="walkers"/> threads.</summary>
    internal IEnumerable<(uint Day, uint Subnet, int Observers)> DailyObservers(TelescopeSpace space, int walkers)
    {
        ArgumentNullException.ThrowIfNull(space);
        Close();

        // Per slot, its observers in the space; a day's bitmap of a slot then counts with popcounts.
        var inSpace = new ulong[_slots][];
        for (var slot = 0; slot < _slots; slot++)
        {
            var mask = inSpace[slot] = new ulong[WordsPerSlot];
            for (var w = 0; w < WordsPerSlot; w++)
            {
                for (var bits = _seen[slot][w]; bits != 0; bits &= bits - 1)
                {
                    var address = AddressOf(slot, w, bits);
                    mask[w] |= space.Contains(address) ? bits & (~bits + 1) : 0;
                }
            }
        }

        var counts = new Dictionary<(uint Day, uint Subnet), int>();
        WalkMinutes(walkers, minute => minute / 1440, (slot, union, dirty, day) =>
        {
            var n = 0;
            for (; dirty != 0; dirty &= dirty - 1)
            {
                var w = BitOperations.TrailingZeroCount(dirty);
                n += BitOperations.PopCount(union[w] & inSpace[slot][w]);
            }

            if (n > 0)
            {
                lock (counts)
                {
                    CollectionsMarshal.GetValueRefOrAddDefault(counts, (day, (_prefixes[slot] << SlotShift) & 0xFFFF0000u), out _) += n;
                }
            }
        });
        return counts.Select(c => (c.Key.Day, c.Key.Subnet, c.Value));
    }

    /// <summary>Rough bytes held, for the memory benchmark.</summary>
    public long EstimateBytes()
    {
        long bytes = _slotOf.Sum(t => (t?.Length ?? 0) * 4L) + (_slots * ((2L * WordsPerSlot * 8) + 16)) + (_minutePackets.EnsureCapacity(0) * 24L) + (8L * _pending.Length);
        foreach (var record in _sealed.Values)
        {
            bytes += 48 + (record.Length * 2L);
        }

        return bytes;
    }

    private const uint Skip = uint.MaxValue;

    // The address of the lowest set bit of word w of a slot's bitmap.
    private uint AddressOf(int slot, int w, ulong bits) => (_prefixes[slot] << SlotShift) | (uint)(w << 6) | (uint)BitOperations.TrailingZeroCount(bits);

    // Per slot and word, the number of observers before it in address order (slots by prefix, then
    // the seen bits); the last entry is the number of observers.
    private int[] Ranks(int[] order)
    {
        var rank = new int[(_slots * WordsPerSlot) + 1];
        var observers = 0;
        foreach (var s in order)
        {
            for (var w = 0; w < WordsPerSlot; w++)
            {
                rank[(s * WordsPerSlot) + w] = observers;
                observers += BitOperations.PopCount(_seen[s][w]);
            }
        }

        rank[^1] = observers;
        return rank;
    }

    /// <summary>
    /// Walks the sealed minutes in time order, split over the cores by slot (an observer lives in one
    /// slot): the minutes of one segment (<paramref name="segmentOf"/> a minute; <see cref="Skip"/> leaves
    /// it out) are ORed into one bitmap per slot, and <paramref name="count"/> is called once per slot
    /// and segment with that bitmap and a mask of its words that may be nonzero. An observer then
    /// costs a bit set per minute it was up, and a count per segment: with the periods ChoosePeriod
    /// picks on sparse traffic (hours), the count is a small part of the walk. The gathering bitmaps are
    /// the open-minute ones, empty once every minute is sealed, and are left empty.
    /// </summary>
    private void WalkMinutes(int walkers, Func<uint, uint> segmentOf, Action<int, ulong[], ulong, uint> count)
    {
        var minutes = _sealed.Keys.Order().ToArray();
        var parts = Math.Clamp(Math.Min(walkers, _slots), 1, 64);
        Parallel.For(0, parts, part =>
        {
            var touched = new List<int>();
            var segment = Skip;
            foreach (var minute in minutes)
            {
                var next = segmentOf(minute);
                if (next != segment)
                {
                    Flush(touched, segment, count);
                    segment = next;
                }

                if (segment != Skip)
                {
                    Gather(_sealed[minute], part, parts, touched);
                }
            }

            Flush(touched, segment, count);
        });
    }

    private void Flush(List<int> touched, uint segment, Action<int, ulong[], ulong, uint> count)
    {
        foreach (var slot in touched)
        {
            var union = _open[slot];
            count(slot, union, _dirty[slot], segment);
            for (var d = _dirty[slot]; d != 0; d &= d - 1)
            {
                union[BitOperations.TrailingZeroCount(d)] = 0;
            }

            _dirty[slot] = 0;
        }

        touched.Clear();
    }

    // ORs one sealed minute's observers in the slots s with s mod parts = part into the open-minute
    // bitmaps (the gathering bitmaps of a walk), marking their words and listing newly touched slots.
    private void Gather(ushort[] record, int part, int parts, List<int> touched)
    {
        for (var at = 0; at < record.Length;)
        {
            var group = NextGroup(record, ref at, out var slot, out var dense);
            if (slot % parts == part)
            {
                var open = _open[slot];
                var dirty = _dirty[slot];
                if (dirty == 0)
                {
                    touched.Add(slot);
                }

                if (dense)
                {
                    var words = MemoryMarshal.Cast<ushort, ulong>(group);
                    for (var w = 0; w < WordsPerSlot; w++)
                    {
                        open[w] |= words[w];
                    }

                    dirty = ulong.MaxValue;
                }
                else
                {
                    foreach (var offset in group)
                    {
                        open[offset >> 6] |= 1UL << (offset & 63);
                        dirty |= 1UL << (offset >> 6);
                    }
                }

                _dirty[slot] = dirty;
            }
        }
    }

    // The network address of every /24 (TelescopeSpace.InferredPrefixLength) in which some observer
    // received anything: a /24 is four words of its slot's bitmap, so the space is inferred per word
    // group instead of per observer (7.3 million of them on a 112 × /16 telescope).
    internal IEnumerable<uint> InferredNetworks()
    {
        Close();
        const int wordsPerNetwork = 1 << (32 - TelescopeSpace.InferredPrefixLength - 6);
        var networks = new List<uint>();
        for (var s = 0; s < _slots; s++)
        {
            var seen = _seen[s];
            for (var w = 0; w < WordsPerSlot; w += wordsPerNetwork)
            {
                var any = 0UL;
                for (var k = 0; k < wordsPerNetwork; k++)
                {
                    any |= seen[w + k];
                }

                if (any != 0)
                {
                    networks.Add((_prefixes[s] << SlotShift) | (uint)(w << 6));
                }
            }
        }

        return networks;
    }

    private int SlotFor(uint prefix)
    {
        var slot = (_slotOf[prefix >> 12]?[prefix & 0xFFF] ?? 0) - 1;
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
        (_slotOf[prefix >> 12] ??= new int[1 << 12])[prefix & 0xFFF] = slot + 1;
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
            // Resealed from the bitmap: each observer once again.
            _concatenated.Remove(minute);
            Set(record);
        }
    }

    // Seals the open minute into its record: per /20 touched, its slot (two words), the number of
    // observers up and their offsets ascending, or DenseMark and the 64-word bitmap.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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

        if (_touched.Count == 0 && _pendingCount > 0)
        {
            _sealed[_minute] = SealPending();
        }
        else if (_pendingCount > 0)
        {
            SetPending();
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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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

    // The open minute's record straight from its pending destinations (none in the bitmaps): sorted,
    // each observer once, grouped by /20 in address order, in the same format as Seal's.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private ushort[] SealPending()
    {
        var values = _pending.AsSpan(0, _pendingCount);
        SortedSpan.Sort(values, _pendingScratch);

        // Repeats dropped; the /20 groups' starts noted (in the scratch, which the sort is done with)
        // and the record's length summed as they close.
        var starts = _pendingScratch;
        var (n, groups, length) = (1, 1, 0);
        starts[0] = 0;
        for (var i = 1; i < values.Length; i++)
        {
            if (values[i] == values[n - 1])
            {
                continue;
            }

            if (values[i] >> SlotShift != values[n - 1] >> SlotShift)
            {
                var size = n - (int)starts[groups - 1];
                length += 3 + (size > DenseAbove ? WordsPerSlot * 4 : size);
                starts[groups++] = (uint)n;
            }

            values[n++] = values[i];
        }

        var last = n - (int)starts[groups - 1];
        length += 3 + (last > DenseAbove ? WordsPerSlot * 4 : last);
        values = values[..n];
        var record = new ushort[length];
        var at = 0;
        for (var g = 0; g < groups; g++)
        {
            var i = (int)starts[g];
            var end = g + 1 < groups ? (int)starts[g + 1] : n;
            var slot = SlotFor(values[i] >> SlotShift);
            var seen = _seen[slot];
            var dense = end - i > DenseAbove;
            record[at++] = (ushort)slot;
            record[at++] = (ushort)(slot >> 16);
            record[at++] = dense ? DenseMark : (ushort)(end - i);
            var words = dense ? MemoryMarshal.Cast<ushort, ulong>(record.AsSpan(at, WordsPerSlot * 4)) : default;
            for (; i < end; i++)
            {
                var offset = (int)(values[i] & ((1u << SlotShift) - 1));
                seen[offset >> 6] |= 1UL << (offset & 63);
                if (dense)
                {
                    words[offset >> 6] |= 1UL << (offset & 63);
                }
                else
                {
                    record[at++] = (ushort)offset;
                }
            }

            at += dense ? WordsPerSlot * 4 : 0;
        }

        _pendingCount = 0;
        return record;
    }

    // Sets a sealed record's observers in the open minute.
    private void Set(ushort[] record) => Gather(record, 0, 1, _touched);
}
