namespace ScanScope.Clustering;

/// <summary>t-SNE parameters (scikit-learn 1.2's defaults). Immutable; change with <c>with</c>.</summary>
public sealed record TsneOptions
{
    public double Perplexity { get; init; } = 30;

    public double EarlyExaggeration { get; init; } = 12;

    /// <summary>Gradient steps in all.</summary>
    public int Iterations { get; init; } = 1000;

    /// <summary>Steps with early exaggeration and momentum 0.5 (then momentum 0.8).</summary>
    public int ExplorationIterations { get; init; } = 250;

    /// <summary>Null: max(n / exaggeration / 4, 50) (Belkina et al. 2019, scikit-learn's "auto").</summary>
    public double? LearningRate { get; init; }

    /// <summary>Barnes-Hut opening angle θ: a cell is summarised when its width / distance &lt; θ.</summary>
    public double Theta { get; init; } = 0.5;

    /// <summary>Inputs of at most this many rows use the exact O(n²) gradient; larger ones Barnes-Hut.</summary>
    public int ExactUpTo { get; init; } = 1000;

    /// <summary>Seed of the random initialisation when <see cref="PcaInit"/> is off.</summary>
    public int Seed { get; init; }

    /// <summary>Start from the first two principal components scaled to standard deviation 1e-4 (scikit-learn's default).</summary>
    public bool PcaInit { get; init; } = true;

    public int MaxDegreeOfParallelism { get; init; } = -1;
}

/// <summary>
/// t-SNE (van der Maaten and Hinton 2008) to two dimensions, with the Barnes-Hut gradient (van der Maaten 2014)
/// for large inputs; the procedure of scikit-learn's <c>TSNE</c>: perplexity-calibrated affinities on squared
/// distances (all pairs when exact, 3·perplexity + 1 nearest neighbours for Barnes-Hut), early exaggeration,
/// momentum and per-coordinate gains. Deterministic for given options (Barnes-Hut sums each point's forces in a
/// fixed order, whatever the threads).
/// </summary>
public static class Tsne
{
    private const double MachineEpsilon = 2.220446049250313e-16;

    /// <summary>The embedding: row i is (x, y) of input row i.</summary>
    public static FeatureMatrix Embed(FeatureMatrix x, TsneOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        options ??= new TsneOptions();
        x.EnsureFinite();
        var n = x.Rows;
        if (n < 2)
        {
            return new FeatureMatrix(new double[n * 2], n, 2, ["x", "y"]);
        }

        var exact = n <= options.ExactUpTo;
        var affinities = exact ? ExactAffinities(x, options.Perplexity) : SparseAffinities(x, options.Perplexity, options.MaxDegreeOfParallelism);
        var y = options.PcaInit ? PcaInit(x) : RandomInit(n, options.Seed);
        var learningRate = options.LearningRate ?? Math.Max(n / options.EarlyExaggeration / 4, 50);
        var update = new double[n * 2];
        var gains = new double[n * 2];
        Array.Fill(gains, 1.0);
        var grad = new double[n * 2];
        for (var iteration = 0; iteration < options.Iterations; iteration++)
        {
            var exploring = iteration < options.ExplorationIterations;
            var exaggeration = exploring ? options.EarlyExaggeration : 1.0;
            var momentum = exploring ? 0.5 : 0.8;
            if (exact)
            {
                ExactGradient(y, affinities, exaggeration, grad, options.MaxDegreeOfParallelism);
            }
            else
            {
                BarnesHutGradient(y, affinities, exaggeration, options.Theta, grad, options.MaxDegreeOfParallelism);
            }

            for (var k = 0; k < y.Length; k++)
            {
                // Gains grow while the step keeps its direction and shrink when it overshoots (Jacobs 1988).
                gains[k] = Math.Sign(update[k]) != Math.Sign(grad[k]) && update[k] != 0 && grad[k] != 0 ? gains[k] + 0.2 : gains[k] * 0.8;
                gains[k] = Math.Max(gains[k], 0.01);
                update[k] = (momentum * update[k]) - (learningRate * gains[k] * grad[k]);
                y[k] += update[k];
            }
        }

        return new FeatureMatrix(y, n, 2, ["x", "y"]);
    }

    /// <summary>
    /// Trustworthiness (Venna and Kaski 2001) as <c>sklearn.manifold.trustworthiness</c>: 1 minus a penalty for
    /// every point among the k nearest in the embedding that is not among the k nearest in the input, by how far
    /// down the input ranking it is. 1 is perfect.
    /// </summary>
    public static double Trustworthiness(FeatureMatrix x, FeatureMatrix embedding, int k = 5)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(embedding);
        var n = x.Rows;
        if (embedding.Rows != n || k >= n / 2.0)
        {
            throw new ArgumentException($"need the same rows and k < n/2 (rows {n} and {embedding.Rows}, k {k})");
        }

        var tree = new KdTree(embedding);
        long penalty = 0;
        var rows = new int[k + 1];
        var dist = new double[k + 1];
        var inputDistance = new double[n];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                inputDistance[j] = j == i ? double.PositiveInfinity : SquaredDistance(x.Row(i), x.Row(j));
            }

            var found = tree.Nearest(embedding.Row(i), rows, dist);
            var taken = 0;
            for (var r = 0; r < found && taken < k; r++)
            {
                var j = rows[r];
                if (j == i)
                {
                    continue;
                }

                taken++;

                // Rank of j among i's input neighbours (1 = nearest); ties broken by index as a stable sort would.
                var rank = 1;
                var dj = inputDistance[j];
                for (var m = 0; m < n; m++)
                {
                    if (inputDistance[m] < dj || (inputDistance[m] == dj && m < j))
                    {
                        rank++;
                    }
                }

                penalty += Math.Max(0, rank - k);
            }
        }

        return 1.0 - (penalty * (2.0 / (n * (double)k * ((2.0 * n) - (3.0 * k) - 1.0))));
    }

    private static double SquaredDistance(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        double d = 0;
        for (var j = 0; j < a.Length; j++)
        {
            var t = a[j] - b[j];
            d += t * t;
        }

        return d;
    }

    /// <summary>Symmetric joint probabilities P as a sparse row structure (all pairs when exact).</summary>
    private sealed record Affinities(int[] RowStart, int[] Columns, double[] Values);

    private static Affinities ExactAffinities(FeatureMatrix x, double perplexity)
    {
        var n = x.Rows;
        var conditional = new double[n * n];
        var distances = new double[n];
        var p = new double[n];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                distances[j] = SquaredDistance(x.Row(i), x.Row(j));
            }

            ConditionalRow(distances, i, perplexity, p);
            p.CopyTo(conditional, i * n);
        }

        double sum = 0;
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                sum += i == j ? 0 : conditional[(i * n) + j] + conditional[(j * n) + i];
            }
        }

        sum = Math.Max(sum, MachineEpsilon);
        var rowStart = new int[n + 1];
        var columns = new int[n * (n - 1)];
        var values = new double[n * (n - 1)];
        var k = 0;
        for (var i = 0; i < n; i++)
        {
            rowStart[i] = k;
            for (var j = 0; j < n; j++)
            {
                if (j != i)
                {
                    columns[k] = j;
                    values[k++] = Math.Max((conditional[(i * n) + j] + conditional[(j * n) + i]) / sum, MachineEpsilon);
                }
            }
        }

        rowStart[n] = k;
        return new Affinities(rowStart, columns, values);
    }

    private static Affinities SparseAffinities(FeatureMatrix x, double perplexity, int threads)
    {
        var n = x.Rows;
        var k = Math.Min(n - 1, (int)((3 * perplexity) + 1));
        var tree = new KdTree(x);
        var neighbours = new int[n * k];
        var conditional = new double[n * k];
        Parallel.For(0, n, new ParallelOptions { MaxDegreeOfParallelism = threads }, () => (new int[k + 1], new double[k + 1], new double[k], new double[k]), (i, _, buffers) =>
        {
            var (rows, dist, d2, p) = buffers;
            var found = tree.Nearest(x.Row(i), rows, dist);

            // Normally the point is its own nearest neighbour; with duplicates it may sit later (or, on ties,
            // fall off the end): drop it where it is, else drop the farthest.
            var self = Array.IndexOf(rows, i, 0, found);
            var taken = 0;
            for (var r = 0; r < found && taken < k; r++)
            {
                if (r != self)
                {
                    neighbours[(i * k) + taken] = rows[r];
                    d2[taken++] = dist[r] * dist[r];
                }
            }

            ConditionalRow(d2, -1, perplexity, p);
            p.CopyTo(conditional, i * k);
            return buffers;
        }, _ => { });

        // P = (P_cond + P_condᵀ) / Σ, kept sparse: the union of both directions per row.
        var rowsOf = new Dictionary<int, double>[n];
        for (var i = 0; i < n; i++)
        {
            rowsOf[i] = [];
        }

        for (var i = 0; i < n; i++)
        {
            for (var r = 0; r < k; r++)
            {
                var j = neighbours[(i * k) + r];
                var v = conditional[(i * k) + r];
                rowsOf[i][j] = rowsOf[i].GetValueOrDefault(j) + v;
                rowsOf[j][i] = rowsOf[j].GetValueOrDefault(i) + v;
            }
        }

        var total = Math.Max(rowsOf.Sum(r => r.Values.Sum()), MachineEpsilon);
        var rowStart = new int[n + 1];
        var columns = new List<int>();
        var values = new List<double>();
        for (var i = 0; i < n; i++)
        {
            rowStart[i] = columns.Count;
            foreach (var (j, v) in rowsOf[i].OrderBy(e => e.Key))
            {
                columns.Add(j);
                values.Add(v / total);
            }
        }

        rowStart[n] = columns.Count;
        return new Affinities(rowStart, [.. columns], [.. values]);
    }

    /// <summary>
    /// p_j|i = exp(−β d_j) / Σ, with β found by bisection so the row's perplexity matches (scikit-learn's
    /// _binary_search_perplexity: 100 steps, tolerance 1e-5 on the entropy in nats). <paramref name="self"/> is skipped.
    /// </summary>
    private static void ConditionalRow(double[] d2, int self, double perplexity, double[] p)
    {
        double beta = 1, betaMin = double.NegativeInfinity, betaMax = double.PositiveInfinity;
        var target = Math.Log(perplexity);
        for (var step = 0; step < 100; step++)
        {
            double sum = 0;
            for (var j = 0; j < d2.Length; j++)
            {
                p[j] = j == self ? 0 : Math.Exp(-d2[j] * beta);
                sum += p[j];
            }

            if (sum == 0)
            {
                sum = 1e-8;
            }

            double weighted = 0;
            for (var j = 0; j < d2.Length; j++)
            {
                p[j] /= sum;
                weighted += d2[j] * p[j];
            }

            var entropy = Math.Log(sum) + (beta * weighted);
            var diff = entropy - target;
            if (Math.Abs(diff) <= 1e-5)
            {
                break;
            }

            if (diff > 0)
            {
                betaMin = beta;
                beta = double.IsPositiveInfinity(betaMax) ? beta * 2 : (beta + betaMax) / 2;
            }
            else
            {
                betaMax = beta;
                beta = double.IsNegativeInfinity(betaMin) ? beta / 2 : (beta + betaMin) / 2;
            }
        }
    }

    private static void ExactGradient(double[] y, Affinities p, double exaggeration, double[] grad, int threads)
    {
        var n = y.Length / 2;
        var partial = new double[n];
        Parallel.For(0, n, new ParallelOptions { MaxDegreeOfParallelism = threads }, i =>
        {
            double s = 0;
            for (var j = 0; j < n; j++)
            {
                if (j != i)
                {
                    double dx = y[2 * i] - y[2 * j], dy = y[(2 * i) + 1] - y[(2 * j) + 1];
                    s += 1 / (1 + (dx * dx) + (dy * dy));
                }
            }

            partial[i] = s;
        });
        var z = partial.Sum();
        Parallel.For(0, n, new ParallelOptions { MaxDegreeOfParallelism = threads }, i =>
        {
            double gx = 0, gy = 0;
            var row = p.RowStart[i];
            for (var j = 0; j < n; j++)
            {
                if (j == i)
                {
                    continue;
                }

                double dx = y[2 * i] - y[2 * j], dy = y[(2 * i) + 1] - y[(2 * j) + 1];
                var num = 1 / (1 + (dx * dx) + (dy * dy));
                var pij = p.Values[row++] * exaggeration;
                var q = Math.Max(num / z, MachineEpsilon);
                var f = (pij - q) * num;
                gx += f * dx;
                gy += f * dy;
            }

            grad[2 * i] = 4 * gx;
            grad[(2 * i) + 1] = 4 * gy;
        });
    }

    private static void BarnesHutGradient(double[] y, Affinities p, double exaggeration, double theta, double[] grad, int threads)
    {
        var n = y.Length / 2;
        var tree = QuadTree.Build(y);
        var negX = new double[n];
        var negY = new double[n];
        var sumQ = new double[n];
        var theta2 = theta * theta;
        Parallel.For(0, n, new ParallelOptions { MaxDegreeOfParallelism = threads }, i =>
        {
            var (fx, fy, q) = tree.Repulsion(y[2 * i], y[(2 * i) + 1], theta2);
            negX[i] = fx;
            negY[i] = fy;
            sumQ[i] = q;
        });
        var z = Math.Max(sumQ.Sum(), MachineEpsilon);
        Parallel.For(0, n, new ParallelOptions { MaxDegreeOfParallelism = threads }, i =>
        {
            double px = 0, py = 0;
            for (var e = p.RowStart[i]; e < p.RowStart[i + 1]; e++)
            {
                var j = p.Columns[e];
                double dx = y[2 * i] - y[2 * j], dy = y[(2 * i) + 1] - y[(2 * j) + 1];
                var f = p.Values[e] * exaggeration / (1 + (dx * dx) + (dy * dy));
                px += f * dx;
                py += f * dy;
            }

            grad[2 * i] = 4 * (px - (negX[i] / z));
            grad[(2 * i) + 1] = 4 * (py - (negY[i] / z));
        });
    }

    private static double[] PcaInit(FeatureMatrix x)
    {
        var n = x.Rows;
        var d = x.Columns;
        var mean = new double[d];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < d; j++)
            {
                mean[j] += x[i, j] / n;
            }
        }

        var cov = new double[d, d];
        for (var i = 0; i < n; i++)
        {
            for (var a = 0; a < d; a++)
            {
                for (var b = 0; b < d; b++)
                {
                    cov[a, b] += (x[i, a] - mean[a]) * (x[i, b] - mean[b]);
                }
            }
        }

        var y = new double[n * 2];
        var previous = new double[d];
        for (var c = 0; c < Math.Min(2, d); c++)
        {
            // Power iteration with deflation of the first component: d is tiny, 200 steps are plenty.
            var v = new double[d];
            for (var j = 0; j < d; j++)
            {
                v[j] = 1.0 + (0.1 * j);
            }

            for (var step = 0; step < 200; step++)
            {
                var w = new double[d];
                for (var a = 0; a < d; a++)
                {
                    for (var b = 0; b < d; b++)
                    {
                        w[a] += cov[a, b] * v[b];
                    }
                }

                var along = c == 1 ? w.Zip(previous, (p, q) => p * q).Sum() : 0;
                var norm = 0.0;
                for (var a = 0; a < d; a++)
                {
                    w[a] -= along * previous[a];
                    norm += w[a] * w[a];
                }

                norm = Math.Sqrt(norm);
                if (norm == 0)
                {
                    break;
                }

                for (var a = 0; a < d; a++)
                {
                    v[a] = w[a] / norm;
                }
            }

            // Sign convention: the largest loading is positive, so the start does not depend on rounding.
            var largest = v.Select(Math.Abs).Max();
            var sign = v.First(t => Math.Abs(t) == largest) < 0 ? -1 : 1;
            for (var i = 0; i < n; i++)
            {
                double s = 0;
                for (var j = 0; j < d; j++)
                {
                    s += (x[i, j] - mean[j]) * v[j] * sign;
                }

                y[(2 * i) + c] = s;
            }

            previous = v;
        }

        var sd = Math.Sqrt(Enumerable.Range(0, n).Select(i => y[2 * i] * y[2 * i]).Sum() / n);
        for (var k = 0; k < y.Length; k++)
        {
            y[k] = sd > 0 ? y[k] / sd * 1e-4 : 0;
        }

        return y;
    }

    private static double[] RandomInit(int n, int seed)
    {
        var random = new Random(seed);
        var y = new double[n * 2];
        for (var k = 0; k < y.Length; k++)
        {
            // Box-Muller: normal with standard deviation 1e-4, as scikit-learn's random init.
            var u = 1.0 - random.NextDouble();
            var v = random.NextDouble();
            y[k] = 1e-4 * Math.Sqrt(-2 * Math.Log(u)) * Math.Cos(2 * Math.PI * v);
        }

        return y;
    }
}
