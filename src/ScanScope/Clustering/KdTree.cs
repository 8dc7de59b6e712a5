namespace ScanScope.Clustering;

/// <summary>
/// A k-d tree for exact Euclidean radius and k-nearest-neighbour queries in low dimensions, over points that may
/// carry integer multiplicities (a weight w stands for w identical rows).
/// </summary>
/// <remarks>
/// <para>
/// Layout as scikit-learn's <c>KDTree</c>: a complete binary tree in an array (children of node i are 2i+1 and
/// 2i+2), split at the median of the dimension with the widest spread, leaves of at most <c>leafSize</c> points,
/// an axis-aligned bounding box per node. Points are copied in tree order so a leaf is one contiguous block.
/// </para>
/// <para>
/// Exactness: a distance is compared in squared form, <c>Σ (q[d] − p[d])²</c> summed over d in order, against
/// <c>r·r</c> — the same floating-point steps as scikit-learn, so ties at exactly r fall the same way. The box
/// bounds use the same steps; rounding is monotonic, so the lower bound never exceeds and the upper bound never
/// falls below a point's computed distance, and pruning or accepting a whole node never changes a result.
/// </para>
/// </remarks>
public sealed class KdTree
{
    private readonly int _dims;
    private readonly int _leafFirst;
    private readonly int _nodeCount;

    /// <summary>Builds the tree over the rows of <paramref name="points"/>.</summary>
    /// <param name="points">Points to index; not kept (the tree copies them).</param>
    /// <param name="weights">Multiplicity of each row (default 1 each).</param>
    /// <param name="leafSize">Most points in a leaf.</param>
    public KdTree(FeatureMatrix points, int[]? weights = null, int leafSize = 16)
    {
        ArgumentNullException.ThrowIfNull(points);
        ArgumentOutOfRangeException.ThrowIfLessThan(leafSize, 1);
        if (weights is not null && weights.Length != points.Rows)
        {
            throw new ArgumentException($"{weights.Length} weights for {points.Rows} points", nameof(weights));
        }

        if (weights is not null && weights.Any(w => w < 1))
        {
            throw new ArgumentException("weights must be at least 1", nameof(weights));
        }

        points.EnsureFinite();
        var n = points.Rows;
        _dims = points.Columns;
        Count = n;
        var levels = 1 + (int)Math.Floor(Math.Log2(Math.Max(1, (n - 1) / leafSize)));
        _nodeCount = (1 << levels) - 1;
        _leafFirst = _nodeCount / 2;
        Order = new int[n];
        for (var i = 0; i < n; i++)
        {
            Order[i] = i;
        }

        NodeStart = new int[_nodeCount];
        NodeEnd = new int[_nodeCount];
        Lower = new double[_nodeCount * _dims];
        Upper = new double[_nodeCount * _dims];
        NodeWeight = new long[_nodeCount];
        Build(points.Data, 0, 0, n);

        Points = new double[n * _dims];
        Weights = new int[n];
        for (var pos = 0; pos < n; pos++)
        {
            points.Row(Order[pos]).CopyTo(Points.AsSpan(pos * _dims, _dims));
            Weights[pos] = weights?[Order[pos]] ?? 1;
        }

        for (var node = _nodeCount - 1; node >= 0; node--)
        {
            long w = 0;
            for (var pos = NodeStart[node]; pos < NodeEnd[node]; pos++)
            {
                w += Weights[pos];
            }

            NodeWeight[node] = w;
        }
    }

    /// <summary>Number of indexed points (rows, not weighted).</summary>
    public int Count { get; }

    public int Dimensions => _dims;

    /// <summary>Tree position → row of the input matrix.</summary>
    internal int[] Order { get; }

    /// <summary>Points in tree order, row-major.</summary>
    internal double[] Points { get; }

    /// <summary>Multiplicity per tree position.</summary>
    internal int[] Weights { get; }

    internal int[] NodeStart { get; }

    internal int[] NodeEnd { get; }

    internal double[] Lower { get; }

    internal double[] Upper { get; }

    internal long[] NodeWeight { get; }

    internal int NodeCount => _nodeCount;

    internal bool IsLeaf(int node) => node >= _leafFirst;

    /// <summary>Stack depth enough for any traversal of this tree.</summary>
    internal int StackSize => (2 * (int)Math.Ceiling(Math.Log2(_nodeCount + 1))) + 2;

    /// <summary>
    /// Weighted number of indexed points p with ‖q − p‖ ≤ r (r inclusive), counting stops early once it reaches
    /// <paramref name="stopAt"/>.
    /// </summary>
    public long CountWithin(ReadOnlySpan<double> q, double r, long stopAt = long.MaxValue)
    {
        CheckQuery(q);
        var r2 = r * r;
        Span<int> stack = stackalloc int[StackSize];
        var top = 0;
        stack[top++] = 0;
        long count = 0;
        while (top > 0)
        {
            var node = stack[--top];
            if (NodeStart[node] == NodeEnd[node] || MinSquaredDistance(node, q) > r2)
            {
                continue;
            }

            if (MaxSquaredDistance(node, q) <= r2)
            {
                count += NodeWeight[node];
            }
            else if (IsLeaf(node))
            {
                for (var pos = NodeStart[node]; pos < NodeEnd[node]; pos++)
                {
                    if (SquaredDistance(pos, q) <= r2)
                    {
                        count += Weights[pos];
                    }
                }
            }
            else
            {
                stack[top++] = (2 * node) + 2;
                stack[top++] = (2 * node) + 1;
                continue;
            }

            if (count >= stopAt)
            {
                return count;
            }
        }

        return count;
    }

    /// <summary>Appends the rows (of the input matrix) within distance r of q, r inclusive, in no particular order.</summary>
    public void Within(ReadOnlySpan<double> q, double r, List<int> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        CheckQuery(q);
        var r2 = r * r;
        Span<int> stack = stackalloc int[StackSize];
        var top = 0;
        stack[top++] = 0;
        while (top > 0)
        {
            var node = stack[--top];
            if (NodeStart[node] == NodeEnd[node] || MinSquaredDistance(node, q) > r2)
            {
                continue;
            }

            var inside = MaxSquaredDistance(node, q) <= r2;
            if (inside || IsLeaf(node))
            {
                for (var pos = NodeStart[node]; pos < NodeEnd[node]; pos++)
                {
                    if (inside || SquaredDistance(pos, q) <= r2)
                    {
                        rows.Add(Order[pos]);
                    }
                }
            }
            else
            {
                stack[top++] = (2 * node) + 2;
                stack[top++] = (2 * node) + 1;
            }
        }
    }

    /// <summary>
    /// Distance from q to its k-th nearest indexed point, multiplicities counted (a point of weight w fills w
    /// places). When q is itself indexed it is its own first neighbour at distance 0, as in scikit-learn's
    /// <c>NearestNeighbors.kneighbors(X)</c> on the training set.
    /// </summary>
    public double KthDistance(ReadOnlySpan<double> q, int k)
    {
        CheckQuery(q);
        var heap = new NeighbourHeap(k);
        Search(q, ref heap, 0);
        return heap.Total < k ? double.PositiveInfinity : Math.Sqrt(heap.TopDistance);
    }

    /// <summary>
    /// The k nearest indexed rows of q with their distances, nearest first (weights ignored: every row is one
    /// neighbour). Fewer than k when the tree holds fewer points.
    /// </summary>
    public int Nearest(ReadOnlySpan<double> q, Span<int> rows, Span<double> distances)
    {
        CheckQuery(q);
        var k = rows.Length;
        var heap = new NeighbourHeap(k, unweighted: true);
        Search(q, ref heap, 0);
        var found = heap.Size;
        for (var i = found - 1; i >= 0; i--)
        {
            var (d2, pos) = heap.Pop();
            rows[i] = Order[pos];
            distances[i] = Math.Sqrt(d2);
        }

        return found;
    }

    internal double SquaredDistance(int pos, ReadOnlySpan<double> q)
    {
        var p = Points.AsSpan(pos * _dims, _dims);
        double d = 0;
        for (var j = 0; j < p.Length; j++)
        {
            var t = q[j] - p[j];
            d += t * t;
        }

        return d;
    }

    internal double MinSquaredDistance(int node, ReadOnlySpan<double> q)
    {
        var lo = Lower.AsSpan(node * _dims, _dims);
        var hi = Upper.AsSpan(node * _dims, _dims);
        double d = 0;
        for (var j = 0; j < lo.Length; j++)
        {
            var t = q[j] < lo[j] ? lo[j] - q[j] : q[j] > hi[j] ? q[j] - hi[j] : 0.0;
            d += t * t;
        }

        return d;
    }

    internal double MaxSquaredDistance(int node, ReadOnlySpan<double> q)
    {
        var lo = Lower.AsSpan(node * _dims, _dims);
        var hi = Upper.AsSpan(node * _dims, _dims);
        double d = 0;
        for (var j = 0; j < lo.Length; j++)
        {
            var t = Math.Max(Math.Abs(q[j] - lo[j]), Math.Abs(hi[j] - q[j]));
            d += t * t;
        }

        return d;
    }

    private void CheckQuery(ReadOnlySpan<double> q)
    {
        if (q.Length != _dims)
        {
            throw new ArgumentException($"query has {q.Length} values, tree has {_dims} dimensions", nameof(q));
        }
    }

    private void Search(ReadOnlySpan<double> q, ref NeighbourHeap heap, int node)
    {
        if (NodeStart[node] == NodeEnd[node] || (heap.Full && MinSquaredDistance(node, q) >= heap.TopDistance))
        {
            return;
        }

        if (IsLeaf(node))
        {
            for (var pos = NodeStart[node]; pos < NodeEnd[node]; pos++)
            {
                var d2 = SquaredDistance(pos, q);
                if (!heap.Full || d2 < heap.TopDistance)
                {
                    heap.Push(d2, pos, Weights[pos]);
                }
            }

            return;
        }

        int left = (2 * node) + 1, right = left + 1;
        if (MinSquaredDistance(left, q) <= MinSquaredDistance(right, q))
        {
            Search(q, ref heap, left);
            Search(q, ref heap, right);
        }
        else
        {
            Search(q, ref heap, right);
            Search(q, ref heap, left);
        }
    }

    private void Build(double[] data, int node, int start, int end)
    {
        NodeStart[node] = start;
        NodeEnd[node] = end;
        var lo = Lower.AsSpan(node * _dims, _dims);
        var hi = Upper.AsSpan(node * _dims, _dims);
        lo.Fill(double.PositiveInfinity);
        hi.Fill(double.NegativeInfinity);
        for (var i = start; i < end; i++)
        {
            var row = data.AsSpan(Order[i] * _dims, _dims);
            for (var j = 0; j < _dims; j++)
            {
                lo[j] = Math.Min(lo[j], row[j]);
                hi[j] = Math.Max(hi[j], row[j]);
            }
        }

        if (IsLeaf(node))
        {
            return;
        }

        var split = 0;
        for (var j = 1; j < _dims; j++)
        {
            if (hi[j] - lo[j] > hi[split] - lo[split])
            {
                split = j;
            }
        }

        var mid = start + ((end - start) / 2);
        Select(data, split, start, end - 1, mid);
        Build(data, (2 * node) + 1, start, mid);
        Build(data, (2 * node) + 2, mid, end);
    }

    // Quickselect (Hoare partition, median-of-three pivot): afterwards Order[k] holds the k-th smallest value of
    // dimension `dim` in Order[left..right], smaller-or-equal ones before it and greater-or-equal ones after.
    private void Select(double[] data, int dim, int left, int right, int k)
    {
        while (right > left)
        {
            var a = data[(Order[left] * _dims) + dim];
            var b = data[(Order[(left + right) / 2] * _dims) + dim];
            var c = data[(Order[right] * _dims) + dim];
            var pivot = Math.Max(Math.Min(a, b), Math.Min(Math.Max(a, b), c));
            int i = left, j = right;
            while (i <= j)
            {
                while (data[(Order[i] * _dims) + dim] < pivot)
                {
                    i++;
                }

                while (data[(Order[j] * _dims) + dim] > pivot)
                {
                    j--;
                }

                if (i <= j)
                {
                    (Order[i], Order[j]) = (Order[j], Order[i]);
                    i++;
                    j--;
                }
            }

            if (k <= j)
            {
                right = j;
            }
            else if (k >= i)
            {
                left = i;
            }
            else
            {
                return;
            }
        }
    }

    /// <summary>
    /// A max-heap of candidate neighbours by squared distance that keeps the fewest nearest candidates whose
    /// weights add up to at least k; its top is then the k-th nearest distance.
    /// </summary>
    private struct NeighbourHeap(int k, bool unweighted = false)
    {
        [ThreadStatic]
        private static (double[] D2, int[] Pos, int[] W)? _scratch;

        private readonly double[] _d2 = Scratch(k).D2;
        private readonly int[] _pos = Scratch(k).Pos;
        private readonly int[] _w = Scratch(k).W;
        public int Size { get; private set; }

        public long Total { get; private set; }

        public readonly bool Full => Total >= k;

        public readonly double TopDistance => _d2[0];

        public void Push(double d2, int pos, int weight)
        {
            var w = unweighted ? 1 : weight;
            var i = Size++;
            _d2[i] = d2;
            _pos[i] = pos;
            _w[i] = w;
            Total += w;
            while (i > 0)
            {
                var parent = (i - 1) / 2;
                if (_d2[parent] >= _d2[i])
                {
                    break;
                }

                Swap(i, parent);
                i = parent;
            }

            // Drop the farthest while the rest still reach k.
            while (Size > 0 && Total - _w[0] >= k)
            {
                Pop();
            }
        }

        public (double D2, int Pos) Pop()
        {
            var result = (_d2[0], _pos[0]);
            Total -= _w[0];
            Size--;
            _d2[0] = _d2[Size];
            _pos[0] = _pos[Size];
            _w[0] = _w[Size];
            var i = 0;
            while (true)
            {
                int l = (2 * i) + 1, r = l + 1, largest = i;
                if (l < Size && _d2[l] > _d2[largest])
                {
                    largest = l;
                }

                if (r < Size && _d2[r] > _d2[largest])
                {
                    largest = r;
                }

                if (largest == i)
                {
                    return result;
                }

                Swap(i, largest);
                i = largest;
            }
        }

        // One set of buffers per thread, grown when a larger k comes: a query allocates nothing.
        private static (double[] D2, int[] Pos, int[] W) Scratch(int k)
        {
            var size = Math.Max(k, 1) + 1;
            if (_scratch is not { } s || s.D2.Length < size)
            {
                _scratch = s = (new double[size], new int[size], new int[size]);
            }

            return s;
        }

        private readonly void Swap(int a, int b)
        {
            (_d2[a], _d2[b]) = (_d2[b], _d2[a]);
            (_pos[a], _pos[b]) = (_pos[b], _pos[a]);
            (_w[a], _w[b]) = (_w[b], _w[a]);
        }
    }
}
