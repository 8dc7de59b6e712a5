namespace ScanScope.Tests.Capture;

/// <summary>Temporary files for one test, deleted with it.</summary>
internal sealed class TestFiles : IDisposable
{
    public TestFiles() => Directory.CreateDirectory(Root);

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "scanscope-tests", Guid.NewGuid().ToString("N"));

    public string Write(string name, byte[] bytes)
    {
        var path = Path.Combine(Root, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    public static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
