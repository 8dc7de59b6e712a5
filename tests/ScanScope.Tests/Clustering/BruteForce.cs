using ScanScope.Clustering;

namespace ScanScope.Tests.Clustering;

/// <summary>The test oracle: neighbour queries and DBSCAN by comparing every pair, straight from the definitions.</summary>
internal static class BruteForce
{
    public static double SquaredDistance(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double d = 0;
        for (var j = 0; j < a.Length; j++)
        {
            var t = a[j] - b[j];
            d += t * t;
        }

        return d;
    }

    public static int[] Within(FeatureMatrix x, ReadOnlySpan<double> q, double r)
    {
        var result = new List<int>();
        for (var i = 0; i < x.Rows; i++)
        {
            if (SquaredDistance(q, x.Row(i)) <= r * r)
            {
                result.Add(i);
            }
        }

        return [.. result];
    }

    public static double KthDistance(FeatureMatrix x, ReadOnlySpan<double> q, int k)
    {
        var d = new double[x.Rows];
        for (var i = 0; i < x.Rows; i++)
        {
            d[i] = SquaredDistance(q, x.Row(i));
        }

        Array.Sort(d);
        return Math.Sqrt(d[k - 1]);
    }

    /// <summary>DBSCAN as scikit-learn's dbscan_inner runs it: depth-first expansion from each unlabelled core point in index order.</summary>
    public static int[] Dbscan(FeatureMatrix x, double eps, int minSamples)
    {
        var n = x.Rows;
        var neighbours = Enumerable.Range(0, n).Select(i => Within(x, x.Row(i), eps)).ToArray();
        var core = neighbours.Select(nb => nb.Length >= minSamples).ToArray();
        var labels = Enumerable.Repeat(-1, n).ToArray();
        var label = 0;
        for (var start = 0; start < n; start++)
        {
            if (labels[start] != -1 || !core[start])
            {
                continue;
            }

            var stack = new Stack<int>();
            var i = start;
            while (true)
            {
                if (labels[i] == -1)
                {
                    labels[i] = label;
                    if (core[i])
                    {
                        foreach (var v in neighbours[i].Where(v => labels[v] == -1))
                        {
                            stack.Push(v);
                        }
                    }
                }

                if (stack.Count == 0)
                {
                    break;
                }

                i = stack.Pop();
            }

            label++;
        }

        return labels;
    }

    /// <summary>Whether two labellings are the same partition (−1 kept as −1).</summary>
    public static bool SamePartition(int[] a, int[] b)
    {
        var map = new Dictionary<int, int>();
        var back = new Dictionary<int, int>();
        for (var i = 0; i < a.Length; i++)
        {
            if ((a[i] < 0) != (b[i] < 0))
            {
                return false;
            }

            if (a[i] < 0)
            {
                continue;
            }

            if (map.TryGetValue(a[i], out var m) ? m != b[i] : back.ContainsKey(b[i]))
            {
                return false;
            }

            map[a[i]] = b[i];
            back[b[i]] = a[i];
        }

        return true;
    }

    /// <summary>Integer-valued rows with many duplicates and exact ties, like real feature tables.</summary>
    public static FeatureMatrix IntegerRows(int seed, int rows, int columns, int range)
    {
        var random = new Random(seed);
        var data = new double[rows * columns];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = random.Next(range);
        }

        return new FeatureMatrix(data, rows, columns);
    }

    /// <summary>Gaussian blobs around well-separated centres plus uniform noise; truth −1 for the noise rows.</summary>
    public static (FeatureMatrix X, int[] Truth) Blobs(int seed, int[] sizes, int noise, int columns = 3)
    {
        var random = new Random(seed);
        double Normal() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        var rows = new List<double[]>();
        var truth = new List<int>();
        for (var c = 0; c < sizes.Length; c++)
        {
            var centre = Enumerable.Range(0, columns).Select(j => (double)(((c * 7) + (j * 3)) % 11) * 10).ToArray();
            for (var k = 0; k < sizes[c]; k++)
            {
                rows.Add(centre.Select(v => v + (0.5 * Normal())).ToArray());
                truth.Add(c);
            }
        }

        for (var k = 0; k < noise; k++)
        {
            rows.Add(Enumerable.Range(0, columns).Select(_ => random.NextDouble() * 110).ToArray());
            truth.Add(-1);
        }

        return (FeatureMatrix.FromRows(rows), [.. truth]);
    }

    public static FeatureMatrix Permute(FeatureMatrix x, int[] order) =>
        FeatureMatrix.FromRows(order.Select(i => x.Row(i).ToArray()).ToArray());
}
