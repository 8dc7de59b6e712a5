namespace ScanScope.Clustering;

/// <summary>
/// A dense row-major table of feature vectors: row i is <c>Data[i*Columns .. (i+1)*Columns)</c>.
/// </summary>
/// <remarks>The clustering stage never changes a matrix it is given; scalers return a new one.</remarks>
public sealed record FeatureMatrix
{
    public FeatureMatrix(double[] data, int rows, int columns, IReadOnlyList<string>? columnNames = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(columns);
        if ((long)rows * columns != data.Length)
        {
            throw new ArgumentException($"data has {data.Length} values, expected {rows} x {columns}", nameof(data));
        }

        if (columnNames is not null && columnNames.Count != columns)
        {
            throw new ArgumentException($"{columnNames.Count} column names for {columns} columns", nameof(columnNames));
        }

        Data = data;
        Rows = rows;
        Columns = columns;
        ColumnNames = columnNames;
    }

    /// <summary>Row-major values.</summary>
    public double[] Data { get; }

    public int Rows { get; }

    public int Columns { get; }

    /// <summary>Optional names of the columns, in order.</summary>
    public IReadOnlyList<string>? ColumnNames { get; }

    public double this[int row, int column] => Data[(row * Columns) + column];

    /// <summary>The values of one row.</summary>
    public ReadOnlySpan<double> Row(int row) => Data.AsSpan(row * Columns, Columns);

    /// <summary>Builds a matrix from row arrays (convenient in tests and small callers).</summary>
    public static FeatureMatrix FromRows(IReadOnlyList<double[]> rows, IReadOnlyList<string>? columnNames = null)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var columns = rows.Count > 0 ? rows[0].Length : columnNames?.Count ?? 1;
        var data = new double[rows.Count * columns];
        for (var i = 0; i < rows.Count; i++)
        {
            if (rows[i].Length != columns)
            {
                throw new ArgumentException($"row {i} has {rows[i].Length} values, expected {columns}", nameof(rows));
            }

            rows[i].CopyTo(data, i * columns);
        }

        return new FeatureMatrix(data, rows.Count, columns, columnNames);
    }

    /// <summary>Throws when a value is NaN or infinite: distances over such values mean nothing.</summary>
    public void EnsureFinite()
    {
        for (var i = 0; i < Data.Length; i++)
        {
            if (!double.IsFinite(Data[i]))
            {
                throw new ArgumentException($"row {i / Columns}, column {i % Columns}: value {Data[i]} is not finite");
            }
        }
    }
}
