namespace ScanScope.Storage;

/// <summary>
/// A store cannot be used as asked (missing or foreign folder, a server that refused a query):
/// the message is one line that names the store and says what to do.
/// </summary>
public sealed class StorageException : Exception
{
    /// <summary>Creates the exception with its one-line message.</summary>
    public StorageException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with its one-line message and the error that caused it.</summary>
    public StorageException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
