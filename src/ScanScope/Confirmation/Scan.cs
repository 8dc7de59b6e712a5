namespace ScanScope.Confirmation;

/// <summary>One scan of one destination port inside a cluster (a row of scans.csv, with the sets behind it).</summary>
public sealed class Scan
{
    // The scan's distinct destinations, ascending; each taking-part host's number of distinct destinations.
    private readonly uint[] _destinations;
    private readonly Dictionary<uint, int> _hostDestinationCounts;

    /// <param name="port">Destination port.</param>
    /// <param name="startNs">First probe.</param>
    /// <param name="endNs">Last probe.</param>
    /// <param name="probes">The scan's probes as destination &lt;&lt; 32 | host number (retries and repeats allowed); sorted here, in place.</param>
    /// <param name="hostAddresses">The source address of each host number.</param>
    /// <param name="hits">Probes after folding retries.</param>
    /// <param name="context">The telescope and options.</param>
    internal Scan(ushort port, long startNs, long endNs, Span<ulong> probes, IReadOnlyList<uint> hostAddresses, int hits, ConfirmationContext context)
    {
        Port = port;
        StartNs = startNs;
        EndNs = endNs;
        Hits = hits;

        // One sort by (destination, host) replaces a hash set per host and two unions: distinct
        // pairs, per-host counts, the destinations and the pairwise Jaccard all come from it.
        var scratch = ScratchArrays<ulong>.Rent(probes.Length);
        SortedSpan.Sort(probes, scratch);
        ScratchArrays<ulong>.Return(scratch);
        var n = 0;
        for (var i = 0; i < probes.Length; i++)
        {
            if (n == 0 || probes[i] != probes[n - 1])
            {
                probes[n++] = probes[i];
            }
        }

        var pairs = probes[..n];
        var perHost = new int[hostAddresses.Count];
        var destinations = 0;
        for (var i = 0; i < pairs.Length; i++)
        {
            perHost[(int)(uint)pairs[i]]++;
            destinations += i == 0 || pairs[i] >> 32 != pairs[i - 1] >> 32 ? 1 : 0;
        }

        _destinations = new uint[destinations];
        for (int i = 0, d = 0; i < pairs.Length; i++)
        {
            if (i == 0 || pairs[i] >> 32 != pairs[i - 1] >> 32)
            {
                _destinations[d++] = (uint)(pairs[i] >> 32);
            }
        }

        // Hosts with a handful of hits in the window (noise, a test probe) are not shards of the scan
        // and would drag μ down: a host takes part when it reached a share of the median host's count.
        var counts = perHost.Where(c => c > 0).Order().ToArray();
        ActiveHosts = counts.Length;
        var median = counts.Length == 0 ? 0 : counts[counts.Length / 2];
        var minimum = Math.Max(1, context.Options.ParticipationShare * median);

        // Taking-part hosts numbered in host order, so the pairs stay sorted after renumbering.
        var number = new int[perHost.Length];
        var sizes = new List<int>();
        _hostDestinationCounts = [];
        long takingPart = 0;
        for (var h = 0; h < perHost.Length; h++)
        {
            number[h] = -1;
            if (perHost[h] > 0 && perHost[h] >= minimum)
            {
                number[h] = sizes.Count;
                sizes.Add(perHost[h]);
                _hostDestinationCounts[hostAddresses[h]] = perHost[h];
                takingPart += perHost[h];
            }
        }

        var kept = ScratchArrays<ulong>.Rent((int)takingPart);
        var participating = 0;
        for (int i = 0, k = 0; i < pairs.Length; i++)
        {
            var h = number[(int)(uint)pairs[i]];
            if (h >= 0)
            {
                participating += k == 0 || pairs[i] >> 32 != kept[k - 1] >> 32 ? 1 : 0;
                kept[k++] = (pairs[i] & 0xFFFF_FFFF_0000_0000UL) | (uint)h;
            }
        }

        Hosts = sizes.Count;
        DestinationsPerHost = Hosts == 0 ? 0 : takingPart / (double)Hosts;
        Overlap = takingPart == 0 ? 0 : 1 - (participating / (double)takingPart);
        Multiplicity = participating == 0 ? 0 : takingPart / (double)participating;
        Coverage = _destinations.Length / (double)context.ActiveObservers;
        Jaccard = PairwiseJaccard.MeanOfSorted(kept.AsSpan(0, (int)takingPart), [.. sizes]);
        ScratchArrays<ulong>.Return(kept);
        var judged = Completeness.Judge(Hosts, DestinationsPerHost, Overlap, context);
        var edge = (long)(context.BinSeconds * 1e9);
        if (judged.Kind == CompletenessKind.Partial && (startNs - context.WindowStartNs < edge || context.WindowEndNs - endNs < edge))
        {
            // Hosts that are still scanning when the capture ends (or began before it) hit fewer
            // destinations than their share: μ is low and E[H] too high, so "hosts missing" would mislead.
            judged = judged with { Kind = CompletenessKind.CutByWindow };
        }

        Completeness = judged;
    }

    /// <summary>Destination port.</summary>
    public ushort Port { get; }

    /// <summary>Number of this scan among the cluster's scans of the same port, in time order from 0.</summary>
    public int Number { get; internal set; }

    /// <summary>First probe, ns since the Unix epoch.</summary>
    public long StartNs { get; }

    /// <summary>Last probe, ns since the Unix epoch.</summary>
    public long EndNs { get; }

    /// <summary>Duration in seconds.</summary>
    public double DurationSeconds => (EndNs - StartNs) / 1e9;

    /// <summary>Probes in the scan after folding retries.</summary>
    public int Hits { get; }

    /// <summary>Unique destinations probed by any host.</summary>
    public int UniqueDestinations => _destinations.Length;

    /// <summary>Hosts with any probe in the scan.</summary>
    public int ActiveHosts { get; }

    /// <summary>Hosts taking part (at least <see cref="ConfirmationOptions.ParticipationShare"/> of the median host's destinations).</summary>
    public int Hosts { get; }

    /// <summary>μ: mean unique destinations per taking-part host.</summary>
    public double DestinationsPerHost { get; }

    /// <summary>Mean pairwise Jaccard index of the taking-part hosts' destination sets (0 for one sharded scan).</summary>
    public double Jaccard { get; }

    /// <summary>Share of host–destination pairs that repeat another host's destination (0 for one sharded scan).</summary>
    public double Overlap { get; }

    /// <summary>Host–destination pairs per unique destination: about the number of scans overlapping in this one.</summary>
    public double Multiplicity { get; }

    /// <summary>Unique destinations / |O|.</summary>
    public double Coverage { get; }

    /// <summary>E[H] = |O| / μ.</summary>
    public double ExpectedHosts => Completeness.ExpectedHosts;

    /// <summary>Found hosts against E[H].</summary>
    public Completeness Completeness { get; }

    /// <summary>The unique destinations of the scan, ascending.</summary>
    public IReadOnlyList<uint> Destinations => _destinations;

    /// <summary>Each taking-part host (by source address) and its number of distinct destinations in the scan.</summary>
    public IReadOnlyDictionary<uint, int> HostDestinationCounts => _hostDestinationCounts;

    /// <summary>True when some host of the scan probed <paramref name="destination"/>.</summary>
    public bool Probed(uint destination) => Array.BinarySearch(_destinations, destination) >= 0;

    /// <summary>Destinations probed in both scans (a merge of the two sorted lists).</summary>
    public static int SharedDestinations(Scan a, Scan b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        var (x, y) = (a._destinations, b._destinations);
        int i = 0, j = 0, shared = 0;
        while (i < x.Length && j < y.Length)
        {
            if (x[i] < y[j])
            {
                i++;
            }
            else if (x[i] > y[j])
            {
                j++;
            }
            else
            {
                shared++;
                i++;
                j++;
            }
        }

        return shared;
    }

    /// <summary>The scans.csv row.</summary>
    public ScanRow ToRow(int clusterId) => new(
        clusterId, Port, Number, UniqueDestinations, DateTimeOffset.UnixEpoch.AddTicks(StartNs / 100).UtcDateTime,
        DurationSeconds, DestinationsPerHost, Jaccard, ExpectedHosts, Hosts, Coverage, Completeness.Text);
}

/// <summary>A row of scans.csv: <c>cluster_id,port,scan,unique_dst,start,duration_s,dst_per_host,jaccard,expected_hosts</c>, then hosts, coverage, verdict.</summary>
public sealed record ScanRow(
    int ClusterId, ushort Port, int Scan, int UniqueDestinations, DateTime Start, double DurationSeconds,
    double DestinationsPerHost, double Jaccard, double ExpectedHosts, int Hosts, double Coverage, string Verdict);
