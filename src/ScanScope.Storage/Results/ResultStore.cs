using DuckDB.NET.Data;

namespace ScanScope.Storage.Results;

/// <summary>
/// Writes a run's result tables into <c>scanscope.duckdb</c> and as one Parquet file per table
/// (<c>parquet/NAME.parquet</c>) in an output folder.
/// </summary>
/// <remarks>
/// Everything is written under a hidden temporary folder inside the output folder (same file
/// system, so the final moves are atomic renames) and moved into place only by
/// <see cref="Commit"/>. A run killed before that leaves the previous results untouched; the next
/// run removes the orphaned temporary folder. Committing replaces the database file as a whole
/// and removes Parquet files of tables the new run did not write, so re-running into the same
/// folder never duplicates rows. Parquet is written by DuckDB's own COPY writer from the very
/// tables in the database, so both outputs hold the same rows by construction.
/// </remarks>
public sealed class ResultStore : IDisposable
{
    /// <summary>The database file name in the output folder.</summary>
    public const string DatabaseFileName = "scanscope.duckdb";

    /// <summary>The folder, inside the output folder, that holds one Parquet file per table.</summary>
    public const string ParquetFolderName = "parquet";

    private const string TempPrefix = ".scanscope-tmp-";

    private readonly string _tempDirectory;
    private readonly DuckDBConnection _connection;
    private readonly List<ResultTable> _tables = [];
    private bool _committed;
    private bool _disposed;

    private ResultStore(string outputDirectory)
    {
        OutputDirectory = outputDirectory;
        _tempDirectory = TempFolders.Create(outputDirectory, TempPrefix);
        Directory.CreateDirectory(Path.Combine(_tempDirectory, ParquetFolderName));
        _connection = new DuckDBConnection("Data Source=" + Path.Combine(_tempDirectory, DatabaseFileName));
        _connection.Open();
    }

    /// <summary>The folder the results go to.</summary>
    public string OutputDirectory { get; }

    /// <summary>The tables added so far, in order.</summary>
    public IReadOnlyList<ResultTable> Tables => _tables;

    /// <summary>Starts a result set for <paramref name="outputDirectory"/> (created when missing).</summary>
    public static ResultStore Create(string outputDirectory)
    {
        CheckOutputDirectory(outputDirectory);
        return new ResultStore(Path.GetFullPath(outputDirectory));
    }

    /// <summary>
    /// Throws <see cref="StorageException"/> for a folder DuckDB cannot keep a database in: its
    /// connection string reads a '?' in the path as the start of options (the file then cannot be
    /// opened). Callers check before a long run, not after it.
    /// </summary>
    public static void CheckOutputDirectory(string outputDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(outputDirectory);
        if (Path.GetFullPath(outputDirectory).Contains('?', StringComparison.Ordinal))
        {
            throw new StorageException($"{outputDirectory}: DuckDB cannot keep its database under a path with a '?'; choose another output folder");
        }
    }

    /// <summary>
    /// Adds a table and returns its writer. Rows go in through <see cref="ResultTable.AddRow"/>;
    /// the previous table's writer is closed.
    /// </summary>
    public ResultTable AddTable(string name, IReadOnlyList<ColumnSpec> columns)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(columns);
        if (_committed)
        {
            throw new InvalidOperationException("the result store is already committed");
        }

        var quoted = Sql.DuckDbName(name, "table name");
        if (_tables.Any(t => t.Name.Equals(name, StringComparison.OrdinalIgnoreCase)))
        {
            throw new ArgumentException($"table {name} was already added", nameof(name));
        }

        if (columns.Count == 0)
        {
            throw new ArgumentException($"table {name} needs at least one column", nameof(columns));
        }

        if (columns.Select(c => c.Name.ToUpperInvariant()).Distinct().Count() != columns.Count)
        {
            throw new ArgumentException($"table {name} has duplicate column names", nameof(columns));
        }

        foreach (var t in _tables)
        {
            t.Dispose();
        }

        var definition = string.Join(", ", columns.Select(c => Sql.DuckDbName(c.Name, "column name") + " " + c.DuckDbType));
        Execute($"CREATE TABLE {quoted} ({definition})");
        var table = new ResultTable(name, [.. columns], _connection.CreateAppender(name));
        _tables.Add(table);
        return table;
    }

    /// <summary>
    /// Adds a table holding the rows of the CSV file <paramref name="csvPath"/> (a header line, then a
    /// row a line, fields quoted with double quotes where needed), read by DuckDB's own reader with
    /// the types of <paramref name="columns"/>: an empty field is NULL, except in text columns, where it
    /// is the empty string (what <see cref="ResultTable.AddRow"/> stores for the same values).
    /// </summary>
    /// <remarks>
    /// For large tables: the rows never pass through managed memory (at 10^6 sources, parsing every CSV
    /// and appending it value by value took 9.2 s and was the run's peak memory; docs/benchmarks.md,
    /// session 9).
    /// </remarks>
    public void AddTableFromCsv(string name, IReadOnlyList<ColumnSpec> columns, string csvPath)
    {
        ArgumentNullException.ThrowIfNull(csvPath);
        using (AddTable(name, columns))
        {
        }

        var types = string.Join(", ", columns.Select(c => Sql.PathLiteral(c.Name) + ": '" + c.DuckDbType + "'"));
        var text = columns.Where(c => c.Type == ColumnType.String).Select(c => Sql.PathLiteral(c.Name)).ToList();
        var notNull = text.Count > 0 ? ", force_not_null = [" + string.Join(", ", text) + "]" : "";
        Execute($"INSERT INTO {Sql.DuckDbName(name, "table name")} SELECT * FROM read_csv({Sql.PathLiteral(csvPath)}, header = true, auto_detect = false, delim = ',', quote = '\"', escape = '\"', null_padding = true, columns = {{{types}}}{notNull})");
    }

    /// <summary>Adds a table and writes all of <paramref name="rows"/> into it.</summary>
    public void WriteTable(string name, IReadOnlyList<ColumnSpec> columns, IEnumerable<object?[]> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        using var table = AddTable(name, columns);
        foreach (var row in rows)
        {
            table.AddRow(row);
        }
    }

    /// <summary>
    /// Exports every table to Parquet, closes the database and moves all files into the output
    /// folder, replacing the previous run's files.
    /// </summary>
    public void Commit()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_committed)
        {
            throw new InvalidOperationException("the result store is already committed");
        }

        foreach (var t in _tables)
        {
            t.Dispose();
        }

        var tempParquet = Path.Combine(_tempDirectory, ParquetFolderName);
        foreach (var t in _tables)
        {
            var file = Path.Combine(tempParquet, t.Name + ".parquet");
            Execute($"COPY {Sql.DuckDbName(t.Name, "table name")} TO {Sql.PathLiteral(file)} (FORMAT PARQUET, COMPRESSION ZSTD)");
        }

        Execute("CHECKPOINT");
        _connection.Close();
        _connection.Dispose();
        _committed = true;

        var parquet = Path.Combine(OutputDirectory, ParquetFolderName);
        Directory.CreateDirectory(parquet);
        var written = new HashSet<string>(StringComparer.Ordinal);
        foreach (var t in _tables)
        {
            var name = t.Name + ".parquet";
            File.Move(Path.Combine(tempParquet, name), Path.Combine(parquet, name), overwrite: true);
            written.Add(name);
        }

        foreach (var stale in Directory.EnumerateFiles(parquet, "*.parquet"))
        {
            if (!written.Contains(Path.GetFileName(stale)))
            {
                File.Delete(stale);
            }
        }

        // A write-ahead log left by the previous database would be replayed into the new one.
        var database = Path.Combine(OutputDirectory, DatabaseFileName);
        File.Delete(database + ".wal");
        File.Move(Path.Combine(_tempDirectory, DatabaseFileName), database, overwrite: true);
        Directory.Delete(_tempDirectory, recursive: true);
    }

    /// <summary>Closes the store; without a <see cref="Commit"/> the partial results are deleted.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_committed)
        {
            return;
        }

        foreach (var t in _tables)
        {
            t.Dispose();
        }

        _connection.Dispose();
        if (Directory.Exists(_tempDirectory))
        {
            Directory.Delete(_tempDirectory, recursive: true);
        }
    }

    private void Execute(string sql)
    {
        using var command = _connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

}
