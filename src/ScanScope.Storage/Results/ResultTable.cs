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
            var column = Columns[i];
            switch (values[i])
            {
                case null:
                    row.AppendNullValue();
                    break;
                case string s when column.Type == ColumnType.String:
                    row.AppendValue(s);
                    break;
                case bool b when column.Type == ColumnType.Bool:
                    row.AppendValue(b);
                    break;
                case double d when column.Type == ColumnType.Double:
                    row.AppendValue(d);
                    break;
                case float f when column.Type == ColumnType.Double:
                    row.AppendValue((double)f);
                    break;
                case var v when column.Type == ColumnType.Long && TryInteger(v, out var l):
                    row.AppendValue(l);
                    break;
                case var v when column.Type == ColumnType.Int && TryInteger(v, out var l) && l is >= int.MinValue and <= int.MaxValue:
                    row.AppendValue((int)l);
                    break;
                case var v when column.Type == ColumnType.Double && TryInteger(v, out var l):
                    row.AppendValue((double)l);
                    break;
                default:
                    throw new ArgumentException(
                        $"table {Name}, column {column.Name} ({column.Type}): cannot store a {values[i]!.GetType().Name} value '{values[i]}'",
                        nameof(values));
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

    private static bool TryInteger(object value, out long result)
    {
        switch (value)
        {
            case long l:
                result = l;
                return true;
            case int i:
                result = i;
                return true;
            case uint u:
                result = u;
                return true;
            case short s:
                result = s;
                return true;
            case ushort us:
                result = us;
                return true;
            case byte b:
                result = b;
                return true;
            case sbyte sb:
                result = sb;
                return true;
            default:
                result = 0;
                return false;
        }
    }
}
