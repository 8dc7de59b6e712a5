namespace ScanScope.Storage.Results;

/// <summary>The one conversion from a caller's value to what a column of a given type stores.</summary>
internal static class ColumnValue
{
    /// <summary>
    /// <paramref name="value"/> as the column stores it: null, <see cref="string"/>,
    /// <see cref="long"/>, <see cref="double"/>, <see cref="int"/> or <see cref="bool"/>.
    /// Narrower integers widen; anything else throws an <see cref="ArgumentException"/>.
    /// </summary>
    public static object? Normalize(string table, ColumnSpec column, object? value)
    {
        object? result = (column.Type, value) switch
        {
            (_, null) => null,
            (ColumnType.String, string s) => s,
            (ColumnType.Bool, bool b) => b,
            (ColumnType.Double, double d) => d,
            (ColumnType.Double, float f) => (double)f,
            (ColumnType.Double, var v) when TryInteger(v, out var l) => (double)l,
            (ColumnType.Long, var v) when TryInteger(v, out var l) => l,
            (ColumnType.Int, var v) when TryInteger(v, out var l) && l is >= int.MinValue and <= int.MaxValue => (int)l,
            _ => Invalid,
        };
        return ReferenceEquals(result, Invalid)
            ? throw new ArgumentException($"table {table}, column {column.Name} ({column.Type}): cannot store a {value!.GetType().Name} value '{value}'", nameof(value))
            : result;
    }

    private static readonly object Invalid = new();

    private static bool TryInteger(object value, out long result)
    {
        (var ok, result) = value switch
        {
            long l => (true, l),
            int i => (true, i),
            uint u => (true, u),
            short s => (true, s),
            ushort us => (true, us),
            byte b => (true, b),
            sbyte sb => (true, sb),
            _ => (false, 0L),
        };
        return ok;
    }
}
