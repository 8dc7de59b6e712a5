using System.Net;
using MaxMind.Db;

namespace ScanScope.Enrichment;

/// <summary>
/// A MaxMind DB (.mmdb) file read with MaxMind.Db: GeoLite2/GeoIP2 Country or ASN, or the open
/// ip-location-db country and ASN files, which use the same format with flatter records.
/// </summary>
/// <remarks>
/// Records are decoded as maps, so any of these layouts work: <c>{country: {iso_code}}</c> and
/// <c>{registered_country: {iso_code}}</c> (GeoLite2 Country), <c>{country_code}</c>
/// (ip-location-db), <c>{autonomous_system_number, autonomous_system_organization}</c> (GeoLite2
/// ASN and ip-location-db ASN).
/// </remarks>
public sealed class MaxMindDatabase : IDisposable
{
    private readonly Reader _reader;

    /// <summary>Opens <paramref name="path"/>; throws <see cref="InvalidDatabaseException"/> for a file that is not a MaxMind DB.</summary>
    public MaxMindDatabase(string path)
    {
        _reader = new Reader(path, FileAccessMode.Memory);
        Path = path;
    }

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>The metadata's database_type ("GeoLite2-Country", "GeoLite2-ASN", "country", …).</summary>
    public string DatabaseType => _reader.Metadata.DatabaseType;

    /// <summary>The record of <paramref name="address"/> reduced to country, ASN and organization.</summary>
    public IpInfo Lookup(uint address)
    {
        var record = _reader.Find<Dictionary<string, object>>(ToIPAddress(address));
        if (record is null)
        {
            return default;
        }

        var country = record.GetValueOrDefault("country_code") as string
            ?? IsoCode(record, "country")
            ?? IsoCode(record, "registered_country");
        uint? asn = record.GetValueOrDefault("autonomous_system_number") switch
        {
            long l => (uint)l,
            ulong u => (uint)u,
            int i => (uint)i,
            uint u32 => u32,
            System.Numerics.BigInteger b => (uint)b,
            _ => null,
        };
        var organization = record.GetValueOrDefault("autonomous_system_organization") as string;
        return new IpInfo(country, asn, organization);
    }

    /// <inheritdoc/>
    public void Dispose() => _reader.Dispose();

    internal static IPAddress ToIPAddress(uint address) =>
        new([(byte)(address >> 24), (byte)(address >> 16), (byte)(address >> 8), (byte)address]);

    private static string? IsoCode(Dictionary<string, object> record, string key) =>
        record.GetValueOrDefault(key) is Dictionary<string, object> inner ? inner.GetValueOrDefault("iso_code") as string : null;
}
