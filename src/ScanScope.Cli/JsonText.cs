using System.Text.Json.Nodes;
using ScanScope.Pipeline;

namespace ScanScope.Cli;

/// <summary>
/// JSON documents built as node trees and written indented: no reflection over anonymous types, so
/// the CLI compiles ahead of time (Native AOT) without trimming or dynamic-code warnings.
/// </summary>
internal static class JsonText
{
    /// <summary>The document, indented, with a final newline (written as summary.json is: <see cref="AnalysisWriter.IndentedJson"/>).</summary>
    public static string Indented(JsonNode document) => AnalysisWriter.IndentedJson(w => document.WriteTo(w));

    public static JsonArray Array(IEnumerable<string> values) => new([.. values.Select(v => (JsonNode?)v)]);

    public static JsonArray Array(IEnumerable<double> values) => new([.. values.Select(v => (JsonNode)v)]);

    public static JsonArray Array<T>(IEnumerable<T> items, Func<T, JsonNode> node) => new([.. items.Select(node)]);
}
