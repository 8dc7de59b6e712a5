using System.Globalization;

namespace ScanScope.Evaluation;

/// <summary>One row of the simulator's <c>labels.csv</c>: which scan group (−1: background noise) a source belongs to.</summary>
public sealed record TruthLabel(string Source, int GroupId, string Category, string Tool)
{
    /// <summary>True for the simulator's heavy-hitter category (spelled heavy-hitter, heavy_hitter or "heavy hitter").</summary>
    public bool IsHeavyHitter => Category.Replace('_', '-').Replace(' ', '-').Equals("heavy-hitter", StringComparison.OrdinalIgnoreCase);
}

/// <summary>Reads <c>labels.csv</c> and <c>clusters.csv</c> (design contracts; header required, extra columns ignored).</summary>
public static class EvaluationFiles
{
    /// <summary>Reads <c>src_ip,group_id,category,tool</c> rows.</summary>
    public static IReadOnlyList<TruthLabel> ReadTruth(string path)
    {
        var result = new List<TruthLabel>();
        foreach (var (line, fields, col) in Rows(path, "src_ip", "group_id", "category", "tool"))
        {
            result.Add(new TruthLabel(fields[col[0]], ParseInt(path, line, fields[col[1]], "group_id"), fields[col[2]], fields[col[3]]));
        }

        return result;
    }

    /// <summary>Reads <c>cluster_summary.csv</c> from analyze: the category confirmation gave each cluster.</summary>
    public static IReadOnlyDictionary<int, string> ReadClusterCategories(string path)
    {
        var result = new Dictionary<int, string>();
        foreach (var (line, fields, col) in Rows(path, "cluster_id", "category"))
        {
            if (!result.TryAdd(ParseInt(path, line, fields[col[0]], "cluster_id"), fields[col[1]]))
            {
                throw new FormatException($"{path}: line {line}: cluster {fields[col[0]]} appears twice");
            }
        }

        return result;
    }

    /// <summary>Reads <c>src_ip,cluster_id</c> (−1 noise, −2 heavy hitter) into a map.</summary>
    public static IReadOnlyDictionary<string, int> ReadClusters(string path)
    {
        var result = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (line, fields, col) in Rows(path, "src_ip", "cluster_id"))
        {
            if (!result.TryAdd(fields[col[0]], ParseInt(path, line, fields[col[1]], "cluster_id")))
            {
                throw new FormatException($"{path}: line {line}: source {fields[col[0]]} appears twice");
            }
        }

        return result;
    }

    /// <summary>
    /// The rows of a CSV file (RFC 4180 quoting, blanks around fields dropped), with the
    /// positions of the wanted columns. Throws <see cref="FormatException"/> naming file and line.
    /// </summary>
    internal static IEnumerable<(int Line, string[] Fields, int[] Columns)> Rows(string path, params string[] wanted)
    {
        using var reader = new StreamReader(path);
        var header = reader.ReadLine() ?? throw new FormatException($"{path}: empty file, expected a header");
        var names = Fields(header);
        var columns = new int[wanted.Length];
        for (var k = 0; k < wanted.Length; k++)
        {
            columns[k] = Array.IndexOf(names, wanted[k]);
            if (columns[k] < 0)
            {
                throw new FormatException($"{path}: no column {wanted[k]} (header: {header})");
            }
        }

        var lineNumber = 1;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (line.Length == 0)
            {
                continue;
            }

            var fields = Fields(line);
            if (fields.Length != names.Length)
            {
                throw new FormatException($"{path}: line {lineNumber}: {fields.Length} fields, header has {names.Length}");
            }

            yield return (lineNumber, fields, columns);
        }
    }

    internal static int ParseInt(string path, int line, string value, string column) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v)
            ? v
            : throw new FormatException($"{path}: line {line}: {column} '{value}' is not an integer");

    // Fields with surrounding blanks removed (hand-edited files).
    private static string[] Fields(string line) => [.. CsvFields.Split(line).Select(f => f.Trim())];
}
