using System.Runtime.CompilerServices;

namespace ScanScope.Confirmation;

/// <summary>
/// Cuts a cluster's per-port hit series into scans: the thesis picked density peaks by hand;
/// this does it with three steps that follow from how a sharded scan reaches a telescope.
/// </summary>
/// <remarks>
/// <list type="number">
/// <item><b>Gap split.</b> While a sharded scan runs, every host probes at a near-constant rate,
/// so the aggregate gap between telescope hits is geometric with mean |N|/(|H||O|R) — short and
/// light-tailed. A gap longer than k × the local median gap (a geometric gap exceeds it with
/// probability ≈ 2^-k) and longer than the floor (the bin width) ends a scan. The local median
/// is the smaller of the medians of the 32 gaps on either side, so scans of different rates on
/// the same port each get their own yardstick, and a tail where only slow hosts still run is not
/// shattered.</item>
/// <item><b>Repeat split.</b> One scan never probes a destination twice (retries are already
/// folded), so a long run of destinations that the segment already saw means a new scan began
/// (back-to-back scans with no pause). The cut is where the repeat share of a window of hits
/// jumps (to at least RepeatAfter, and by 0.25 over the window before); it is kept when the
/// repeat share is at most RepeatBefore before the cut and at least RepeatAfter after it.</item>
/// <item><b>Coverage merge.</b> A scan that paused (a telescope outage, a host that fell behind and
/// finished alone) was cut in step 1 into pieces that belong together: consecutive pieces are
/// merged when the pause is shorter than the longer piece, their destinations are disjoint (far
/// fewer shared than two independent scans would share, |A||B|/|O|), their union covers at most
/// (1 + tolerance)·|O|, and the smaller piece's hosts are mostly the larger's.</item>
/// </list>
/// Overlapping scans on one port (a greedy group running two seeds at once) cannot be separated
/// in time: the repeat share only ramps up, so they stay one piece, whose multiplicity
/// (host–destination pairs over unique destinations, ≈ the number of scans) reports it.
/// </remarks>
internal static class ScanSegmenter
{
    /// <summary>The index ranges of <paramref name="hits"/> that are scans, in time order.</summary>
    public static List<(int From, int To)> Segment(PortHits hits, ConfirmationContext context)
    {
        var options = context.Options;
        var floorNs = (long)((options.MinSplitGapSeconds ?? context.BinSeconds) * 1e9);
        var pieces = new List<(int From, int To)>();
        GapSplit(hits.Hits, options.GapFactor, floorNs, pieces);

        using var destinations = new DestinationIds(hits.Hits);
        var repeatPieces = new List<(int From, int To)>();
        foreach (var piece in pieces)
        {
            RepeatSplit(destinations, piece.From, piece.To, options, repeatPieces);
        }

        return CoverageMerge(hits, destinations, repeatPieces, context);
    }

    /// <summary>
    /// The port's destinations numbered 0…Distinct−1, one number per hit, and two sets of numbers as
    /// bitsets: the steps' sets (seen before, a piece's destinations, the current scan's) are bits
    /// instead of hash sets of addresses.
    /// </summary>
    /// <remarks>
    /// A bitset of a telescope's 2.45·10^6 observers is 306 KB and stays in the second-level cache,
    /// where a stamp per destination (4 bytes each, a new stamp per set) was 10 MB, read and written
    /// at random (the hits of a scan come in the scanner's random order). A set is empty between
    /// uses: whoever fills one zeroes the words its numbers touched (they hold no other bits). The
    /// arrays, and the steps' own, are reused (<see cref="ScratchArrays{T}"/>): a port of 10^7 hits
    /// needs ~250 MB of them, and fresh memory costs more than the work on it.
    /// </remarks>
    private sealed class DestinationIds : IDisposable
    {
        private readonly int[] _of;
        private readonly ulong[] _first;
        private readonly ulong[] _second;
        private readonly int _words;

        public DestinationIds(ReadOnlySpan<PortHits.Hit> hits)
        {
            var n = hits.Length;
            var keys = ScratchArrays<ulong>.Rent(n);
            var scratch = ScratchArrays<ulong>.Rent(n);
            for (var i = 0; i < n; i++)
            {
                keys[i] = ((ulong)hits[i].D << 32) | (uint)i;
            }

            // Stable over the destination bytes only: hits of one destination stay in index order.
            SortedSpan.Sort(keys.AsSpan(0, n), scratch, lowBytesToSkip: 4);
            ScratchArrays<ulong>.Return(scratch);
            _of = ScratchArrays<int>.Rent(n);
            var id = -1;
            for (var i = 0; i < n; i++)
            {
                id += i == 0 || keys[i] >> 32 != keys[i - 1] >> 32 ? 1 : 0;
                _of[(int)(uint)keys[i]] = id;
            }

            ScratchArrays<ulong>.Return(keys);
            Distinct = id + 1;
            _words = (Distinct + 63) / 64;
            _first = ScratchArrays<ulong>.Rent(_words);
            _second = ScratchArrays<ulong>.Rent(_words);
            Array.Clear(_first, 0, _words);
            Array.Clear(_second, 0, _words);
        }

        /// <summary>The number of each hit's destination (the first as many entries as hits).</summary>
        public Span<int> Of => _of;

        /// <summary>Distinct destinations of the port.</summary>
        public int Distinct { get; }

        /// <summary>A set of destination numbers, empty between uses.</summary>
        public Span<ulong> First => _first.AsSpan(0, _words);

        /// <summary>Another set, empty between uses.</summary>
        public Span<ulong> Second => _second.AsSpan(0, _words);

        public void Dispose()
        {
            ScratchArrays<int>.Return(_of);
            ScratchArrays<ulong>.Return(_first);
            ScratchArrays<ulong>.Return(_second);
        }
    }

    // Adds id to the set; true when it was there already.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TestAndSet(Span<ulong> set, int id)
    {
        ref var word = ref set[id >> 6];
        var bit = 1UL << (id & 63);
        var was = (word & bit) != 0;
        word |= bit;
        return was;
    }

    // Empties a set that holds no numbers but (some of) those of ids.
    private static void Empty(Span<ulong> set, ReadOnlySpan<int> ids)
    {
        foreach (var id in ids)
        {
            set[id >> 6] = 0;
        }
    }

    /// <summary>Gaps on each side of a candidate split that make up its local yardstick.</summary>
    private const int LocalGaps = 32;

    /// <summary>
    /// Splits where a gap exceeds k × the local median gap. The yardstick is the smaller of the
    /// medians of the <see cref="LocalGaps"/> gaps before and after: a silence between two scans is
    /// long against both, while a scan whose rate falls (the fast hosts finished, a slow one goes
    /// on) keeps its tail in one piece, because the tail's own gaps set the yardstick inside it.
    /// </summary>
    private static void GapSplit(ReadOnlySpan<PortHits.Hit> hits, double factor, long floorNs, List<(int, int)> output)
    {
        var n = hits.Length;
        if (n < 3)
        {
            output.Add((0, n));
            return;
        }

        // Gap i is between hits i and i + 1; there are n − 1.
        var gaps = n - 1;
        var window = new List<long>(LocalGaps);
        var start = 0;
        for (var i = 0; i < gaps; i++)
        {
            var gap = hits[i + 1].T - hits[i].T;
            if (gap <= floorNs)
            {
                continue;
            }

            var before = LocalMedian(hits, Math.Max(0, i - LocalGaps), i, window);
            var after = LocalMedian(hits, i + 1, Math.Min(gaps, i + 1 + LocalGaps), window);
            var yardstick = before < 0 ? after : after < 0 ? before : Math.Min(before, after);
            if (gap > Math.Max(floorNs, factor * Math.Max(yardstick, 0)))
            {
                output.Add((start, i + 1));
                start = i + 1;
            }
        }

        output.Add((start, n));
    }

    /// <summary>Median of the gaps from..to (gap i between hits i and i + 1), or −1 when there are none.</summary>
    private static double LocalMedian(ReadOnlySpan<PortHits.Hit> hits, int from, int to, List<long> buffer)
    {
        if (to <= from)
        {
            return -1;
        }

        buffer.Clear();
        for (var i = from; i < to; i++)
        {
            buffer.Add(hits[i + 1].T - hits[i].T);
        }

        buffer.Sort();
        return buffer[buffer.Count / 2];
    }

    private static void RepeatSplit(DestinationIds destinations, int from, int to, ConfirmationOptions options, List<(int, int)> output)
    {
        var cut = RepeatCut(destinations, from, to, options);
        if (cut < 0)
        {
            output.Add((from, to));
            return;
        }

        RepeatSplit(destinations, from, from + cut, options, output);
        RepeatSplit(destinations, from + cut, to, options, output);
    }

    // Where (counted from `from`) a new scan starts by the repeat share, or −1.
    private static int RepeatCut(DestinationIds destinations, int from, int to, ConfirmationOptions options)
    {
        var n = to - from;
        var minPart = Math.Max(options.MinScanDestinations, 2);
        if (n < 2 * minPart)
        {
            return -1;
        }

        // prefix[i] counts the repeats among the first i hits (hit i repeats when prefix[i + 1] > prefix[i]).
        var prefix = ScratchArrays<int>.Rent(n + 1);
        try
        {
            var ids = destinations.Of.Slice(from, n);
            var seen = destinations.First;
            prefix[0] = 0;
            for (var i = 0; i < n; i++)
            {
                prefix[i + 1] = prefix[i] + (TestAndSet(seen, ids[i]) ? 1 : 0);
            }

            Empty(seen, ids);

            var repeats = prefix[n];
            if (repeats < minPart)
            {
                return -1;
            }

            // A new scan starts where the repeat share jumps: the W hits after a point repeat at least
            // RepeatAfter and 0.25 more than the W hits before it (cut at the first repeat). Back to
            // back, the share jumps from ~0 to the first scan's coverage. A second seed started on top
            // of a running scan only ramps the share up, so it is not cut: the piece keeps both, and its
            // multiplicity says so.
            var w = Math.Min(Math.Max(5 * minPart, n / 200), n / 2);
            var cut = -1;
            for (var c = Math.Max(minPart, w); c + w <= n && cut < 0; c++)
            {
                var after = (prefix[c + w] - prefix[c]) / (double)w;
                var before = (prefix[c] - prefix[c - w]) / (double)w;
                if (after >= options.RepeatAfter && after - before >= 0.25)
                {
                    cut = c;
                    while (prefix[cut + 1] == prefix[cut])
                    {
                        cut++;
                    }
                }
            }

            if (cut < minPart || n - cut < minPart)
            {
                return -1;
            }

            var bestBefore = prefix[cut];
            var shareBefore = bestBefore / (double)cut;
            var shareAfter = (repeats - bestBefore) / (double)(n - cut);
            return shareBefore > options.RepeatBefore || shareAfter < options.RepeatAfter || shareAfter - shareBefore < 0.25 ? -1 : cut;
        }
        finally
        {
            ScratchArrays<int>.Return(prefix);
        }
    }

    /// <summary>Merges the pieces that belong to one paused scan; returns the scans only (pieces with enough destinations), strays dropped.</summary>
    private static List<(int From, int To)> CoverageMerge(PortHits hits, DestinationIds destinations, List<(int From, int To)> pieces, ConfirmationContext context)
    {
        var options = context.Options;
        var observers = (double)context.ActiveObservers;
        var hostCount = 0;
        foreach (var hit in hits.Hits)
        {
            hostCount = Math.Max(hostCount, hit.H + 1);
        }

        // Two sets of destination numbers: the current scan's (kept up to date as it grows) and the
        // next piece's (to count its distinct destinations, and those it shares with the current once each).
        var ids = destinations.Of;
        var inNext = destinations.First;
        var inCurrent = destinations.Second;
        var result = new List<(int From, int To)>();
        Piece? current = null;
        foreach (var (from, to) in pieces)
        {
            var next = new Piece(hits, from, to, hostCount);
            var shared = 0;
            for (var i = from; i < to; i++)
            {
                var id = ids[i];
                if (!TestAndSet(inNext, id))
                {
                    next.Destinations++;
                    shared += current is not null && (inCurrent[id >> 6] & (1UL << (id & 63))) != 0 ? 1 : 0;
                }
            }

            Empty(inNext, ids[from..to]);
            if (next.Destinations < options.MinScanDestinations)
            {
                continue;
            }

            if (current is not null && Belong(current, next, shared, observers, options))
            {
                // Stray hits between the two pieces are absorbed by the merged scan.
                for (var i = current.To; i < next.To; i++)
                {
                    current.Destinations += TestAndSet(inCurrent, ids[i]) ? 0 : 1;
                }

                current.Extend(hits, next.To);
                continue;
            }

            if (current is not null)
            {
                result.Add((current.From, current.To));
                Empty(inCurrent, ids[current.From..current.To]);
            }

            current = next;
            for (var i = from; i < to; i++)
            {
                TestAndSet(inCurrent, ids[i]);
            }
        }

        if (current is not null)
        {
            result.Add((current.From, current.To));
            Empty(inCurrent, ids[current.From..current.To]);
        }

        return result;
    }

    private static bool Belong(Piece a, Piece b, int shared, double observers, ConfirmationOptions options)
    {
        var pause = b.StartNs - a.EndNs;
        if (pause > Math.Max(a.DurationNs, b.DurationNs))
        {
            return false;
        }

        if (shared > options.MergeMaxOverlap * Math.Min(a.Destinations, b.Destinations))
        {
            return false;
        }

        var independent = a.Destinations * (double)b.Destinations / observers;
        if (independent >= 5 && shared > 0.25 * independent)
        {
            return false;
        }

        var union = a.Destinations + b.Destinations - shared;
        if (union > (1 + options.CoverageTolerance) * observers)
        {
            return false;
        }

        var small = a.HostCount <= b.HostCount ? a : b;
        var large = ReferenceEquals(small, a) ? b : a;
        var both = 0;
        for (var h = 0; h < small.Hosts.Length; h++)
        {
            both += small.Hosts[h] && large.Hosts[h] ? 1 : 0;
        }

        return both >= 0.8 * small.HostCount;
    }

    /// <summary>A run of hits: its span, its number of distinct destinations and its hosts.</summary>
    private sealed class Piece
    {
        public Piece(PortHits hits, int from, int to, int hostCount)
        {
            From = from;
            To = from;
            Hosts = new bool[hostCount];
            StartNs = hits.Time(from);
            Extend(hits, to);
        }

        public int From { get; }

        public int To { get; private set; }

        public long StartNs { get; }

        public long EndNs { get; private set; }

        public long DurationNs => EndNs - StartNs;

        /// <summary>Distinct destinations (kept by the caller, which holds the sets).</summary>
        public int Destinations { get; set; }

        public bool[] Hosts { get; }

        public int HostCount { get; private set; }

        /// <summary>Takes in the hits up to <paramref name="to"/> (a merged piece and any strays before it).</summary>
        public void Extend(PortHits hits, int to)
        {
            for (var i = To; i < to; i++)
            {
                ref var host = ref Hosts[hits.Host(i)];
                HostCount += host ? 0 : 1;
                host = true;
            }

            To = to;
            EndNs = hits.Time(to - 1);
        }
    }
}
