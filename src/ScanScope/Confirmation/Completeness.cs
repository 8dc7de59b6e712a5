using System.Globalization;

namespace ScanScope.Confirmation;

/// <summary>Whether the hosts found for a scan are the whole scan.</summary>
public enum CompletenessKind
{
    /// <summary>No scan to judge.</summary>
    NoScan,

    /// <summary>The found hosts are as many as E[H] within its sampling error.</summary>
    Complete,

    /// <summary>Fewer hosts than E[H] beyond the sampling error.</summary>
    Partial,

    /// <summary>The hosts' destination sets overlap: more than one scan (or group) was taken for one.</summary>
    SeveralScansMerged,

    /// <summary>Short of E[H], but the scan runs into the start or end of the window: the hosts were not seen to finish.</summary>
    CutByWindow,
}

/// <summary>The completeness verdict of one scan: found hosts against E[H].</summary>
/// <param name="Kind">The verdict.</param>
/// <param name="FoundHosts">Hosts taking part in the scan.</param>
/// <param name="ExpectedHosts">E[H] = |O| / μ.</param>
/// <param name="StandardError">Standard error of E[H] (hypergeometric per-host variance, hosts sampled without replacement).</param>
public readonly record struct Completeness(CompletenessKind Kind, int FoundHosts, double ExpectedHosts, double StandardError)
{
    /// <summary>Hosts a complete scan would still need (E[H] − found, rounded; 0 unless partial).</summary>
    public int MissingHosts => Kind == CompletenessKind.Partial ? (int)Math.Round(ExpectedHosts - FoundHosts) : 0;

    /// <summary>"complete", "partial: ~N hosts missing", "several scans merged" or "no scan found".</summary>
    public string Text => Kind switch
    {
        CompletenessKind.Complete => "complete",
        CompletenessKind.Partial => string.Create(CultureInfo.InvariantCulture, $"partial: ~{MissingHosts} host{(MissingHosts == 1 ? "" : "s")} missing"),
        CompletenessKind.SeveralScansMerged => "several scans merged",
        CompletenessKind.CutByWindow => "partial: cut by the window",
        _ => "no scan found",
    };

    /// <summary>
    /// Judges a scan whose <paramref name="foundHosts"/> hosts hit <paramref name="meanDestinations"/>
    /// destinations each on average, with <paramref name="overlap"/> the share of their
    /// host–destination pairs that repeat another host's destination.
    /// </summary>
    /// <remarks>
    /// Overlap above <see cref="ConfirmationOptions.MergedOverlap"/> means several scans (a sharded
    /// scan's shares are disjoint). Otherwise the scan is partial when E[H] − found exceeds z
    /// standard errors, one host, and the tolerance share of E[H] (observers that were down for
    /// part of the scan keep coverage a little under |O|).
    /// </remarks>
    public static Completeness Judge(int foundHosts, double meanDestinations, double overlap, ConfirmationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (foundHosts <= 0 || !(meanDestinations > 0))
        {
            return new Completeness(CompletenessKind.NoScan, foundHosts, double.NaN, double.NaN);
        }

        var options = context.Options;
        var expected = ScanFormulas.ExpectedHosts(context.ActiveObservers, meanDestinations);
        var error = ScanFormulas.ExpectedHostsStandardError(context.ActiveObservers, expected, foundHosts, context.TargetSpace);
        if (overlap > options.MergedOverlap)
        {
            return new Completeness(CompletenessKind.SeveralScansMerged, foundHosts, expected, error);
        }

        var missing = expected - foundHosts;
        var allowed = Math.Max(Math.Max(options.CompletenessZ * error, 1), options.CompletenessTolerance * expected);
        var kind = missing > allowed ? CompletenessKind.Partial : CompletenessKind.Complete;
        return new Completeness(kind, foundHosts, expected, error);
    }
}
