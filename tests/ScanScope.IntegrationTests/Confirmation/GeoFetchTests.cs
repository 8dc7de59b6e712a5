using System.Diagnostics;
using ScanScope.Enrichment;

namespace ScanScope.IntegrationTests.Confirmation;

/// <summary>`scanscope geo fetch` against the real npm registry; skips when npm or the registry is unreachable.</summary>
public sealed class GeoFetchTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("scanscope-geo-fetch-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void GeoFetch_BuildsAFolder_ThatPlacesWellKnownAddresses()
    {
        if (!NpmReaches(GeoDataFolder.CountryPackage))
        {
            Assert.Skip("npm or the npm registry is not reachable; install Node.js/npm with network access to the registry to run this test");
        }

        var code = ScanScope.Cli.Cli.Run(["geo", "fetch", "--dir", _dir]);

        Assert.Equal(0, code);
        using var enricher = IpEnricher.Open(new GeoOptions { DataDirectory = _dir }, out var warning);
        Assert.Null(warning);
        // 1.1.1.1: Cloudflare's resolver, announced by AS13335 and registered to APNIC Australia; 8.8.8.8: Google, US.
        var cloudflare = enricher.Lookup(0x01010101);
        var google = enricher.Lookup(0x08080808);
        Assert.Equal(13335u, cloudflare.Asn);
        Assert.Equal("AU", cloudflare.Country);
        Assert.Equal(15169u, google.Asn);
        Assert.Equal("US", google.Country);
        Assert.Contains("Google", google.Organization, StringComparison.OrdinalIgnoreCase);
        Assert.Equal([GeoDataFolder.CountryAttribution, GeoDataFolder.AsnAttribution], enricher.Attributions);
    }

    private static bool NpmReaches(string package)
    {
        try
        {
            var start = new ProcessStartInfo("npm") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { "view", package, "version" })
            {
                start.ArgumentList.Add(a);
            }

            using var p = Process.Start(start)!;
            _ = p.StandardError.ReadToEndAsync();
            var version = p.StandardOutput.ReadToEnd();
            return p.WaitForExit(60_000) && p.ExitCode == 0 && version.Trim().Length > 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    }
}
