namespace ScanScope.Tests;

/// <summary>
/// Tests that run CLI verbs in this process: the verbs write to <see cref="Console.Error"/>, and
/// <c>AnalyzeCommandTests</c> swaps it to read the one error line a bad option gives. Tests of one
/// collection never run at the same time, so no other verb's line lands in the captured text.
/// </summary>
[CollectionDefinition(Name)]
public sealed class ConsoleCollection
{
    public const string Name = "CLI verbs writing to the console";
}
