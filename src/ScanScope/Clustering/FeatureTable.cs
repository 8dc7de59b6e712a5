using System.Globalization;
using ScanScope.Evaluation;

namespace ScanScope.Clustering;

/// <summary>
/// A <c>features.csv</c> as written by the features stage: <c>src_ip</c>, then one column per feature (unscaled),
/// then any extra columns. A column named <c>heavy_hitter</c> (1/0 or true/false), when present, marks the sources
/// set aside before scaling (they are written as cluster −2).
/// </summary>
public sealed record FeatureTable(string[] Sources, FeatureMatrix Features, bool[] HeavyHitter)
{
    /// <summary>The thesis' five features, in the order of the design contract.</summary>
    public static readonly IReadOnlyList<string> ThesisColumns = ["destinations", "period", "start", "activity", "ports"];

    /// <summary>Reads the named feature columns (default: the thesis' five). Throws <see cref="FormatException"/> naming file and line.</summary>
    public static FeatureTable Read(string path, IReadOnlyList<string>? columns = null)
    {
        columns ??= ThesisColumns;
        var hasHeavy = false;
        using (var reader = new StreamReader(path))
        {
            hasHeavy = (reader.ReadLine() ?? string.Empty).Split(',').Select(f => f.Trim().Trim('"')).Contains("heavy_hitter");
        }

        string[] wanted = ["src_ip", .. columns, .. hasHeavy ? new[] { "heavy_hitter" } : []];
        var sources = new List<string>();
        var values = new List<double>();
        var heavy = new List<bool>();
        foreach (var (line, fields, col) in EvaluationFiles.Rows(path, wanted))
        {
            sources.Add(fields[col[0]]);
            for (var j = 0; j < columns.Count; j++)
            {
                var text = fields[col[j + 1]];
                if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !double.IsFinite(v))
                {
                    throw new FormatException($"{path}: line {line}: {columns[j]} '{text}' is not a finite number");
                }

                values.Add(v);
            }

            heavy.Add(hasHeavy && fields[col[^1]] is "1" or "true" or "True");
        }

        var matrix = new FeatureMatrix([.. values], sources.Count, columns.Count, [.. columns]);
        return new FeatureTable([.. sources], matrix, [.. heavy]);
    }
}
