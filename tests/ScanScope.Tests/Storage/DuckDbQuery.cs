using DuckDB.NET.Data;

namespace ScanScope.Tests.Storage;

/// <summary>Runs a query in a DuckDB database (or in memory) and returns every row as objects.</summary>
internal static class DuckDbQuery
{
    public static List<object?[]> Rows(string? databaseFile, string sql)
    {
        using var connection = new DuckDBConnection(databaseFile is null ? "Data Source=:memory:" : $"Data Source={databaseFile};ACCESS_MODE=READ_ONLY");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<object?[]>();
        while (reader.Read())
        {
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++)
            {
                row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            }

            rows.Add(row);
        }

        return rows;
    }
}
