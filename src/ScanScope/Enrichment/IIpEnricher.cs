namespace ScanScope.Enrichment;

/// <summary>Where an address is registered: country and autonomous system. Null where unknown.</summary>
/// <param name="Country">ISO 3166 alpha-2 country code.</param>
/// <param name="Asn">Autonomous system number.</param>
/// <param name="Organization">Name of the autonomous system's organization.</param>
public readonly record struct IpInfo(string? Country, uint? Asn, string? Organization)
{
    /// <summary>"AS13335 Cloudflare, Inc.", or null when the ASN is unknown.</summary>
    public string? OrganizationLabel => Asn is { } asn ? Organization is null ? $"AS{asn}" : $"AS{asn} {Organization}" : null;
}

/// <summary>Looks up the country, ASN and organization of IPv4 addresses.</summary>
public interface IIpEnricher
{
    /// <summary>True when a country database is loaded.</summary>
    bool HasCountry { get; }

    /// <summary>True when an ASN database is loaded.</summary>
    bool HasAsn { get; }

    /// <summary>The data sources to credit in reports (one line each).</summary>
    IReadOnlyList<string> Attributions { get; }

    /// <summary>What is known about <paramref name="address"/> (big-endian integer, 1.2.3.4 = 0x01020304).</summary>
    IpInfo Lookup(uint address);
}
