using System.Collections.Concurrent;
using System.Globalization;
using ScanScope.Evaluation;
using ScanScope.Features;

namespace ScanScope.Clustering;

/// <summary>What the sibling relation needs of one source (all from the feature row; no packets).</summary>
/// <param name="FirstSeen">First packet, seconds since the Unix epoch (not binned: the start test needs the second).</param>
/// <param name="Activity">Active bins × b, seconds.</param>
/// <param name="Period">Mean gap between active bins, seconds (b when one bin is active).</param>
/// <param name="Ports">Unique destination ports.</param>
/// <param name="DestinationsPerPort">Mean over the listed ports of the unique destinations on that port.</param>
/// <param name="Gap">Mean time between packets, seconds: (last − first) / (packets − 1), 0 for one packet.</param>
/// <param name="PortList">Destination ports, ascending (the port list of the feature row, bounded).</param>
/// <param name="Tools">The toolchain fingerprints seen, one bit per tool (0: none recorded).</param>
public readonly record struct SiblingSource(double FirstSeen, double Activity, double Period, int Ports, double DestinationsPerPort, double Gap, IReadOnlyList<ushort> PortList, int Tools = 0)
{
    public static SiblingSource From(FeatureRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        var tools = 0;
        foreach (var t in row.Tools)
        {
            tools |= 1 << (int)t;
        }

        return Create(row.Activity, row.Period, row.Ports, row.Destinations, row.PortDestinations, row.FirstSeenNs, row.LastSeenNs, row.Packets, row.PortList) with { Tools = tools };
    }

    /// <summary>From the feature values (<paramref name="portDestinations"/> per port of <paramref name="portList"/>).</summary>
    public static SiblingSource Create(double activity, double period, int ports, double destinations, IReadOnlyList<int> portDestinations, long firstNs, long lastNs, long packets, IReadOnlyList<ushort> portList)
    {
        ArgumentNullException.ThrowIfNull(portDestinations);
        var perPort = portDestinations.Count == 0 ? destinations : portDestinations.Average();
        var gap = packets > 1 ? (lastNs - firstNs) / 1e9 / (packets - 1) : 0;
        return new SiblingSource(firstNs / 1e9, activity, period, ports, perPort, gap, portList);
    }
}

/// <summary>
/// The tolerances of the sibling relation. Each follows from how a sharded scan behaves; see
/// <c>docs/clustering.md</c> § Siblings. Immutable; change with <c>with</c>.
/// </summary>
public sealed record SiblingOptions
{
    /// <summary>Bin width b of the features, seconds.</summary>
    public int BinSeconds { get; init; } = 300;

    /// <summary>
    /// Sampling deviations allowed between two siblings' counts (destinations per port, active bins),
    /// after the variance-stabilising transform 2√(x + 3/8) that gives Poisson counts unit variance.
    /// The difference of two siblings then has deviation √2, so the tolerance is this × √2.
    /// </summary>
    public double Sigmas { get; init; } = 3;

    /// <summary>Relative difference of the period (mean gap between active bins) allowed, as a log ratio.</summary>
    public double PeriodTolerance { get; init; } = 0.15;

    /// <summary>
    /// Two siblings' first packets may lie <see cref="LaunchSkewSeconds"/> plus this many of the slower one's
    /// mean gaps between packets apart: a host's first hit on the telescope comes a geometric wait after its
    /// scan starts, and the mean of that wait is the gap between its hits.
    /// </summary>
    public double StartGaps { get; init; } = 3;

    /// <summary>How far apart the shards of one scan may be launched, seconds.</summary>
    public double LaunchSkewSeconds { get; init; } = 300;

    /// <summary>Upper bound of the start tolerance, seconds.</summary>
    public double StartCapSeconds { get; init; } = 86_400;

    /// <summary>Least Jaccard index of two siblings' port lists (shards of one scan probe the same ports).</summary>
    public double PortJaccard { get; init; } = 0.5;

    /// <summary>Siblings (the source itself included) that make a core source.</summary>
    public int MinSamples { get; init; } = 3;

    /// <summary>Threads for the neighbour queries; −1 = all cores.</summary>
    public int MaxDegreeOfParallelism { get; init; } = -1;
}

/// <summary>
/// DBSCAN over the relation "these two sources could be shards of one scan" instead of one radius in a
/// scaled feature space. Two sources are siblings when their destinations per port, active bins, period
/// and number of ports agree within the sampling error a sharded scan shows (a Euclidean distance of at
/// most 1 in <see cref="Coordinates"/>), their first packets agree within <see cref="StartTolerance"/>, they share a
/// toolchain fingerprint (<see cref="SameTool"/>), and their port lists overlap (<see cref="SiblingOptions.PortJaccard"/>). Core, border and noise, and the numbering
/// of clusters, are DBSCAN's (scikit-learn's, as <see cref="Dbscan"/>) over that relation; the test against
/// scikit-learn's DBSCAN on the same precomputed relation holds the two equal.
/// </summary>
public static class Siblings
{
    /// <summary>Dimensions of <see cref="Coordinates"/>: destinations per port, active bins, period, ports.</summary>
    public const int Dimensions = 4;

    /// <summary>
    /// The tolerance space: a difference of 1 along any axis is the largest two siblings show.
    /// </summary>
    public static void Coordinates(in SiblingSource s, SiblingOptions options, Span<double> into)
    {
        ArgumentNullException.ThrowIfNull(options);
        var z = options.Sigmas * Math.Sqrt(2);
        into[0] = 2 * Math.Sqrt(s.DestinationsPerPort + 0.375) / z;
        into[1] = 2 * Math.Sqrt((s.Activity / options.BinSeconds) + 0.375) / z;
        into[2] = Math.Log(Math.Max(s.Period, 1e-9)) / options.PeriodTolerance;
        into[3] = s.Ports / 0.5;
    }

    /// <summary>How far a source's first packet may lie from a sibling's, seconds.</summary>
    public static double StartTolerance(in SiblingSource s, SiblingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Math.Min(options.LaunchSkewSeconds + (options.StartGaps * s.Gap), options.StartCapSeconds);
    }

    /// <summary>
    /// Shards of one scan run one binary, so two siblings share a toolchain fingerprint. Sets, not equality: a
    /// fingerprint can also match a packet by chance (an IP ID that fits Masscan's formula), adding a tag.
    /// </summary>
    public static bool SameTool(int a, int b) => (a & b) != 0 || (a == 0 && b == 0);

    /// <summary>Jaccard index of two ascending port lists.</summary>
    public static double PortJaccard(IReadOnlyList<ushort> a, IReadOnlyList<ushort> b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        return PortJaccard(a as ushort[] ?? [.. a], b as ushort[] ?? [.. b]);
    }

    // Over spans: the sibling test reads port lists of millions of pairs, and an interface indexer is a
    // dispatch per port read.
    private static double PortJaccard(ReadOnlySpan<ushort> a, ReadOnlySpan<ushort> b)
    {
        int i = 0, j = 0, both = 0;
        while (i < a.Length && j < b.Length)
        {
            if (a[i] == b[j])
            {
                both++;
                i++;
                j++;
            }
            else if (a[i] < b[j])
            {
                i++;
            }
            else
            {
                j++;
            }
        }

        var union = a.Length + b.Length - both;
        return union == 0 ? 1 : (double)both / union;
    }

    /// <summary>Clusters the sources; labels 0, 1, … and −1 for noise, as <see cref="Dbscan.Fit"/> returns them.</summary>
    public static DbscanResult Fit(IReadOnlyList<SiblingSource> sources, SiblingOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(sources);
        options ??= new SiblingOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MinSamples, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BinSeconds, 1);
        var n = sources.Count;
        var neighbours = Neighbours(sources, options);
        var labels = Dbscan.FromNeighbours(neighbours, options.MinSamples, out var core);
        return new DbscanResult(labels, core, 1.0, options.MinSamples, null,
            $"sibling relation (tolerance units, eps 1): {options.Sigmas:R} sigmas on counts, period within {options.PeriodTolerance:R} (log), first packets within {options.LaunchSkewSeconds:R} s + {options.StartGaps:R} packet gaps, port Jaccard >= {options.PortJaccard:R}; {n} sources");
    }

    /// <summary>Each source's siblings, itself included, ascending.</summary>
    /// <remarks>
    /// Candidates come from queries in k-d trees over the four tolerance axes, a port key and the first
    /// packet. The port key: two sources whose port lists have a Jaccard index ≥ t share a port among
    /// the first k − ⌈t·k⌉ + 1 of each list when every list is ordered the same way (prefix filtering,
    /// Bayardo, Ma and Srikant 2007), so each source is indexed once per port of that prefix, ports
    /// ordered rarest first, and a port's entries lie far from any other port's on the key axis; a
    /// query then meets only sources that share a prefix port. Without it, most candidates of a large
    /// month failed the port test (42% at 2·10^5 synthetic sources). The first packet: one tree with it
    /// scaled by the largest start tolerance (a day, for slow sources) made every query a day wide, so
    /// the sources are split into classes of start tolerance (each at most twice the one below), each
    /// class gets a tree with the first packet scaled by its bound, and a source queries its own class
    /// and the classes above: a pair is within the larger of its two tolerances, which is at most the
    /// bound of the upper class, so the query in that class's tree (within 1 on the four axes, 1 on the
    /// start, the same key) reaches it. The member of the lower class finds the pair and records it on
    /// both sides; a pair in one class is found from both.
    /// </remarks>
    public static int[][] Neighbours(IReadOnlyList<SiblingSource> sources, SiblingOptions options)
    {
        ArgumentNullException.ThrowIfNull(sources);
        ArgumentNullException.ThrowIfNull(options);
        var n = sources.Count;
        var tolerance = new double[n];
        var origin = double.MaxValue;
        var smallest = double.MaxValue;
        for (var i = 0; i < n; i++)
        {
            tolerance[i] = StartTolerance(sources[i], options);
            origin = Math.Min(origin, sources[i].FirstSeen);
            smallest = tolerance[i] > 0 ? Math.Min(smallest, tolerance[i]) : smallest;
        }

        // Class c holds the tolerances up to Bound(c) = smallest × 2^c (class 0 also those of 0; with
        // no tolerance above 0 there is one class, and the start axis is 0 for all).
        double Bound(int c) => smallest == double.MaxValue ? 0 : smallest * Math.Pow(2, c);
        var classOf = new int[n];
        var classes = 1;
        for (var i = 0; i < n; i++)
        {
            var c = 0;
            while (tolerance[i] > Bound(c))
            {
                c++;
            }

            classOf[i] = c;
            classes = Math.Max(classes, c + 1);
        }

        var data = new double[n * Dimensions];
        for (var i = 0; i < n; i++)
        {
            Coordinates(sources[i], options, data.AsSpan(i * Dimensions, Dimensions));
        }

        var fields = new Fields(sources, tolerance);
        var keys = PortKeys(fields.Ports, options.PortJaccard);

        // Per class: its entries (source, key; by source) and a tree of their points, the first packet
        // scaled by the class's bound.
        var entries = new List<(int Source, int Key)>[classes];
        for (var c = 0; c < classes; c++)
        {
            entries[c] = [];
        }

        for (var i = 0; i < n; i++)
        {
            foreach (var key in keys[i])
            {
                entries[classOf[i]].Add((i, key));
            }
        }

        const int dims = Dimensions + 2;
        var indexes = new ClassIndex?[classes];
        for (var c = 0; c < classes; c++)
        {
            if (entries[c].Count == 0)
            {
                continue;
            }

            var bound = Bound(c);
            var points = new double[entries[c].Count * dims];
            for (var k = 0; k < entries[c].Count; k++)
            {
                var (i, key) = entries[c][k];
                var point = points.AsSpan(k * dims, dims);
                data.AsSpan(i * Dimensions, Dimensions).CopyTo(point);
                point[Dimensions] = key * KeySpacing;
                point[Dimensions + 1] = bound > 0 ? (sources[i].FirstSeen - origin) / bound : 0;
            }

            var tree = new KdTree(new FeatureMatrix(points, entries[c].Count, dims));
            indexes[c] = new ClassIndex(tree, [.. tree.Order.Select(k => entries[c][k].Source)], fields);
        }

        // Queries in order of key and first packet: consecutive queries walk the same part of the trees,
        // which at 10^6 sources are far larger than the caches.
        var queryOrder = Enumerable.Range(0, n).OrderBy(i => keys[i].Length > 0 ? keys[i][0] : -1).ThenBy(i => fields.First[i]).ToArray();
        var own = new List<int>[n];
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.MaxDegreeOfParallelism };
        var found = new ConcurrentBag<List<(int, int)>>();
        Parallel.For(0, n, parallel, () => (Hits: new List<int>(), Across: new List<(int, int)>(), Tested: new HashSet<int>()), (q, _, local) =>
        {
            var i = queryOrder[q];
            var kept = new List<int> { i };
            Span<double> query = stackalloc double[dims];
            data.AsSpan(i * Dimensions, Dimensions).CopyTo(query);
            var several = keys[i].Length > 1;
            local.Tested.Clear();
            for (var c = classOf[i]; c < classes; c++)
            {
                if (indexes[c] is not { } index)
                {
                    continue;
                }

                var bound = Bound(c);
                query[Dimensions + 1] = bound > 0 ? (fields.First[i] - origin) / bound : 0;
                foreach (var key in keys[i])
                {
                    query[Dimensions] = key * KeySpacing;
                    local.Hits.Clear();
                    index.Siblings(i, query, options.PortJaccard, local.Hits);
                    foreach (var j in local.Hits)
                    {
                        // A source that shares several prefix ports with i is found once per port.
                        if (j != i && (!several || local.Tested.Add(j)))
                        {
                            kept.Add(j);
                            if (c > classOf[i])
                            {
                                local.Across.Add((j, i));
                            }
                        }
                    }
                }
            }

            own[i] = kept;
            return local;
        }, local => found.Add(local.Across));

        // A pair across classes was found from its lower member only: give it to the upper one too.
        foreach (var (to, from) in found.SelectMany(f => f))
        {
            own[to].Add(from);
        }

        var result = new int[n][];
        for (var i = 0; i < n; i++)
        {
            own[i].Sort();
            result[i] = [.. own[i]];
        }

        return result;
    }

    // Keys lie this far apart on their axis (a query matches its key exactly): more spread than the
    // tolerance axes usually have, so the trees split between keys first.
    private const double KeySpacing = 4;

    /// <summary>
    /// The port keys each source is indexed and queried under: the first k − ⌈t·k⌉ + 1 of its k ports,
    /// ports ordered by how many sources list them (rarest first, then by number). Two lists with a
    /// Jaccard index ≥ t share at least ⌈t·k⌉ ports of either list's k, so their first common port in
    /// that order lies within both prefixes. Empty lists (Jaccard 1 with each other, 0 with any other)
    /// share one key of their own; a threshold ≤ 0 passes every pair, so every source gets that one key.
    /// </summary>
    internal static int[][] PortKeys(ushort[][] ports, double minJaccard)
    {
        const int empty = 1 << 16;
        if (minJaccard <= 0)
        {
            return [.. ports.Select(_ => new[] { empty })];
        }

        var listed = new int[1 << 16];
        foreach (var list in ports)
        {
            foreach (var p in list)
            {
                listed[p]++;
            }
        }

        var order = Enumerable.Range(0, 1 << 16).OrderBy(p => listed[p]).ThenBy(p => p).ToArray();
        var rank = new int[1 << 16];
        for (var r = 0; r < order.Length; r++)
        {
            rank[order[r]] = r;
        }

        var keys = new int[ports.Length][];
        for (var i = 0; i < ports.Length; i++)
        {
            var k = ports[i].Length;
            if (k == 0)
            {
                keys[i] = [empty];
                continue;
            }

            // ⌈t·k⌉, rounded down where t·k lands a hair above an integer: a longer prefix only adds candidates.
            var shared = Math.Max(1, (int)Math.Ceiling((minJaccard * k) - 1e-9));
            var prefix = Math.Max(0, k - shared + 1);
            var ranks = ports[i].Select(p => rank[p]).Order().Take(prefix);
            keys[i] = [.. ranks];
        }

        return keys;
    }

    // The fields the exact test reads, copied out of the sources once: reading them through
    // IReadOnlyList<SiblingSource> copied the whole record per field behind an interface call, half of
    // a 2·10^5-source clustering.
    private sealed class Fields(IReadOnlyList<SiblingSource> sources, double[] tolerance)
    {
        public double[] Tolerance => tolerance;

        /// <summary>Each source's first packet, seconds.</summary>
        public double[] First { get; } = [.. sources.Select(s => s.FirstSeen)];

        public int[] Tools { get; } = [.. sources.Select(s => s.Tools)];

        /// <summary>Each source's port list, ascending.</summary>
        public ushort[][] Ports { get; } = [.. sources.Select(s => s.PortList as ushort[] ?? [.. s.PortList])];
    }

    /// <summary>
    /// One tolerance class's k-d tree with the exact test's fields copied in tree order, so that the
    /// points of a leaf and what the test reads of them are contiguous: the query walks the tree and
    /// tests each point of a leaf it reaches in place, instead of returning candidates whose fields
    /// then lie anywhere in memory.
    /// </summary>
    private sealed class ClassIndex
    {
        private readonly KdTree _tree;
        private readonly int[] _source;
        private readonly double[] _first;
        private readonly double[] _tolerance;
        private readonly int[] _tools;
        private readonly ushort[][] _ports;
        private readonly Fields _fields;

        public ClassIndex(KdTree tree, int[] sourceAt, Fields fields)
        {
            _tree = tree;
            _source = sourceAt;
            _fields = fields;
            _first = [.. sourceAt.Select(j => fields.First[j])];
            _tolerance = [.. sourceAt.Select(j => fields.Tolerance[j])];
            _tools = [.. sourceAt.Select(j => fields.Tools[j])];
            _ports = [.. sourceAt.Select(j => fields.Ports[j])];
        }

        /// <summary>
        /// Appends the sources of this class that are siblings of source <paramref name="i"/>, found
        /// under the key in <paramref name="query"/> (the four tolerance axes, the key, the first packet
        /// scaled by the class's bound).
        /// </summary>
        public void Siblings(int i, ReadOnlySpan<double> query, double minJaccard, List<int> into)
        {
            const int dims = Dimensions + 2;
            const int key = Dimensions;
            const int start = Dimensions + 1;

            // The start axis is only a filter (the exact test compares seconds): a hair of slack for rounding.
            const double startReach = 1 + 1e-9;
            var tree = _tree;
            var points = tree.Points;
            var (lower, upper) = (tree.Lower, tree.Upper);
            var first = _fields.First[i];
            var tolerance = _fields.Tolerance[i];
            var tools = _fields.Tools[i];
            var ports = _fields.Ports[i];
            Span<int> stack = stackalloc int[tree.StackSize];
            var top = 0;
            stack[top++] = 0;
            while (top > 0)
            {
                var node = stack[--top];
                if (tree.NodeStart[node] == tree.NodeEnd[node])
                {
                    continue;
                }

                var box = node * dims;
                if (query[key] < lower[box + key] || query[key] > upper[box + key]
                    || query[start] < lower[box + start] - startReach || query[start] > upper[box + start] + startReach)
                {
                    continue;
                }

                var d2 = 0.0;
                for (var d = 0; d < Dimensions; d++)
                {
                    var q = query[d];
                    var t = q < lower[box + d] ? lower[box + d] - q : q > upper[box + d] ? q - upper[box + d] : 0.0;
                    d2 += t * t;
                }

                if (d2 > 1.0)
                {
                    continue;
                }

                if (!tree.IsLeaf(node))
                {
                    stack[top++] = (2 * node) + 2;
                    stack[top++] = (2 * node) + 1;
                    continue;
                }

                for (var pos = tree.NodeStart[node]; pos < tree.NodeEnd[node]; pos++)
                {
                    var p = points.AsSpan(pos * dims, dims);
                    if (p[key] != query[key])
                    {
                        continue;
                    }

                    // The same sum in the same order as over the sources' own coordinates.
                    var e2 = 0.0;
                    for (var d = 0; d < Dimensions; d++)
                    {
                        var t = query[d] - p[d];
                        e2 += t * t;
                    }

                    if (e2 <= 1.0
                        && Math.Abs(first - _first[pos]) <= Math.Max(tolerance, _tolerance[pos])
                        && SameTool(tools, _tools[pos])
                        && PortJaccard(ports, _ports[pos]) >= minJaccard)
                    {
                        into.Add(_source[pos]);
                    }
                }
            }
        }
    }
}

/// <summary>The sibling inputs of a <c>features.csv</c> (its extra columns), row for row with <see cref="FeatureTable.Read"/>.</summary>
/// <param name="Sources">One per row.</param>
/// <param name="PerPortCoverage">Most destinations on one port / |O| (|O| from destinations / coverage; NaN without coverage).</param>
public sealed record SiblingTable(SiblingSource[] Sources, double[] PerPortCoverage)
{
    /// <summary>Reads the columns the sibling relation needs. Throws <see cref="FormatException"/> naming file and line.</summary>
    public static SiblingTable Read(string path)
    {
        var sources = new List<SiblingSource>();
        var coverage = new List<double>();
        var c = CultureInfo.InvariantCulture;
        string[] columns = ["destinations", "period", "activity", "ports", "first_seen", "last_seen", "packets", "ports_list", "port_destinations", "coverage", "tools"];
        var toolBits = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (line, fields, col) in EvaluationFiles.Rows(path, columns))
        {
            string Field(string name) => fields[col[Array.IndexOf(columns, name)]];

            double Number(string name)
            {
                var text = Field(name);
                return double.TryParse(text, NumberStyles.Float, c, out var v) && double.IsFinite(v) ? v
                    : throw new FormatException($"{path}: line {line}: {name} '{text}' is not a finite number");
            }

            long Time(string name)
            {
                var text = Field(name);
                return DateTimeOffset.TryParse(text, c, DateTimeStyles.AssumeUniversal, out var t) ? (t.UtcTicks - DateTime.UnixEpoch.Ticks) * 100
                    : throw new FormatException($"{path}: line {line}: {name} '{text}' is not a timestamp");
            }

            var ports = Field("ports_list").Length == 0 ? [] : Field("ports_list").Split(';').Select(p => ushort.TryParse(p, NumberStyles.None, c, out var v) ? v
                : throw new FormatException($"{path}: line {line}: ports_list '{p}' is not a port number")).ToArray();
            var perPort = Field("port_destinations").Length == 0 ? [] : Field("port_destinations").Split(';').Select(p => int.TryParse(p.AsSpan(p.IndexOf(':', StringComparison.Ordinal) + 1), NumberStyles.None, c, out var v) ? v
                : throw new FormatException($"{path}: line {line}: port_destinations '{p}' is not port:destinations")).ToArray();
            var destinations = Number("destinations");
            var tools = 0;
            foreach (var name in Field("tools").Split(';', StringSplitOptions.RemoveEmptyEntries))
            {
                if (!toolBits.TryGetValue(name, out var bit))
                {
                    bit = toolBits.Count < 31 ? 1 << toolBits.Count : throw new FormatException($"{path}: line {line}: more than 31 tool names");
                    toolBits[name] = bit;
                }

                tools |= bit;
            }

            sources.Add(SiblingSource.Create(Number("activity"), Number("period"), (int)Number("ports"), destinations, perPort, Time("first_seen"), Time("last_seen"), (long)Number("packets"), ports) with { Tools = tools });
            var total = Field("coverage").Length == 0 ? double.NaN : Number("coverage");
            coverage.Add(destinations > 0 ? (perPort.Length == 0 ? destinations : perPort.Max()) * total / destinations : 0);
        }

        return new SiblingTable([.. sources], [.. coverage]);
    }
}
