namespace ScanScope.Confirmation;

/// <summary>
/// Telescope formulas for a sharded scan of |N| targets by |H| hosts seen by |O| observers
/// (thesis equations 5.10–5.15; exact variance from shared/docs/scanner-internals.md §7).
/// </summary>
public static class ScanFormulas
{
    /// <summary>|N| for all of IPv4 less ZMap's default blocklist.</summary>
    public const double DefaultAllowedTargets = 3_702_258_432;

    /// <summary>E[H] = |O| / μ, the host count a complete scan with μ destinations per host needs (eq. 5.15).</summary>
    public static double ExpectedHosts(double observers, double meanDestinationsPerHost) =>
        meanDestinationsPerHost > 0 ? observers / meanDestinationsPerHost : double.NaN;

    /// <summary>
    /// Exact variance of one host's telescope destinations X_h when a random partition of |N|
    /// targets into |H| shards is observed by |O| addresses: hypergeometric,
    /// (|O|/|H|)(1 − |O|/|N|)(1 − 1/|H|)·|N|/(|N| − 1). Zero for |H| = 1.
    /// </summary>
    public static double HostDestinationVariance(double observers, double hosts, double targets)
    {
        if (hosts <= 1)
        {
            return 0;
        }

        return observers / hosts * (1 - (observers / targets)) * (1 - (1 / hosts)) * targets / (targets - 1);
    }

    /// <summary>The thesis's binomial σ² = (|O|/|H|)(1 − |O|/|N|) (eq. 5.11), which overstates the exact value by 1/(1 − 1/|H|).</summary>
    public static double ThesisHostDestinationVariance(double observers, double hosts, double targets) =>
        observers / hosts * (1 - (observers / targets));

    /// <summary>Mean number of probe slots between two telescope hits of the whole scan, 1/p with p = 1 − (1 − |O|/|N|)^|H| (eq. 5.13).</summary>
    public static double MeanGapSlots(double observers, double hosts, double targets) =>
        1 / (1 - Math.Pow(1 - (observers / targets), hosts));

    /// <summary>
    /// Standard error of E[H] = |O|/μ̂ when μ̂ is the mean over <paramref name="foundHosts"/> of the
    /// scan's <paramref name="expectedHosts"/> shards: hypergeometric per-host variance, a
    /// finite-population correction for sampling hosts without replacement, and the delta method.
    /// </summary>
    public static double ExpectedHostsStandardError(double observers, double expectedHosts, int foundHosts, double targets)
    {
        if (foundHosts <= 0 || !(expectedHosts > 0))
        {
            return double.NaN;
        }

        var mu = observers / expectedHosts;
        var hostVariance = HostDestinationVariance(observers, expectedHosts, targets);
        var fpc = Math.Max(0, 1 - (foundHosts / expectedHosts));
        var meanSd = Math.Sqrt(hostVariance / foundHosts * fpc);
        return expectedHosts * meanSd / mu;
    }
}
