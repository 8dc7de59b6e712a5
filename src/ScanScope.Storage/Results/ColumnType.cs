namespace ScanScope.Storage.Results;

/// <summary>The column types a result table can have (the ones every Parquet reader maps the same way).</summary>
public enum ColumnType
{
    /// <summary>UTF-8 text (DuckDB VARCHAR, Parquet BYTE_ARRAY/STRING).</summary>
    String,

    /// <summary>64-bit signed integer (BIGINT, INT64).</summary>
    Long,

    /// <summary>64-bit float (DOUBLE).</summary>
    Double,

    /// <summary>32-bit signed integer (INTEGER, INT32).</summary>
    Int,

    /// <summary>Boolean (BOOLEAN).</summary>
    Bool,
}

/// <summary>One column of a result table: a plain identifier and its type.</summary>
public sealed record ColumnSpec(string Name, ColumnType Type)
{
    internal string DuckDbType => Type switch
    {
        ColumnType.String => "VARCHAR",
        ColumnType.Long => "BIGINT",
        ColumnType.Double => "DOUBLE",
        ColumnType.Int => "INTEGER",
        ColumnType.Bool => "BOOLEAN",
        _ => throw new ArgumentOutOfRangeException(nameof(Type), Type, "unknown column type"),
    };
}
