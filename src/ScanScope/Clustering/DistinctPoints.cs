namespace ScanScope.Clustering;

/// <summary>
/// The distinct rows of a feature matrix with their multiplicities. Real feature tables are integer-valued and
/// full of identical rows (one-packet sources, same start bin); indexing each distinct row once, weighted, keeps
/// neighbourhoods small without changing any distance, count or label.
/// </summary>
public sealed class DistinctPoints
{
    private DistinctPoints(FeatureMatrix points, int[] weights, int[] rowToPoint, int[] firstRow)
    {
        Points = points;
        Weights = weights;
        RowToPoint = rowToPoint;
        FirstRow = firstRow;
    }

    /// <summary>One row per distinct point, in order of first appearance.</summary>
    public FeatureMatrix Points { get; }

    /// <summary>How many input rows each distinct point stands for.</summary>
    public int[] Weights { get; }

    /// <summary>Input row → its distinct point.</summary>
    public int[] RowToPoint { get; }

    /// <summary>Distinct point → the lowest input row equal to it.</summary>
    public int[] FirstRow { get; }

    public int Count => Weights.Length;

    /// <summary>Groups identical rows (equal in every column, so 0.0 and −0.0 are one point).</summary>
    public static DistinctPoints Of(FeatureMatrix x)
    {
        ArgumentNullException.ThrowIfNull(x);
        x.EnsureFinite();
        var n = x.Rows;
        var cols = x.Columns;
        var pointOf = new Dictionary<int, int>(new RowComparer(x.Data, cols));
        var rowToPoint = new int[n];
        var firstRow = new List<int>();
        var weights = new List<int>();
        for (var i = 0; i < n; i++)
        {
            if (!pointOf.TryGetValue(i, out var p))
            {
                p = firstRow.Count;
                pointOf.Add(i, p);
                firstRow.Add(i);
                weights.Add(0);
            }

            rowToPoint[i] = p;
            weights[p]++;
        }

        var m = firstRow.Count;
        var points = new double[m * cols];
        for (var p = 0; p < m; p++)
        {
            x.Row(firstRow[p]).CopyTo(points.AsSpan(p * cols, cols));
        }

        return new DistinctPoints(new FeatureMatrix(points, m, cols, x.ColumnNames), [.. weights], rowToPoint, [.. firstRow]);
    }

    /// <summary>Rows of one matrix compared by value; 0.0 and −0.0 are equal (they are at distance 0).</summary>
    private sealed class RowComparer(double[] data, int cols) : IEqualityComparer<int>
    {
        public bool Equals(int a, int b)
        {
            for (var j = 0; j < cols; j++)
            {
                if (data[(a * cols) + j] != data[(b * cols) + j])
                {
                    return false;
                }
            }

            return true;
        }

        public int GetHashCode(int row)
        {
            var hash = default(HashCode);
            for (var j = 0; j < cols; j++)
            {
                hash.Add(data[(row * cols) + j] + 0.0);
            }

            return hash.ToHashCode();
        }
    }
}
