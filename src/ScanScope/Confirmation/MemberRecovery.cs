namespace ScanScope.Confirmation;

/// <summary>A source outside a cluster that behaves like one of its members, with the parts of its score.</summary>
/// <param name="ClusterId">The cluster.</param>
/// <param name="Source">The candidate.</param>
/// <param name="Score">WindowShare × SizeSimilarity × Disjointness × (½ + ½ · scans joined / cluster scans), in [0, 1].</param>
/// <param name="WindowShare">Share of the candidate's probes that fall on the cluster's ports inside its scan windows.</param>
/// <param name="SizeSimilarity">Mean over joined scans of min(x, μ)/max(x, μ): its destinations x against the members' mean μ.</param>
/// <param name="Disjointness">1 − shared / expected-if-unrelated: a missing shard avoids the members' destinations, a stranger hits them at the members' coverage.</param>
/// <param name="ScansJoined">Cluster scans in whose window it probed the scan's port.</param>
/// <param name="Destinations">Its unique destinations inside the windows.</param>
/// <param name="SharedDestinations">Of those, how many the members also probed in the same scan.</param>
public sealed record RecoveryCandidate(
    int ClusterId, uint Source, double Score, double WindowShare, double SizeSimilarity, double Disjointness,
    int ScansJoined, int Destinations, int SharedDestinations);

/// <summary>Finds sources outside a cluster whose per-scan behaviour matches the cluster's signature (thesis section 6.3.3).</summary>
/// <remarks>
/// The signature is the cluster's group scans: port, time window and the members' destinations.
/// A missing shard of a sharded scan probes the same port in the same window (a late start or a
/// slower rate stretch its run, so the window reaches one scan duration past the members' end),
/// hits about as many destinations as a member (its share of the telescope does not depend on
/// its rate), and — the strongest test — none of the members' destinations, whereas any other
/// source lands on them in proportion to the members' coverage.
/// </remarks>
public static class MemberRecovery
{
    /// <summary>The candidates scoring at least <paramref name="minScore"/>, best first.</summary>
    public static List<RecoveryCandidate> Rank(ClusterConfirmation cluster, IEnumerable<SourceEvents> candidates, ConfirmationContext context, double minScore = 0.5)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(candidates);
        ArgumentNullException.ThrowIfNull(context);
        var signature = cluster.GroupScans.Count > 0 ? cluster.GroupScans : cluster.Scans;
        var members = cluster.Sources.ToHashSet();
        var result = new List<RecoveryCandidate>();
        if (signature.Count == 0)
        {
            return result;
        }

        var bin = (long)(context.BinSeconds * 1e9);
        var windows = signature.Select(s =>
        {
            var duration = s.EndNs - s.StartNs;
            return (Scan: s, From: s.StartNs - Math.Max(bin, duration / 20), To: s.EndNs + Math.Max(bin, duration));
        }).ToArray();
        var retry = (long)(context.Options.RetryWindowSeconds * 1e9);

        foreach (var candidate in candidates)
        {
            if (members.Contains(candidate.Source))
            {
                continue;
            }

            var score = Score(cluster.ClusterId, candidate, windows, retry, context);
            if (score is not null && score.Score >= minScore)
            {
                result.Add(score);
            }
        }

        result.Sort((a, b) => b.Score != a.Score ? b.Score.CompareTo(a.Score) : a.Source.CompareTo(b.Source));
        return result;
    }

    private static RecoveryCandidate? Score(int clusterId, SourceEvents candidate, (Scan Scan, long From, long To)[] windows, long retry, ConfirmationContext context)
    {
        var byPort = PortHits.ByPort([candidate], retry, context.Observers);
        var total = byPort.Sum(p => p.Count);
        if (total == 0)
        {
            PortHits.Release(byPort);
            return null;
        }

        var inWindows = 0;
        int joined = 0, destinations = 0, shared = 0;
        double similarity = 0, expectedShared = 0;
        foreach (var hits in byPort)
        {
            var used = new bool[hits.Count];
            foreach (var (scan, from, to) in windows)
            {
                if (scan.Port != hits.Port)
                {
                    continue;
                }

                var set = new HashSet<uint>();
                for (var i = hits.FirstAtOrAfter(from); i < hits.Count && hits.Time(i) <= to; i++)
                {
                    set.Add(hits.Destination(i));
                    if (!used[i])
                    {
                        used[i] = true;
                        inWindows++;
                    }
                }

                if (set.Count == 0)
                {
                    continue;
                }

                joined++;
                destinations += set.Count;
                shared += set.Count(scan.Probed);
                expectedShared += set.Count * scan.Coverage;
                var mu = scan.DestinationsPerHost;
                similarity += Math.Min(set.Count, mu) / Math.Max(set.Count, mu);
            }
        }

        PortHits.Release(byPort);
        if (joined == 0)
        {
            return null;
        }

        var windowShare = inWindows / (double)total;
        var size = similarity / joined;
        var disjointness = 1 - Math.Min(1, shared / Math.Max(expectedShared, 1));
        var participation = joined / (double)windows.Length;
        var value = windowShare * size * disjointness * (0.5 + (0.5 * participation));
        return new RecoveryCandidate(clusterId, candidate.Source, value, windowShare, size, disjointness, joined, destinations, shared);
    }
}
