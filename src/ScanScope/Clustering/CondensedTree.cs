namespace ScanScope.Clustering;

/// <summary>
/// HDBSCAN's condensed cluster tree, as rows (parent cluster, child, λ = 1/distance at which the child leaves,
/// child size). Rows 0..n−1 are points, n is the root cluster, larger ids are clusters in order of creation
/// (breadth first, as the <c>hdbscan</c> package numbers them).
/// </summary>
public sealed class CondensedTree
{
    internal CondensedTree(int points, int[] parents, int[] children, double[] lambdas, int[] sizes)
    {
        Points = points;
        Parents = parents;
        Children = children;
        Lambdas = lambdas;
        Sizes = sizes;
    }

    public int Points { get; }

    public int[] Parents { get; }

    public int[] Children { get; }

    public double[] Lambdas { get; }

    public int[] Sizes { get; }

    /// <summary>Id of the root cluster (= number of points).</summary>
    public int Root => Points;

    /// <summary>One past the largest cluster id.</summary>
    public int ClusterEnd => Parents.Length == 0 ? Points + 1 : Math.Max(Parents.Max(), Children.Max()) + 1;

    /// <summary>Condenses a single-linkage dendrogram: a split where a side has fewer than min_cluster_size points is points falling out.</summary>
    internal static CondensedTree Condense((int Left, int Right, double Distance, int Size)[] hierarchy, int n, int minClusterSize)
    {
        var root = (2 * n) - 2;
        var relabel = new int[root + 1];
        relabel[root] = n;
        var nextLabel = n + 1;
        var parents = new List<int>();
        var children = new List<int>();
        var lambdas = new List<double>();
        var sizes = new List<int>();
        int Count(int node) => node >= n ? hierarchy[node - n].Size : 1;
        void Add(int parent, int child, double lambda, int size)
        {
            parents.Add(parent);
            children.Add(child);
            lambdas.Add(lambda);
            sizes.Add(size);
        }

        void FallOut(int parent, int node, double lambda)
        {
            var stack = new Stack<int>();
            stack.Push(node);
            var points = new List<int>();
            while (stack.Count > 0)
            {
                var x = stack.Pop();
                if (x < n)
                {
                    points.Add(x);
                }
                else
                {
                    stack.Push(hierarchy[x - n].Right);
                    stack.Push(hierarchy[x - n].Left);
                }
            }

            points.Sort();
            foreach (var p in points)
            {
                Add(parent, p, lambda, 1);
            }
        }

        // Breadth first over the dendrogram nodes that stay clusters (points that fall out are handled at once).
        var queue = new Queue<int>();
        queue.Enqueue(root);
        while (queue.Count > 0)
        {
            var node = queue.Dequeue();
            var (left, right, distance, _) = hierarchy[node - n];
            var lambda = distance > 0 ? 1.0 / distance : double.PositiveInfinity;
            int leftCount = Count(left), rightCount = Count(right);
            var parent = relabel[node];
            if (leftCount >= minClusterSize && rightCount >= minClusterSize)
            {
                relabel[left] = nextLabel++;
                Add(parent, relabel[left], lambda, leftCount);
                relabel[right] = nextLabel++;
                Add(parent, relabel[right], lambda, rightCount);
                queue.Enqueue(left);
                queue.Enqueue(right);
            }
            else if (leftCount < minClusterSize && rightCount < minClusterSize)
            {
                FallOut(parent, left, lambda);
                FallOut(parent, right, lambda);
            }
            else
            {
                var (big, small) = leftCount >= minClusterSize ? (left, right) : (right, left);
                FallOut(parent, small, lambda);
                relabel[big] = parent;
                queue.Enqueue(big); // big has at least min_cluster_size ≥ 2 points, so it is a dendrogram node
            }
        }

        return new CondensedTree(n, [.. parents], [.. children], [.. lambdas], [.. sizes]);
    }

    /// <summary>
    /// Stability of every cluster: Σ over its rows of (λ(row) − λ(birth of the cluster)) × size, the root born at λ = 0.
    /// </summary>
    public double[] Stability()
    {
        var end = ClusterEnd;
        var birth = new double[end];
        for (var r = 0; r < Children.Length; r++)
        {
            if (Children[r] >= Points)
            {
                birth[Children[r]] = Lambdas[r];
            }
        }

        birth[Root] = 0;
        var stability = new double[end];
        for (var r = 0; r < Parents.Length; r++)
        {
            stability[Parents[r]] += (Lambdas[r] - birth[Parents[r]]) * Sizes[r];
        }

        return stability;
    }

    /// <summary>
    /// Excess-of-mass selection without the root: bottom up, a cluster is kept when its own stability is at least
    /// the summed stability of its kept descendants (ties keep the parent, as the hdbscan package does).
    /// </summary>
    public int[] SelectExcessOfMass()
    {
        var end = ClusterEnd;
        var stability = Stability();
        var childClusters = new List<int>[end];
        for (var r = 0; r < Parents.Length; r++)
        {
            if (Children[r] >= Points)
            {
                (childClusters[Parents[r]] ??= []).Add(Children[r]);
            }
        }

        var selected = new bool[end];
        for (var c = end - 1; c > Root; c--)
        {
            double subtree = 0;
            foreach (var child in childClusters[c] ?? [])
            {
                subtree += stability[child];
            }

            if (subtree > stability[c])
            {
                stability[c] = subtree;
            }
            else
            {
                selected[c] = true;
                var stack = new Stack<int>(childClusters[c] ?? []);
                while (stack.Count > 0)
                {
                    var d = stack.Pop();
                    selected[d] = false;
                    foreach (var g in childClusters[d] ?? [])
                    {
                        stack.Push(g);
                    }
                }
            }
        }

        return Enumerable.Range(Root + 1, Math.Max(0, end - Root - 1)).Where(c => selected[c]).ToArray();
    }

    /// <summary>Labels (index in <paramref name="selected"/>, or −1) and membership probabilities of the points.</summary>
    public (int[] Labels, double[] Probabilities) Label(int[] selected)
    {
        ArgumentNullException.ThrowIfNull(selected);
        var end = ClusterEnd;
        var parentOf = new int[end];
        Array.Fill(parentOf, -1);
        var pointRow = new int[Points];
        var deaths = new double[end];
        for (var r = 0; r < Parents.Length; r++)
        {
            parentOf[Children[r]] = Parents[r];
            deaths[Parents[r]] = Math.Max(deaths[Parents[r]], Lambdas[r]);
            if (Children[r] < Points)
            {
                pointRow[Children[r]] = r;
            }
        }

        var labelOf = new int[end];
        Array.Fill(labelOf, -1);
        for (var k = 0; k < selected.Length; k++)
        {
            labelOf[selected[k]] = k;
        }

        var labels = new int[Points];
        var probabilities = new double[Points];
        for (var p = 0; p < Points; p++)
        {
            var node = parentOf[p];
            while (node >= 0 && labelOf[node] < 0)
            {
                node = parentOf[node];
            }

            labels[p] = node >= 0 ? labelOf[node] : -1;
            if (node < 0)
            {
                continue;
            }

            var lambda = Lambdas[pointRow[p]];
            var max = deaths[node];
            probabilities[p] = max == 0 || !double.IsFinite(lambda) ? 1.0 : Math.Min(lambda, max) / max;
        }

        return (labels, probabilities);
    }

    /// <summary>GLOSH outlier scores: (λmax − λ(point)) / λmax, λmax the largest λ in the subtree the point left.</summary>
    public double[] OutlierScores()
    {
        var end = ClusterEnd;
        var deaths = new double[end];
        var parentOf = new int[end];
        for (var r = 0; r < Parents.Length; r++)
        {
            deaths[Parents[r]] = Math.Max(deaths[Parents[r]], Lambdas[r]);
            parentOf[Children[r]] = Parents[r];
        }

        for (var c = end - 1; c > Root; c--)
        {
            deaths[parentOf[c]] = Math.Max(deaths[parentOf[c]], deaths[c]);
        }

        var scores = new double[Points];
        for (var r = 0; r < Parents.Length; r++)
        {
            if (Children[r] < Points)
            {
                var max = deaths[Parents[r]];
                scores[Children[r]] = max == 0 || !double.IsFinite(Lambdas[r]) ? 0.0 : (max - Lambdas[r]) / max;
            }
        }

        return scores;
    }
}
