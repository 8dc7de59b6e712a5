using ScanScope.Confirmation;
using ScanScope.Enrichment;

namespace ScanScope.Tests.Confirmation;

public sealed class EnrichmentTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("scanscope-geo-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void GeoLite2StyleCountry_AndAsnRecords_AreRead()
    {
        var countries = new MmdbWriter("GeoLite2-Country");
        countries.Add(0x01020000, 16, new() { ["country"] = new Dictionary<string, object> { ["iso_code"] = "AU", ["geoname_id"] = 2077456u } });
        countries.Add(0x08000000, 8, new() { ["registered_country"] = new Dictionary<string, object> { ["iso_code"] = "US" } });
        var asns = new MmdbWriter("GeoLite2-ASN");
        asns.Add(0x01020300, 24, new() { ["autonomous_system_number"] = 13335u, ["autonomous_system_organization"] = "Cloudflare, Inc." });
        var countryPath = Write("c.mmdb", countries.Build());
        var asnPath = Write("a.mmdb", asns.Build());

        using var enricher = IpEnricher.Open(new GeoOptions { CountryDatabase = countryPath, AsnDatabase = asnPath, DataDirectory = _dir }, out var warning);

        Assert.Null(warning);
        Assert.Equal(new IpInfo("AU", 13335, "Cloudflare, Inc."), enricher.Lookup(0x01020304));
        Assert.Equal(new IpInfo("AU", null, null), enricher.Lookup(0x0102FF01));
        Assert.Equal(new IpInfo("US", null, null), enricher.Lookup(0x08080808));
        Assert.Equal(default, enricher.Lookup(0x0A000001));
        Assert.Contains(enricher.Attributions, a => a.Contains("GeoLite2 data created by MaxMind", StringComparison.Ordinal));
    }

    [Fact]
    public void MissingDatabases_GiveOneWarning_AndUnknownColumns()
    {
        using var enricher = IpEnricher.Open(new GeoOptions { DataDirectory = _dir }, out var warning);
        var s = new SyntheticScans(1);
        var hosts = s.Hosts(10);
        s.Scan(hosts, 80, 0, SyntheticScans.Hour);

        var summary = ClusterConfirmer.Confirm(SyntheticScans.Cluster(3, s.Build(), hosts), s.Context(), enricher).Summary;

        Assert.NotNull(warning);
        Assert.Contains("country", warning, StringComparison.Ordinal);
        Assert.Contains("ASN", warning, StringComparison.Ordinal);
        Assert.False(enricher.HasCountry || enricher.HasAsn);
        var csv = new StringWriter();
        ConfirmationCsv.WriteClusterSummaries(csv, [summary]);
        var row = csv.ToString().Split('\n')[1].Split(',');
        Assert.Equal(("unknown", "unknown"), (row[5], row[6]));
    }

    [Fact]
    public void AsnCsv_WithQuotedNamesAndBothAddressForms_LooksUpLikeALinearScan()
    {
        const string csv = """
            1.0.0.0,1.0.0.255,13335,"Cloudflare, Inc."
            16778240,16779263,38803,Gtelecom Pty Ltd
            1.0.16.0,1.0.16.255,2519,"ARTERIA ""Networks"" Corporation"
            2001:200::,2001:200:ffff:ffff:ffff:ffff:ffff:ffff,2500,WIDE
            8.8.8.0,8.8.8.255,15169,Google LLC
            """;
        var table = AsnRangeTable.FromCsv(new StringReader(csv));
        var saved = new MemoryStream();
        table.Save(saved);
        saved.Position = 0;
        var loaded = AsnRangeTable.Load(saved);

        Assert.Equal(4, loaded.Count);
        Assert.Equal(new IpInfo(null, 13335, "Cloudflare, Inc."), loaded.Lookup(0x01000000));
        Assert.Equal(new IpInfo(null, 13335, "Cloudflare, Inc."), loaded.Lookup(0x010000FF));
        Assert.Equal(default, loaded.Lookup(0x01000100));
        Assert.Equal(new IpInfo(null, 38803, "Gtelecom Pty Ltd"), loaded.Lookup(16779263));
        Assert.Equal("ARTERIA \"Networks\" Corporation", loaded.Lookup(0x01001080).Organization);
        Assert.Equal(15169u, loaded.Lookup(0x08080808).Asn);
        Assert.Equal(default, loaded.Lookup(0xFFFFFFFF));
        Assert.Equal(default, loaded.Lookup(0));
    }

    [Fact]
    public void DamagedAsnTable_IsRejectedWithAClearError()
    {
        var table = AsnRangeTable.FromCsv(new StringReader("1.0.0.0,1.0.0.255,13335,X\n"));
        var saved = new MemoryStream();
        table.Save(saved);
        var truncated = new MemoryStream(saved.ToArray()[..^5]);

        Assert.Throws<InvalidDataException>(() => AsnRangeTable.Load(truncated));
        Assert.Throws<InvalidDataException>(() => AsnRangeTable.Load(new MemoryStream("not a table"u8.ToArray())));
    }

    [Fact]
    public void FetchedFolder_IsBuiltFromThePackages_AndUsedByDefault()
    {
        var asnPackage = Directory.CreateDirectory(Path.Combine(_dir, "asn")).FullName;
        var countryPackage = Directory.CreateDirectory(Path.Combine(_dir, "country")).FullName;
        File.WriteAllText(Path.Combine(asnPackage, "asn-ipv4-num.csv"), "3221225472,3221225727,64500,\"Example, Org\"\n");
        File.WriteAllText(Path.Combine(asnPackage, "DBIP-LICENSE"), "CC BY 4.0");
        var country = new MmdbWriter("country");
        country.Add(0xC0000000, 8, new() { ["country_code"] = "NL" });
        File.WriteAllBytes(Path.Combine(countryPackage, "geo-whois-asn-country-ipv4.mmdb"), country.Build());
        var data = Path.Combine(_dir, "data");

        var ranges = GeoDataFolder.Build(asnPackage, countryPackage, data, new Dictionary<string, string> { ["@ip-location-db/asn"] = "1.2.3" });
        using var enricher = IpEnricher.Open(new GeoOptions { DataDirectory = data }, out var warning);

        Assert.Equal(1, ranges);
        Assert.Null(warning);
        Assert.Equal(new IpInfo("NL", 64500, "Example, Org"), enricher.Lookup(0xC0000001));
        Assert.Equal(new IpInfo("NL", null, null), enricher.Lookup(0xC0FF0001));
        Assert.Equal([GeoDataFolder.CountryAttribution, GeoDataFolder.AsnAttribution], enricher.Attributions);
        Assert.True(File.Exists(Path.Combine(data, "asn-DBIP-LICENSE")));
        Assert.Contains("@ip-location-db/asn@1.2.3", File.ReadAllText(Path.Combine(data, GeoDataFolder.SourcesFile)), StringComparison.Ordinal);
    }

    [Fact]
    public void ExplicitFileThatIsNotAnMmdb_IsAnError()
    {
        var bogus = Write("bogus.mmdb", "hello"u8.ToArray());
        Assert.Throws<InvalidDataException>(() => IpEnricher.Open(new GeoOptions { CountryDatabase = bogus, DataDirectory = _dir }, out _));
        Assert.Throws<InvalidDataException>(() => IpEnricher.Open(new GeoOptions { AsnDatabase = Path.Combine(_dir, "none.mmdb"), DataDirectory = _dir }, out _));
    }

    [Fact]
    public void ClusterSummary_CountsCountriesAndOrganizations_AndNamesTheTopOnes()
    {
        var countries = new MmdbWriter("GeoLite2-Country");
        countries.Add(0x0A000000, 24, new() { ["country"] = new Dictionary<string, object> { ["iso_code"] = "SG" } });
        countries.Add(0x0A000100, 24, new() { ["country"] = new Dictionary<string, object> { ["iso_code"] = "DE" } });
        var asns = new MmdbWriter("GeoLite2-ASN");
        asns.Add(0x0A000000, 23, new() { ["autonomous_system_number"] = 14061u, ["autonomous_system_organization"] = "DIGITALOCEAN-ASN" });
        using var enricher = IpEnricher.Open(
            new GeoOptions { CountryDatabase = Write("c.mmdb", countries.Build()), AsnDatabase = Write("a.mmdb", asns.Build()), DataDirectory = _dir }, out _);
        var s = new SyntheticScans(2);
        var first = s.Hosts(12);
        var second = s.Hosts(3);
        var hosts = first.Concat(second).ToArray();
        s.Scan(hosts, 443, 0, SyntheticScans.Hour);

        var summary = ClusterConfirmer.Confirm(SyntheticScans.Cluster(0, s.Build(), hosts), s.Context(), enricher).Summary;

        Assert.Equal(2, summary.Countries);
        Assert.Equal(1, summary.Organizations);
        Assert.Equal("SG", summary.TopCountry);
        Assert.Equal("AS14061 DIGITALOCEAN-ASN", summary.TopOrganization);
    }

    private string Write(string name, byte[] bytes)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
