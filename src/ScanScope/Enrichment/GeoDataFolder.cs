namespace ScanScope.Enrichment;

/// <summary>
/// The folder <c>scanscope geo fetch</c> fills with the open ip-location-db data, and how it is
/// built from the unpacked npm packages.
/// </summary>
public static class GeoDataFolder
{
    private static readonly string[] AsnCsvNames = ["asn-ipv4-num.csv", "asn-ipv4.csv"];
    private static readonly string[] CountryMmdbNames = ["geo-whois-asn-country-ipv4.mmdb", "geo-whois-asn-country.mmdb"];

    /// <summary>Country database (copied from @ip-location-db/geo-whois-asn-country-mmdb).</summary>
    public const string CountryFile = "country-ipv4.mmdb";

    /// <summary>Compact ASN range table (built from @ip-location-db/asn asn-ipv4-num.csv).</summary>
    public const string AsnFile = "asn-ipv4.bin";

    /// <summary>Where the sources and versions are recorded.</summary>
    public const string SourcesFile = "SOURCES.txt";

    /// <summary>The npm package of the ASN ranges.</summary>
    public const string AsnPackage = "@ip-location-db/asn";

    /// <summary>The npm package of the country database.</summary>
    public const string CountryPackage = "@ip-location-db/geo-whois-asn-country-mmdb";

    /// <summary>Credit for the ASN data (CC BY 4.0 asks for it).</summary>
    public const string AsnAttribution =
        "ASN data: RouteViews (routeviews.org), DB-IP (db-ip.com) and the NRO (nro.net), CC BY 4.0, via ip-location-db (npm @ip-location-db/asn).";

    /// <summary>Credit for the country data (CC0; credited all the same).</summary>
    public const string CountryAttribution =
        "Country data: geo-whois-asn-country by ip-location-db (npm @ip-location-db/geo-whois-asn-country-mmdb), CC0 1.0, from RIR whois and ASN data.";

    /// <summary>$XDG_DATA_HOME/scanscope/geo, or ~/.local/share/scanscope/geo.</summary>
    public static string DefaultDirectory
    {
        get
        {
            var xdg = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
            var root = string.IsNullOrEmpty(xdg)
                ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share")
                : xdg;
            return Path.Combine(root, "scanscope", "geo");
        }
    }

    /// <summary>
    /// Fills <paramref name="directory"/> from the unpacked packages: the ASN CSV becomes the
    /// compact table, the IPv4 country .mmdb is copied (after checking it opens), the licence
    /// files are copied beside them, and SOURCES.txt records packages, versions and credits.
    /// Each file is written under a temporary name and renamed.
    /// </summary>
    /// <param name="asnPackageDirectory">The unpacked @ip-location-db/asn package (its <c>package/</c> folder).</param>
    /// <param name="countryPackageDirectory">The unpacked country package.</param>
    /// <param name="directory">The data folder.</param>
    /// <param name="versions">Package name → version, for SOURCES.txt.</param>
    /// <returns>Number of ASN ranges written.</returns>
    public static int Build(string asnPackageDirectory, string countryPackageDirectory, string directory, IReadOnlyDictionary<string, string> versions)
    {
        ArgumentNullException.ThrowIfNull(versions);
        Directory.CreateDirectory(directory);
        var csv = AsnCsvNames.Select(f => Path.Combine(asnPackageDirectory, f)).FirstOrDefault(File.Exists)
            ?? throw new InvalidDataException($"{asnPackageDirectory}: no asn-ipv4-num.csv or asn-ipv4.csv in the package");
        AsnRangeTable table;
        using (var reader = new StreamReader(csv))
        {
            table = AsnRangeTable.FromCsv(reader);
        }

        if (table.Count == 0)
        {
            throw new InvalidDataException($"{csv}: no IPv4 ranges");
        }

        WriteAtomically(Path.Combine(directory, AsnFile), table.Save);

        var mmdb = CountryMmdbNames.Select(f => Path.Combine(countryPackageDirectory, f)).FirstOrDefault(File.Exists)
            ?? throw new InvalidDataException($"{countryPackageDirectory}: no geo-whois-asn-country .mmdb in the package");
        using (new MaxMindDatabase(mmdb))
        {
            // Opening checks the format before anything is replaced.
        }

        WriteAtomically(Path.Combine(directory, CountryFile), s =>
        {
            using var source = File.OpenRead(mmdb);
            source.CopyTo(s);
        });

        foreach (var (package, prefix) in new[] { (asnPackageDirectory, "asn-"), (countryPackageDirectory, "country-") })
        {
            foreach (var licence in Directory.EnumerateFiles(package, "*LICENSE*"))
            {
                File.Copy(licence, Path.Combine(directory, prefix + Path.GetFileName(licence)), overwrite: true);
            }
        }

        var sources = string.Join('\n', versions.Select(kv => $"{kv.Key}@{kv.Value}").Append("").Append(AsnAttribution).Append(CountryAttribution)) + "\n";
        WriteAtomically(Path.Combine(directory, SourcesFile), s =>
        {
            using var w = new StreamWriter(s);
            w.Write(sources);
        });
        return table.Count;
    }

    private static void WriteAtomically(string path, Action<Stream> write)
    {
        var temporary = path + ".tmp";
        using (var stream = File.Create(temporary))
        {
            write(stream);
        }

        File.Move(temporary, path, overwrite: true);
    }
}
