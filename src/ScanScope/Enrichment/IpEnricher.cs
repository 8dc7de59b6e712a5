namespace ScanScope.Enrichment;

/// <summary>Which geo databases to use. Explicit files win; otherwise the folder <c>scanscope geo fetch</c> filled.</summary>
public sealed record GeoOptions
{
    /// <summary>A MaxMind-format ASN database (GeoLite2-ASN.mmdb, GeoIP2-ISP, ip-location-db asn.mmdb).</summary>
    public string? AsnDatabase { get; init; }

    /// <summary>A MaxMind-format country database (GeoLite2-Country.mmdb, ip-location-db country .mmdb).</summary>
    public string? CountryDatabase { get; init; }

    /// <summary>The folder of <c>scanscope geo fetch</c> (null: <see cref="GeoDataFolder.DefaultDirectory"/>).</summary>
    public string? DataDirectory { get; init; }
}

/// <summary>Country from one database, ASN and organization from another; unknown where a database is missing. Thread-safe.</summary>
public sealed class IpEnricher : IIpEnricher, IDisposable
{
    private readonly MaxMindDatabase? _country;
    private readonly MaxMindDatabase? _asnMmdb;
    private readonly AsnRangeTable? _asnTable;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<uint, IpInfo> _cache = new();

    /// <summary>Composes the sources; each may be null.</summary>
    public IpEnricher(MaxMindDatabase? country, MaxMindDatabase? asnMmdb, AsnRangeTable? asnTable, IReadOnlyList<string> attributions)
    {
        _country = country;
        _asnMmdb = asnMmdb;
        _asnTable = asnTable;
        Attributions = attributions;
    }

    /// <inheritdoc/>
    public bool HasCountry => _country is not null;

    /// <inheritdoc/>
    public bool HasAsn => _asnMmdb is not null || _asnTable is not null;

    /// <inheritdoc/>
    public IReadOnlyList<string> Attributions { get; }

    /// <inheritdoc/>
    public IpInfo Lookup(uint address)
    {
        if (_cache.TryGetValue(address, out var cached))
        {
            return cached;
        }

        var country = _country?.Lookup(address).Country;
        var asn = _asnMmdb?.Lookup(address) ?? _asnTable?.Lookup(address) ?? default;
        var info = new IpInfo(country, asn.Asn, asn.Organization);
        _cache[address] = info;
        return info;
    }

    /// <summary>
    /// Opens what <paramref name="options"/> names or the fetched folder holds. Nothing is
    /// downloaded. <paramref name="warning"/> is one line naming what is missing (null when both
    /// are there); an explicit file that cannot be read throws <see cref="InvalidDataException"/>.
    /// </summary>
    public static IpEnricher Open(GeoOptions options, out string? warning)
    {
        ArgumentNullException.ThrowIfNull(options);
        var folder = options.DataDirectory ?? GeoDataFolder.DefaultDirectory;
        var attributions = new List<string>();
        MaxMindDatabase? country = null, asnMmdb = null;
        AsnRangeTable? asnTable = null;

        var countryPath = options.CountryDatabase ?? Existing(Path.Combine(folder, GeoDataFolder.CountryFile));
        if (countryPath is not null)
        {
            country = OpenMmdb(countryPath);
            attributions.Add(Attribution(country, GeoDataFolder.CountryAttribution));
        }

        if (options.AsnDatabase is not null)
        {
            asnMmdb = OpenMmdb(options.AsnDatabase);
            attributions.Add(Attribution(asnMmdb, GeoDataFolder.AsnAttribution));
        }
        else if (Existing(Path.Combine(folder, GeoDataFolder.AsnFile)) is { } tablePath)
        {
            using var stream = File.OpenRead(tablePath);
            try
            {
                asnTable = AsnRangeTable.Load(stream);
            }
            catch (InvalidDataException e)
            {
                throw new InvalidDataException($"{tablePath}: {e.Message}", e);
            }

            attributions.Add(GeoDataFolder.AsnAttribution);
        }

        var missing = new List<string>();
        if (country is null)
        {
            missing.Add("country (--geoip-country)");
        }

        if (asnMmdb is null && asnTable is null)
        {
            missing.Add("ASN (--geoip-asn)");
        }

        warning = missing.Count == 0
            ? null
            : $"no {string.Join(" or ", missing)} database: those columns say \"unknown\"; run `scanscope geo fetch` for the open ip-location-db data or pass MaxMind files";
        return new IpEnricher(country, asnMmdb, asnTable, attributions);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _country?.Dispose();
        _asnMmdb?.Dispose();
    }

    private static string? Existing(string path) => File.Exists(path) ? path : null;

    private static MaxMindDatabase OpenMmdb(string path)
    {
        if (!File.Exists(path))
        {
            throw new InvalidDataException($"{path}: no such file");
        }

        try
        {
            return new MaxMindDatabase(path);
        }
        catch (Exception e) when (e is MaxMind.Db.InvalidDatabaseException or IOException)
        {
            throw new InvalidDataException($"{path}: not a MaxMind DB file ({e.Message})", e);
        }
    }

    private static string Attribution(MaxMindDatabase database, string openDataAttribution)
    {
        var type = database.DatabaseType;
        if (type.StartsWith("GeoLite2", StringComparison.OrdinalIgnoreCase))
        {
            return $"This product includes GeoLite2 data created by MaxMind, available from https://www.maxmind.com ({type}).";
        }

        if (type.StartsWith("GeoIP2", StringComparison.OrdinalIgnoreCase))
        {
            return $"Geolocation data: MaxMind {type}.";
        }

        return Path.GetFileName(database.Path).Contains("geo-whois-asn-country", StringComparison.Ordinal) || Path.GetFileName(database.Path) == GeoDataFolder.CountryFile
            ? openDataAttribution
            : $"{Path.GetFileName(database.Path)} ({type})";
    }
}
