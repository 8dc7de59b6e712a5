namespace ScanScope.Clustering;

/// <summary>
/// Connected components of DBSCAN's core points (an edge between cores within eps), by union-find over radius
/// queries on the k-d tree.
/// </summary>
/// <remarks>
/// A node found wholly within eps of a core point has all its cores joined to that point, hence to each other; it
/// is then marked, and later queries that again find it wholly within eps join just one of its cores. Dense
/// regions therefore cost one pass per node instead of one per pair.
/// </remarks>
internal sealed class CoreComponents
{
    private readonly KdTree _tree;
    private readonly bool[] _core;
    private readonly double _r2;
    private readonly int[] _parent;
    private readonly int[] _nodeCore;
    private readonly bool[] _nodeJoined;

    public CoreComponents(KdTree tree, bool[] core, double eps)
    {
        _tree = tree;
        _core = core;
        _r2 = eps * eps;
        _parent = new int[core.Length];
        for (var i = 0; i < _parent.Length; i++)
        {
            _parent[i] = i;
        }

        _nodeCore = new int[tree.NodeCount];
        _nodeJoined = new bool[tree.NodeCount];
        for (var node = tree.NodeCount - 1; node >= 0; node--)
        {
            _nodeCore[node] = -1;
            if (tree.IsLeaf(node))
            {
                for (var pos = tree.NodeStart[node]; pos < tree.NodeEnd[node] && _nodeCore[node] < 0; pos++)
                {
                    if (core[tree.Order[pos]])
                    {
                        _nodeCore[node] = tree.Order[pos];
                    }
                }
            }
            else
            {
                var left = _nodeCore[(2 * node) + 1];
                _nodeCore[node] = left >= 0 ? left : _nodeCore[(2 * node) + 2];
            }
        }
    }

    /// <summary>Joins core point <paramref name="p"/> (at <paramref name="q"/>) with every core point within eps.</summary>
    public void Connect(int p, ReadOnlySpan<double> q)
    {
        var tree = _tree;
        Span<int> stack = stackalloc int[tree.StackSize];
        var top = 0;
        stack[top++] = 0;
        while (top > 0)
        {
            var node = stack[--top];
            if (_nodeCore[node] < 0 || tree.MinSquaredDistance(node, q) > _r2)
            {
                continue;
            }

            if (tree.MaxSquaredDistance(node, q) <= _r2)
            {
                if (_nodeJoined[node])
                {
                    Union(p, _nodeCore[node]);
                    continue;
                }

                for (var pos = tree.NodeStart[node]; pos < tree.NodeEnd[node]; pos++)
                {
                    var other = tree.Order[pos];
                    if (_core[other])
                    {
                        Union(p, other);
                    }
                }

                _nodeJoined[node] = true;
            }
            else if (tree.IsLeaf(node))
            {
                for (var pos = tree.NodeStart[node]; pos < tree.NodeEnd[node]; pos++)
                {
                    var other = tree.Order[pos];
                    if (_core[other] && tree.SquaredDistance(pos, q) <= _r2)
                    {
                        Union(p, other);
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

    public int Find(int i)
    {
        while (_parent[i] != i)
        {
            _parent[i] = _parent[_parent[i]];
            i = _parent[i];
        }

        return i;
    }

    private void Union(int a, int b)
    {
        a = Find(a);
        b = Find(b);
        if (a != b)
        {
            _parent[Math.Max(a, b)] = Math.Min(a, b);
        }
    }
}
