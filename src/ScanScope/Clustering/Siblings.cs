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
    /// Candidates come from radius queries in k-d trees over the four tolerance axes and the first
    /// packet. One tree with the first packet scaled by the largest start tolerance (a day, for slow
    /// sources) made every query a day wide, and most candidates then failed the start test. So the
    /// sources are split into classes of start tolerance (each at most twice the one below), each class
    /// gets a tree with the first packet scaled by its bound, and a source queries its own class and the
    /// classes above: a pair is within the larger of its two tolerances, which is at most the bound of
    /// the upper class, so the query in that class's tree (radius √2: 1 on the four axes, 1 on start)
    /// finds it. The member of the lower class finds the pair and records it on both sides; a pair in
    /// one class is found from both.
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

        // Per class: its members (ascending) and a tree of their points, the first packet scaled by the class's bound.
        var members = new List<int>[classes];
        for (var c = 0; c < classes; c++)
        {
            members[c] = [];
        }

        for (var i = 0; i < n; i++)
        {
            members[classOf[i]].Add(i);
        }

        const int dims = Dimensions + 1;
        var trees = new KdTree?[classes];
        for (var c = 0; c < classes; c++)
        {
            if (members[c].Count == 0)
            {
                continue;
            }

            var bound = Bound(c);
            var points = new double[members[c].Count * dims];
            for (var k = 0; k < members[c].Count; k++)
            {
                var i = members[c][k];
                data.AsSpan(i * Dimensions, Dimensions).CopyTo(points.AsSpan(k * dims, Dimensions));
                points[(k * dims) + Dimensions] = bound > 0 ? (sources[i].FirstSeen - origin) / bound : 0;
            }

            trees[c] = new KdTree(new FeatureMatrix(points, members[c].Count, dims));
        }

        var own = new List<int>[n];
        var fields = new Fields(sources, data, tolerance);
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.MaxDegreeOfParallelism };
        var found = new ConcurrentBag<List<(int, int)>>();
        Parallel.For(0, n, parallel, () => (Hits: new List<int>(), Across: new List<(int, int)>()), (i, _, local) =>
        {
            var kept = new List<int> { i };
            Span<double> query = stackalloc double[dims];
            data.AsSpan(i * Dimensions, Dimensions).CopyTo(query);
            for (var c = classOf[i]; c < classes; c++)
            {
                if (trees[c] is not { } tree)
                {
                    continue;
                }

                var bound = Bound(c);
                query[Dimensions] = bound > 0 ? (fields.FirstSeen(i) - origin) / bound : 0;
                local.Hits.Clear();
                tree.Within(query, Math.Sqrt(2), local.Hits);
                foreach (var k in local.Hits)
                {
                    var j = members[c][k];
                    if (j != i && fields.IsSibling(i, j, options.PortJaccard))
                    {
                        kept.Add(j);
                        if (c > classOf[i])
                        {
                            local.Across.Add((j, i));
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

    // The exact test on the fields the relation reads, copied out of the sources once: reading them
    // through IReadOnlyList<SiblingSource> copied the whole record per field behind an interface call,
    // half of a 2·10^5-source clustering.
    private sealed class Fields(IReadOnlyList<SiblingSource> sources, double[] data, double[] tolerance)
    {
        private readonly double[] _first = [.. sources.Select(s => s.FirstSeen)];
        private readonly int[] _tools = [.. sources.Select(s => s.Tools)];
        private readonly ushort[][] _ports = [.. sources.Select(s => s.PortList as ushort[] ?? [.. s.PortList])];

        /// <summary>Each source's first packet, seconds.</summary>
        public double FirstSeen(int i) => _first[i];

        public bool IsSibling(int i, int j, double minJaccard)
        {
            var d2 = 0.0;
            for (var k = 0; k < Dimensions; k++)
            {
                var d = data[(i * Dimensions) + k] - data[(j * Dimensions) + k];
                d2 += d * d;
            }

            return d2 <= 1.0
                && Math.Abs(_first[i] - _first[j]) <= Math.Max(tolerance[i], tolerance[j])
                && SameTool(_tools[i], _tools[j])
                && PortJaccard(_ports[i], _ports[j]) >= minJaccard;
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
