using ScanScope.Enrichment;

namespace ScanScope.Confirmation;

/// <summary>
/// A row of cluster_summary.csv (thesis table 6.4): <c>cluster_id,sources,slash8,slash16,slash24,
/// countries,organizations,jaccard,expected_hosts,category,ports</c>, then the verdict and what it rests on.
/// </summary>
/// <param name="ClusterId">Cluster id.</param>
/// <param name="Sources">Sources in the cluster.</param>
/// <param name="Slash8">Distinct /8 networks of the sources.</param>
/// <param name="Slash16">Distinct /16 networks.</param>
/// <param name="Slash24">Distinct /24 networks.</param>
/// <param name="Countries">Distinct countries, or null when no country database is loaded.</param>
/// <param name="Organizations">Distinct autonomous systems, or null when no ASN database is loaded.</param>
/// <param name="Jaccard">Mean pairwise Jaccard index of the hosts' destination sets in the reference scan.</param>
/// <param name="ExpectedHosts">E[H] = |O| / μ of the reference scan.</param>
/// <param name="Category">Scanning behaviour.</param>
/// <param name="Ports">Ports of the cluster's scans, ascending, space-separated.</param>
/// <param name="Verdict">"complete", "partial: ~N hosts missing", "several scans merged" or "no scan found".</param>
/// <param name="ScanHosts">Hosts taking part in the reference scan.</param>
/// <param name="ReferencePort">Port of the reference scan (null without one).</param>
/// <param name="ReferenceStart">Start of the reference scan.</param>
/// <param name="Scans">Number of scans found.</param>
/// <param name="TopCountry">The most common country, or null.</param>
/// <param name="TopOrganization">The most common organization ("AS… name"), or null.</param>
public sealed record ClusterSummary(
    int ClusterId, int Sources, int Slash8, int Slash16, int Slash24, int? Countries, int? Organizations,
    double Jaccard, double ExpectedHosts, string Category, string Ports, string Verdict, int ScanHosts,
    ushort? ReferencePort, DateTime? ReferenceStart, int Scans, string? TopCountry, string? TopOrganization)
{
    internal static ClusterSummary Create(int clusterId, uint[] sources, List<Scan> scans, ScanCategory category, Scan? reference, IIpEnricher? enricher)
    {
        int? countries = null, organizations = null;
        string? topCountry = null, topOrganization = null;
        if (enricher is not null)
        {
            var infos = sources.Select(enricher.Lookup).ToArray();
            if (enricher.HasCountry)
            {
                var known = infos.Where(i => i.Country is not null).Select(i => i.Country!).ToArray();
                countries = known.Distinct().Count();
                topCountry = Top(known);
            }

            if (enricher.HasAsn)
            {
                var known = infos.Where(i => i.Asn is not null).ToArray();
                organizations = known.Select(i => i.Asn).Distinct().Count();
                topOrganization = Top(known.Select(i => i.OrganizationLabel!));
            }
        }

        return new ClusterSummary(
            clusterId,
            sources.Length,
            sources.Select(a => a >> 24).Distinct().Count(),
            sources.Select(a => a >> 16).Distinct().Count(),
            sources.Select(a => a >> 8).Distinct().Count(),
            countries,
            organizations,
            reference?.Jaccard ?? double.NaN,
            reference?.ExpectedHosts ?? double.NaN,
            category.Name(),
            string.Join(' ', scans.Select(s => s.Port).Distinct().Order()),
            reference?.Completeness.Text ?? "no scan found",
            reference?.Hosts ?? 0,
            reference?.Port,
            reference is null ? null : ClusterConfirmer.ToDateTime(reference.StartNs),
            scans.Count,
            topCountry,
            topOrganization);
    }

    private static string? Top(IEnumerable<string> values) =>
        values.GroupBy(v => v, StringComparer.Ordinal).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).FirstOrDefault()?.Key;
}
