namespace ScanScope.Clustering;

/// <summary>
/// A point quadtree over a 2-D embedding for t-SNE's Barnes-Hut repulsion: each cell keeps its point count and
/// centre of mass, so a far cell acts as one heavy point.
/// </summary>
internal sealed class QuadTree
{
    private readonly List<double> _massX = [];
    private readonly List<double> _massY = [];
    private readonly List<int> _count = [];
    private readonly List<double> _width = [];
    private readonly List<int> _firstChild = [];

    private double[] _cellX = [];
    private double[] _cellY = [];
    private int[] _cellCount = [];
    private double[] _cellWidth = [];
    private int[] _cellChild = [];

    private QuadTree()
    {
    }

    public static QuadTree Build(double[] y)
    {
        var n = y.Length / 2;
        var tree = new QuadTree();
        double minX = double.PositiveInfinity, minY = double.PositiveInfinity, maxX = double.NegativeInfinity, maxY = double.NegativeInfinity;
        for (var i = 0; i < n; i++)
        {
            minX = Math.Min(minX, y[2 * i]);
            maxX = Math.Max(maxX, y[2 * i]);
            minY = Math.Min(minY, y[(2 * i) + 1]);
            maxY = Math.Max(maxY, y[(2 * i) + 1]);
        }

        var index = Enumerable.Range(0, n).ToArray();
        var width = Math.Max(maxX - minX, maxY - minY) * (1 + 1e-9);
        tree.Add(y, index, 0, n, minX, minY, Math.Max(width, 1e-300), 0);

        // Queries read plain arrays: list indexing costs in the innermost loop.
        tree._cellX = [.. tree._massX];
        tree._cellY = [.. tree._massY];
        tree._cellCount = [.. tree._count];
        tree._cellWidth = [.. tree._width];
        tree._cellChild = [.. tree._firstChild];
        return tree;
    }

    /// <summary>Unnormalised repulsive force on (x, y) and its share of Z = Σ 1/(1 + d²), itself excluded.</summary>
    public (double Fx, double Fy, double SumQ) Repulsion(double x, double y, double theta2)
    {
        double fx = 0, fy = 0, sumQ = 0;
        Span<int> stack = stackalloc int[256];
        var top = 0;
        stack[top++] = 0;
        while (top > 0)
        {
            var node = stack[--top];
            var count = _cellCount[node];
            double dx = x - _cellX[node], dy = y - _cellY[node];
            var d2 = (dx * dx) + (dy * dy);
            var leaf = _cellChild[node] < 0;
            if (leaf || _cellWidth[node] * _cellWidth[node] < theta2 * d2)
            {
                if (d2 == 0)
                {
                    sumQ += count - 1; // the point itself (and any duplicate) at distance 0: no force
                    continue;
                }

                var q = 1 / (1 + d2);
                sumQ += count * q;
                var mult = count * q * q;
                fx += mult * dx;
                fy += mult * dy;
            }
            else
            {
                for (var c = 3; c >= 0; c--)
                {
                    var child = _cellChild[node] + c;
                    if (_cellCount[child] > 0)
                    {
                        stack[top++] = child;
                    }
                }
            }
        }

        return (fx, fy, sumQ);
    }

    private int Add(double[] y, int[] index, int start, int end, double x0, double y0, double width, int depth)
    {
        var node = _count.Count;
        double sx = 0, sy = 0;
        for (var k = start; k < end; k++)
        {
            sx += y[2 * index[k]];
            sy += y[(2 * index[k]) + 1];
        }

        var count = end - start;
        _massX.Add(count > 0 ? sx / count : 0);
        _massY.Add(count > 0 ? sy / count : 0);
        _count.Add(count);
        _width.Add(width);
        _firstChild.Add(-1);
        if (count <= 1 || depth >= 50 || AllEqual(y, index, start, end))
        {
            return node;
        }

        // Partition into quadrants: (left, bottom), (right, bottom), (left, top), (right, top).
        var half = width / 2;
        double midX = x0 + half, midY = y0 + half;
        var bounds = new int[5];
        bounds[0] = start;
        var cursor = start;
        for (var quadrant = 0; quadrant < 4; quadrant++)
        {
            for (var k = cursor; k < end; k++)
            {
                var i = index[k];
                var q = (y[2 * i] >= midX ? 1 : 0) + (y[(2 * i) + 1] >= midY ? 2 : 0);
                if (q == quadrant)
                {
                    (index[k], index[cursor]) = (index[cursor], index[k]);
                    cursor++;
                }
            }

            bounds[quadrant + 1] = cursor;
        }

        // Children are appended as four consecutive nodes, each subtree after them.
        var first = _count.Count;
        for (var c = 0; c < 4; c++)
        {
            _massX.Add(0);
            _massY.Add(0);
            _count.Add(0);
            _width.Add(half);
            _firstChild.Add(-1);
        }

        _firstChild[node] = first;
        for (var c = 0; c < 4; c++)
        {
            var sub = Add(y, index, bounds[c], bounds[c + 1], x0 + ((c & 1) * half), y0 + ((c >> 1) * half), half, depth + 1);
            _massX[first + c] = _massX[sub];
            _massY[first + c] = _massY[sub];
            _count[first + c] = _count[sub];
            _firstChild[first + c] = _firstChild[sub];
        }

        return node;
    }

    private static bool AllEqual(double[] y, int[] index, int start, int end)
    {
        for (var k = start + 1; k < end; k++)
        {
            if (y[2 * index[k]] != y[2 * index[start]] || y[(2 * index[k]) + 1] != y[(2 * index[start]) + 1])
            {
                return false;
            }
        }

        return true;
    }
}
