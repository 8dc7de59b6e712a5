using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using ScanScope.Clustering;
using ScanScope.Features;

namespace ScanScope.Tests.Clustering;

/// <summary>
/// Reads the golden files written by tests/Fixtures/sklearn/make_golden.py and checks ScanScope's scalers,
/// k-distances and DBSCAN against them, and HDBSCAN against the reference implementation hdbscan_reference.py. Shared by the unit tests (stored files) and the integration test (files
/// regenerated with the installed scikit-learn).
/// </summary>
internal static class SklearnGolden
{
    public static readonly string[] FeatureTables = ["blobs_noise", "ties_duplicates", "telescope_like", "large_integer"];

    public static string StoredDirectory => Path.Combine(AppContext.BaseDirectory, "Fixtures", "sklearn");

    /// <summary>A gzip-compressed CSV with a header, as columns of strings.</summary>
    public static Dictionary<string, string[]> ReadCsvGz(string path)
    {
        using var file = File.OpenRead(path);
        using var gz = new GZipStream(file, CompressionMode.Decompress);
        using var reader = new StreamReader(gz);
        var header = reader.ReadLine()!.Split(',');
        var rows = new List<string[]>();
        while (reader.ReadLine() is { Length: > 0 } line)
        {
            rows.Add(line.Split(','));
        }

        var columns = new Dictionary<string, string[]>();
        for (var j = 0; j < header.Length; j++)
        {
            columns[header[j]] = rows.Select(r => r[j]).ToArray();
        }

        return columns;
    }

    public static double[] Doubles(string[] column) => column.Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();

    public static int[] Ints(string[] column) => column.Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToArray();

    public static FeatureMatrix ReadInput(string dir, string name)
    {
        var columns = ReadCsvGz(Path.Combine(dir, $"{name}.input.csv.gz"));
        var cols = columns.Values.Select(Doubles).ToArray();
        var rows = cols[0].Length;
        var data = new double[rows * cols.Length];
        for (var i = 0; i < rows; i++)
        {
            for (var j = 0; j < cols.Length; j++)
            {
                data[(i * cols.Length) + j] = cols[j][i];
            }
        }

        return new FeatureMatrix(data, rows, cols.Length, [.. columns.Keys]);
    }

    public static (int MinSamples, double[] Eps, (int MinClusterSize, int MinSamples)[] Hdbscan) ReadParameters(string dir, string name)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, $"{name}.json")));
        var root = json.RootElement;
        var hdbscan = root.TryGetProperty("hdbscan", out var h)
            ? h.EnumerateArray().Select(c => (c[0].GetInt32(), c[1].GetInt32())).ToArray()
            : [];
        return (root.GetProperty("min_samples").GetInt32(), root.GetProperty("eps").EnumerateArray().Select(e => e.GetDouble()).ToArray(), hdbscan);
    }

    public static void AssertRelativelyEqual(double expected, double actual, double tolerance, string what)
    {
        var ok = expected == actual || Math.Abs(expected - actual) <= tolerance * Math.Max(Math.Abs(expected), Math.Abs(actual));
        Assert.True(ok, $"{what}: expected {expected:R}, got {actual:R}");
    }

    public static void AssertColumns(FeatureMatrix scaled, Dictionary<string, string[]> expected, string prefix, double tolerance)
    {
        for (var j = 0; j < scaled.Columns; j++)
        {
            var want = Doubles(expected[$"{prefix}_{j}"]);
            for (var i = 0; i < scaled.Rows; i++)
            {
                AssertRelativelyEqual(want[i], scaled[i, j], tolerance, $"{prefix} row {i} column {j}");
            }
        }
    }

    /// <summary>Checks scalers, k-distances, DBSCAN and HDBSCAN on one feature table of a golden directory.</summary>
    public static void AssertMatches(string dir, string name)
    {
        var x = ReadInput(dir, name);
        var expected = ReadCsvGz(Path.Combine(dir, $"{name}.expected.csv.gz"));
        var (minSamples, epsList, hdbscan) = ReadParameters(dir, name);

        var robust = Scalers.FitTransform(x, ScalerKind.Robust);
        AssertColumns(robust, expected, "robust", 1e-12);
        AssertColumns(Scalers.FitTransform(x, ScalerKind.Standard), expected, "standard", 1e-12);

        var curve = KDistanceCurve.Compute(robust, minSamples);
        Assert.Equal(Doubles(expected["kdist"]), curve.Distances);

        for (var e = 0; e < epsList.Length; e++)
        {
            var result = Dbscan.Fit(robust, new DbscanOptions { Eps = epsList[e], MinSamples = minSamples });
            Assert.Equal(Ints(expected[$"core_{e}"]).Select(c => c == 1), result.IsCore);
            Assert.Equal(Ints(expected[$"labels_{e}"]), result.Labels);
        }

        for (var c = 0; c < hdbscan.Length; c++)
        {
            var result = Hdbscan.Fit(robust, new HdbscanOptions { MinClusterSize = hdbscan[c].MinClusterSize, MinSamples = hdbscan[c].MinSamples });
            Assert.Equal(Ints(expected[$"hdbscan_{c}"]), result.Labels);
        }
    }

    /// <summary>What <c>scanscope cluster --algorithm siblings</c> does with a features.csv: labels per row, −2 heavy.</summary>
    internal static int[] ClusterWithSiblings(string featuresCsv)
    {
        var table = ScanScope.Clustering.FeatureTable.Read(featuresCsv);
        var siblings = SiblingTable.Read(featuresCsv);
        var heavy = siblings.PerPortCoverage.Select(c => c > HeavyHitters.PerPortThreshold).ToArray();
        var outcome = SourceClustering.Run(table.Features, heavy, new ClusteringOptions { Algorithm = ClusteringAlgorithm.Siblings }, siblings.Sources);
        return outcome.Labels;
    }
}
