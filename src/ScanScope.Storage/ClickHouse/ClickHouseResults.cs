using ScanScope.Storage.Results;

namespace ScanScope.Storage.ClickHouse;

/// <summary>
/// Writes result tables (the same <see cref="ColumnSpec"/> tables the <see cref="ResultStore"/>
/// takes) back into ClickHouse, replacing a previous table of the same name.
/// </summary>
public static class ClickHouseResults
{
    /// <summary>
    /// Creates <c>NAME__new</c>, inserts <paramref name="rows"/> as RowBinary, drops the old
    /// <paramref name="name"/> and renames the new table to it. The drop and rename are two statements (18.16 has no atomic
    /// exchange): a reader between them finds no table, never a half-filled one.
    /// </summary>
    public static long WriteTable(ClickHouseClient client, string name, IReadOnlyList<ColumnSpec> columns, IEnumerable<object?[]> rows)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentNullException.ThrowIfNull(rows);
        var names = client.Options.Names();
        names["result_table"] = name;
        names["new_table"] = Sql.Identifier(name, "table name") + "__new";
        names["drop_table"] = names["new_table"];
        client.Execute(ClickHouseSql.Render("drop_table", names));
        names["columns"] = columns;
        client.Execute(ClickHouseSql.Render("create_result_table", names));

        using var body = new MemoryStream();
        long count = 0;
        foreach (var row in rows)
        {
            if (row.Length != columns.Count)
            {
                throw new ArgumentException($"table {name} has {columns.Count} columns, got {row.Length} values", nameof(rows));
            }

            for (var i = 0; i < row.Length; i++)
            {
                Write(body, ColumnValue.Normalize(name, columns[i], row[i]));
            }

            count++;
        }

        client.InsertAsync(ClickHouseSql.Render("insert_result_rows", names), body.GetBuffer().AsMemory(0, (int)body.Length)).GetAwaiter().GetResult();
        names["drop_table"] = name;
        client.Execute(ClickHouseSql.Render("drop_table", names));
        client.Execute(ClickHouseSql.Render("rename_table", names));
        return count;
    }

    // Nullable(T) in RowBinary: one byte, 1 for NULL (no value follows) or 0 then the value.
    private static void Write(Stream s, object? value)
    {
        s.WriteByte(value is null ? (byte)1 : (byte)0);
        switch (value)
        {
            case string str:
                RowBinary.String(s, str);
                break;
            case long l:
                RowBinary.Int64(s, l);
                break;
            case double d:
                RowBinary.Float64(s, d);
                break;
            case int n:
                RowBinary.Int32(s, n);
                break;
            case bool b:
                s.WriteByte(b ? (byte)1 : (byte)0);
                break;
        }
    }
}
