using System.CommandLine;
using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;
using System.Text.Json;
using ScanScope.Enrichment;

namespace ScanScope.Cli;

/// <summary><c>scanscope geo fetch [--dir DIR]</c>: sets up the open country and ASN data with npm, once, before analysis.</summary>
internal static class GeoCommand
{
    public static Command Create()
    {
        var dir = new Option<string?>("--dir")
        {
            Description = $"Data folder (default {GeoDataFolder.DefaultDirectory}); analyze reads it when no --geoip-* file is given",
        };
        var fetch = new Command("fetch", $"Fetch {GeoDataFolder.AsnPackage} (ASN ranges, CC BY 4.0) and {GeoDataFolder.CountryPackage} (country, CC0) with `npm pack` and build the data folder")
        {
            dir,
        };
        fetch.SetAction(parse => Fetch(parse.GetValue(dir) ?? GeoDataFolder.DefaultDirectory));
        return new Command("geo", "Country and ASN data for enrichment") { fetch };
    }

    private static int Fetch(string directory)
    {
        var work = Directory.CreateTempSubdirectory("scanscope-geo-");
        try
        {
            var versions = new Dictionary<string, string>();
            var unpacked = new Dictionary<string, string>();
            foreach (var package in new[] { GeoDataFolder.AsnPackage, GeoDataFolder.CountryPackage })
            {
                Console.Error.WriteLine($"scanscope: npm pack {package} ...");
                var (file, version) = NpmPack(package, work.FullName);
                versions[package] = version;
                var target = Directory.CreateDirectory(Path.Combine(work.FullName, package.Replace('/', '_'))).FullName;
                using (var gz = new GZipStream(File.OpenRead(Path.Combine(work.FullName, file)), CompressionMode.Decompress))
                {
                    TarFile.ExtractToDirectory(gz, target, overwriteFiles: true);
                }

                unpacked[package] = Path.Combine(target, "package");
            }

            int ranges;
            try
            {
                ranges = GeoDataFolder.Build(unpacked[GeoDataFolder.AsnPackage], unpacked[GeoDataFolder.CountryPackage], directory, versions);
            }
            catch (InvalidDataException e)
            {
                throw new UsageException(e.Message);
            }

            Console.WriteLine($"wrote {ranges:N0} ASN ranges and the country database to {directory}");
            foreach (var (package, version) in versions)
            {
                Console.WriteLine($"  {package}@{version}");
            }

            Console.WriteLine(GeoDataFolder.AsnAttribution);
            Console.WriteLine(GeoDataFolder.CountryAttribution);
            return 0;
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    /// <summary>Runs <c>npm pack PACKAGE --json</c> in <paramref name="directory"/>; returns the tarball's name and the version.</summary>
    private static (string File, string Version) NpmPack(string package, string directory)
    {
        var start = new ProcessStartInfo("npm")
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "pack", package, "--json", "--silent" })
        {
            start.ArgumentList.Add(a);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new UsageException("npm: could not start");
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new UsageException("npm not found: install Node.js and npm, or pass MaxMind files with --geoip-asn/--geoip-country");
        }

        using (process)
        {
            var stderr = process.StandardError.ReadToEndAsync();
            var stdout = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                var last = stderr.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                    .LastOrDefault(l => !l.Contains("Unknown user config", StringComparison.Ordinal)) ?? $"exit code {process.ExitCode}";
                throw new UsageException($"npm pack {package} failed: {last}");
            }

            try
            {
                using var json = JsonDocument.Parse(stdout[stdout.IndexOf('[', StringComparison.Ordinal)..]);
                var entry = json.RootElement[0];
                return (entry.GetProperty("filename").GetString()!, entry.GetProperty("version").GetString()!);
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or ArgumentOutOfRangeException or InvalidOperationException)
            {
                throw new UsageException($"npm pack {package}: unexpected output ({e.Message})");
            }
        }
    }
}
