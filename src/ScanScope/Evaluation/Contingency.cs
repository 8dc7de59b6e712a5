namespace ScanScope.Evaluation;

/// <summary>The contingency table of two labellings, kept sparse: only non-zero cells.</summary>
internal sealed class Contingency
{
    private Contingency(int[] rowSums, int[] columnSums, (int Row, int Column, int Count)[] cells, long n)
    {
        RowSums = rowSums;
        ColumnSums = columnSums;
        Cells = cells;
        N = n;
    }

    /// <summary>Size of each truth class.</summary>
    public int[] RowSums { get; }

    /// <summary>Size of each predicted cluster.</summary>
    public int[] ColumnSums { get; }

    /// <summary>Non-zero cells: (class, cluster, rows in both).</summary>
    public (int Row, int Column, int Count)[] Cells { get; }

    public long N { get; }

    public static Contingency Of(ReadOnlySpan<int> truth, ReadOnlySpan<int> predicted)
    {
        if (truth.Length != predicted.Length)
        {
            throw new ArgumentException($"{truth.Length} truth labels but {predicted.Length} predicted labels", nameof(predicted));
        }

        var rows = Dense(truth);
        var columns = Dense(predicted);
        var rowSums = new int[rows.Count];
        var columnSums = new int[columns.Count];
        var cells = new Dictionary<long, int>();
        for (var k = 0; k < truth.Length; k++)
        {
            int i = rows.Index[truth[k]], j = columns.Index[predicted[k]];
            rowSums[i]++;
            columnSums[j]++;
            var key = ((long)i << 32) | (uint)j;
            cells[key] = cells.GetValueOrDefault(key) + 1;
        }

        var list = cells.Select(c => ((int)(c.Key >> 32), (int)(c.Key & 0xffffffff), c.Value)).ToArray();
        return new Contingency(rowSums, columnSums, list, truth.Length);
    }

    private static (Dictionary<int, int> Index, int Count) Dense(ReadOnlySpan<int> labels)
    {
        var index = new Dictionary<int, int>();
        foreach (var l in labels)
        {
            index.TryAdd(l, index.Count);
        }

        return (index, index.Count);
    }
}
