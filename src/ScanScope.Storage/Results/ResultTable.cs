using DuckDB.NET.Data;

namespace ScanScope.Storage.Results;

/// <summary>
/// One table being written into a <see cref="ResultStore"/>: rows stream straight into DuckDB's
/// appender, so memory does not grow with the number of rows.
/// </summary>
public sealed class ResultTable : IDisposable
{
    private readonly DuckDBAppender _appender;
    private bool _closed;

    internal ResultTable(string name, IReadOnlyList<ColumnSpec> columns, DuckDBAppender appender)
    {
        Name = name;
        Columns = columns;
        _appender = appender;
    }

    /// <summary>The table name (also the Parquet file name without extension).</summary>
    public string Name { get; }

    /// <summary>The columns in order.</summary>
    public IReadOnlyList<ColumnSpec> Columns { get; }

    /// <summary>Rows added so far.</summary>
    public long Rows { get; private set; }

    /// <summary>
    /// Adds one row; each value must fit its column's type (a narrower integer is widened, a
    /// null is stored as SQL NULL).
    /// </summary>
    public void AddRow(params ReadOnlySpan<object?> values)
    {
        ObjectDisposedException.ThrowIf(_closed, this);
        if (values.Length != Columns.Count)
        {
            throw new ArgumentException($"table {Name} has {Columns.Count} columns, got {values.Length} values", nameof(values));
        }

        var row = _appender.CreateRow();
        for (var i = 0; i < values.Length; i++)
        {
            switch (ColumnValue.Normalize(Name, Columns[i], values[i]))
            {
                case null:
                    row.AppendNullValue();
                    break;
                case string s:
                    row.AppendValue(s);
                    break;
                case bool b:
                    row.AppendValue(b);
                    break;
                case double d:
                    row.AppendValue(d);
                    break;
                case long l:
                    row.AppendValue(l);
                    break;
                case int n:
                    row.AppendValue(n);
                    break;
            }
        }

        row.EndRow();
        Rows++;
    }

    /// <summary>Flushes the rows to the database; the table takes no more rows afterwards.</summary>
    public void Dispose()
    {
        if (_closed)
        {
            return;
        }

        _closed = true;
        _appender.Close();
        _appender.Dispose();
    }
}
