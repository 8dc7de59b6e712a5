using System.Runtime.InteropServices;

namespace ScanScope.Confirmation;

/// <summary>Two clusters that look like one group seen apart (thesis section 6.4.1).</summary>
/// <param name="ClusterA">The first cluster.</param>
/// <param name="ClusterB">The second cluster.</param>
/// <param name="Score">Matched share of scans × disjoint share of the matches, × 0.7 when the union is still partial; in [0, 1].</param>
/// <param name="MatchedScans">Scans of the same port that start together in both.</param>
/// <param name="UnionHosts">Hosts of the union in the largest matched scan.</param>
/// <param name="UnionExpectedHosts">E[H] of that union.</param>
/// <param name="SharedDestinations">Destinations both clusters probed in the matched scans.</param>
/// <param name="UnionVerdict">Completeness of the union ("complete", "partial: ~N hosts missing").</param>
public sealed record MergeSuggestion(
    int ClusterA, int ClusterB, double Score, int MatchedScans, int UnionHosts, double UnionExpectedHosts, int SharedDestinations, string UnionVerdict);

/// <summary>Suggests merging clusters whose scans are parts of the same sharded scans.</summary>
/// <remarks>
/// A pair is suggested when at least half of the smaller cluster's group scans have a partner in
/// the other cluster — same port, starts within max(bin, 10% of the scan's duration) — and the
/// partners' destination sets are disjoint (far fewer shared than independent scans would share,
/// |A||B|/|O|), and the union of the largest matched pair is still one scan: its hosts do not
/// overlap and are no more than E[H] of the union allows.
/// </remarks>
public static class SplitClusterDetector
{
    /// <summary>The merge suggestions among <paramref name="clusters"/>, best first.</summary>
    public static List<MergeSuggestion> Suggest(IReadOnlyList<ClusterConfirmation> clusters, ConfirmationContext context)
    {
        ArgumentNullException.ThrowIfNull(clusters);
        ArgumentNullException.ThrowIfNull(context);
        var result = new List<MergeSuggestion>();
        var withScans = clusters.Where(c => c.GroupScans.Count > 0 && c.Category != ScanCategory.Noise).ToArray();
        foreach (var (i, j) in Candidates(withScans, (long)(context.BinSeconds * 1e9)))
        {
            if (Compare(withScans[i], withScans[j], context) is { } suggestion)
            {
                result.Add(suggestion);
            }
        }

        result.Sort((a, b) => b.Score.CompareTo(a.Score));
        return result;
    }

    /// <summary>
    /// The pairs (i &lt; j, ascending) of clusters with a group scan each on one port whose starts
    /// are close enough to match: the only pairs <see cref="Compare"/> can suggest. Every cluster
    /// against every other was up to 2.4·10^8 comparisons for the 21,923 non-noise clusters of 10^6 sources.
    /// </summary>
    internal static List<(int I, int J)> Candidates(IReadOnlyList<ClusterConfirmation> clusters, long binNs)
    {
        var byPort = new Dictionary<ushort, List<(long Start, long Duration, int Cluster)>>();
        for (var c = 0; c < clusters.Count; c++)
        {
            foreach (var scan in clusters[c].GroupScans)
            {
                ref var list = ref CollectionsMarshal.GetValueRefOrAddDefault(byPort, scan.Port, out _);
                (list ??= []).Add((scan.StartNs, scan.EndNs - scan.StartNs, c));
            }
        }

        // Two scans match when their starts are at most max(bin, the longer duration / 10) apart;
        // with the port's longest duration in place of the partner's, the window can only be wider.
        var pairs = new List<long>();
        foreach (var scans in byPort.Values)
        {
            scans.Sort((x, y) => x.Start.CompareTo(y.Start));
            var longest = scans.Max(x => x.Duration);
            for (var p = 0; p < scans.Count; p++)
            {
                var window = Math.Max(binNs, Math.Max(scans[p].Duration, longest) / 10);
                for (var q = p + 1; q < scans.Count && scans[q].Start - scans[p].Start <= window; q++)
                {
                    var (a, b) = (scans[p].Cluster, scans[q].Cluster);
                    if (a != b)
                    {
                        pairs.Add(((long)Math.Min(a, b) << 32) | (uint)Math.Max(a, b));
                    }
                }
            }
        }

        pairs.Sort();
        var result = new List<(int, int)>();
        for (var k = 0; k < pairs.Count; k++)
        {
            if (k == 0 || pairs[k] != pairs[k - 1])
            {
                result.Add(((int)(pairs[k] >> 32), (int)(uint)pairs[k]));
            }
        }

        return result;
    }

    internal static MergeSuggestion? Compare(ClusterConfirmation a, ClusterConfirmation b, ConfirmationContext context)
    {
        var options = context.Options;
        var observers = (double)context.ActiveObservers;
        var bin = (long)(context.BinSeconds * 1e9);
        var matches = new List<(Scan A, Scan B)>();
        foreach (var sa in a.GroupScans)
        {
            var partner = b.GroupScans
                .Where(sb => sb.Port == sa.Port)
                .Select(sb => (Scan: sb, Delta: Math.Abs(sb.StartNs - sa.StartNs)))
                .Where(x => x.Delta <= Math.Max(bin, Math.Max(sa.EndNs - sa.StartNs, x.Scan.EndNs - x.Scan.StartNs) / 10))
                .OrderBy(x => x.Delta)
                .Select(x => x.Scan)
                .FirstOrDefault();
            if (partner is not null)
            {
                matches.Add((sa, partner));
            }
        }

        var smaller = Math.Min(a.GroupScans.Count, b.GroupScans.Count);
        if (matches.Count == 0 || matches.Count < 0.5 * smaller)
        {
            return null;
        }

        var disjoint = 0;
        var sharedTotal = 0;
        foreach (var (sa, sb) in matches)
        {
            var small = sa.UniqueDestinations <= sb.UniqueDestinations ? sa : sb;
            var shared = Scan.SharedDestinations(sa, sb);
            sharedTotal += shared;
            var independent = sa.UniqueDestinations * (double)sb.UniqueDestinations / observers;
            if (shared <= options.MergeMaxOverlap * small.UniqueDestinations && (independent < 5 || shared <= 0.25 * independent))
            {
                disjoint++;
            }
        }

        if (disjoint < 0.8 * matches.Count)
        {
            return null;
        }

        var (ra, rb) = matches.OrderByDescending(m => m.A.Hosts + m.B.Hosts).First();
        var hosts = ra.HostDestinationCounts.Keys.Union(rb.HostDestinationCounts.Keys).Count();
        var pairs = ra.HostDestinationCounts.Values.Sum(c => (long)c) + rb.HostDestinationCounts.Values.Sum(c => (long)c);
        var union = ra.UniqueDestinations + rb.UniqueDestinations - Scan.SharedDestinations(ra, rb);
        if (union > (1 + options.CoverageTolerance) * observers)
        {
            return null;
        }

        var overlap = pairs == 0 ? 0 : 1 - (union / (double)pairs);
        var verdict = Completeness.Judge(hosts, pairs / (double)hosts, overlap, context);
        if (verdict.Kind == CompletenessKind.SeveralScansMerged)
        {
            return null;
        }

        var score = matches.Count / (double)Math.Max(a.GroupScans.Count, b.GroupScans.Count) * (disjoint / (double)matches.Count)
            * (verdict.Kind == CompletenessKind.Complete ? 1 : 0.7);
        return new MergeSuggestion(a.ClusterId, b.ClusterId, score, matches.Count, hosts, verdict.ExpectedHosts, sharedTotal, verdict.Text);
    }
}
