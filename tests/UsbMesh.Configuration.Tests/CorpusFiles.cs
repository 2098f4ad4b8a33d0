using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace UsbMesh.Configuration.Tests;

/// <summary>
/// Finds the conformance corpus (<c>corpus/</c>, copied next to the test assembly) and its cases, and sets the
/// environment the <c>env/</c> cases rely on.
/// </summary>
internal static partial class CorpusFiles
{
    /// <summary>Value of the environment variable the <c>env/</c> cases read.</summary>
    public const string VariableValue = "corpus-value";

    private static readonly Lazy<string> Root = new(FindRoot);

    /// <summary>The corpus folder.</summary>
    public static string Directory => Root.Value;

    /// <summary>Sets <c>USBMESH_CORPUS_VAR</c> and <c>USBMESH_CORPUS_NUMBER</c>, removes <c>USBMESH_CORPUS_UNSET</c>.</summary>
    public static void PrepareEnvironment()
    {
        Environment.SetEnvironmentVariable("USBMESH_CORPUS_VAR", VariableValue);
        Environment.SetEnvironmentVariable("USBMESH_CORPUS_NUMBER", "42");
        Environment.SetEnvironmentVariable("USBMESH_CORPUS_UNSET", null);
    }

    /// <summary>Every case: the path of its <c>.conf</c> relative to the corpus, without extension, with '/'.</summary>
    public static IEnumerable<string> Cases() =>
        System.IO.Directory.EnumerateFiles(Directory, "*.conf", SearchOption.AllDirectories)
            .Where(file => !IsHelper(file))
            .Select(file => Relative(file)[..^".conf".Length])
            .Order(StringComparer.Ordinal);

    /// <summary>The <c>.tsv</c> tables under <paramref name="folder"/>, relative to the corpus.</summary>
    public static IEnumerable<string> Tables(string folder) =>
        System.IO.Directory.EnumerateFiles(Path.Combine(Directory, folder), "*.tsv", SearchOption.TopDirectoryOnly)
            .Select(Relative)
            .Order(StringComparer.Ordinal);

    /// <summary>The data rows of a table: (1-based line number, tab-separated columns); comments and blanks skipped.</summary>
    public static IEnumerable<(int Line, string[] Columns)> Rows(string relativeTable)
    {
        var lines = File.ReadAllLines(Full(relativeTable), Encoding.UTF8);
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].Length == 0 || lines[i].StartsWith('#'))
            {
                continue;
            }

            yield return (i + 1, lines[i].Split('\t'));
        }
    }

    /// <summary>The absolute path of a corpus-relative path.</summary>
    public static string Full(string relative) => Path.Combine(Directory, relative.Replace('/', Path.DirectorySeparatorChar));

    /// <summary>True for files under a name starting with '_' (included helper files, not cases).</summary>
    public static bool IsHelper(string file) =>
        Relative(file).Split('/').Any(segment => segment.StartsWith('_'));

    /// <summary>Path relative to the corpus, with '/'.</summary>
    public static string Relative(string file) =>
        Path.GetRelativePath(Directory, file).Replace(Path.DirectorySeparatorChar, '/');

    /// <summary>
    /// "line:col" of an error: its <see cref="ConfigurationException.Origin"/>, else the "file:line:col:" that starts
    /// its message (CONTRACT.md: the message starts with the origin when there is one); null when it has neither.
    /// </summary>
    public static string? Position(ConfigurationException exception) =>
        exception.Origin is { } origin
            ? $"{origin.Line}:{origin.Column}"
            : PositionPrefix().Match(exception.Message) is { Success: true } match
                ? $"{match.Groups["line"].Value}:{match.Groups["column"].Value}"
                : null;

    /// <summary>The file of an error: its origin's description, else the one that starts its message; or null.</summary>
    public static string? PositionFile(ConfigurationException exception) =>
        exception.Origin?.Description ??
        (PositionPrefix().Match(exception.Message) is { Success: true } match ? match.Groups["file"].Value : null);

    /// <summary>The resolved root as JSON, whether <see cref="Config.ToJson"/> returns a node or JSON text.</summary>
    public static JsonNode? Json(Config config) => (object?)config.ToJson() switch
    {
        null => null,
        JsonNode node => node,
        string text => JsonNode.Parse(text),
        var other => throw new InvalidOperationException($"ToJson returned a {other.GetType()}"),
    };

    /// <summary>Parses and resolves a file, returning the root as JSON.</summary>
    public static JsonNode? Load(string file) => Json(ConfigurationFactory.FromFile(file).Resolve());

    /// <summary>Runs <paramref name="work"/> on the thread pool and fails with <see cref="TimeoutException"/> when it
    /// takes longer than <paramref name="timeout"/> (the work itself cannot be stopped and keeps running).</summary>
    public static async Task<T> RunBounded<T>(Func<T> work, TimeSpan timeout) =>
        await Task.Run(work).WaitAsync(timeout).ConfigureAwait(false);

    /// <summary>Text with control and invisible characters escaped, for failure messages.</summary>
    public static string Visible(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            var category = char.GetUnicodeCategory(c);
            var invisible = c != ' ' && c != '\n' &&
                (char.IsControl(c) || char.IsWhiteSpace(c) || char.IsSurrogate(c) ||
                 category == System.Globalization.UnicodeCategory.Format);
            builder.Append(invisible ? $"\\u{(int)c:x4}" : c.ToString());
        }

        return builder.ToString();
    }

    private static string FindRoot()
    {
        var copied = Path.Combine(AppContext.BaseDirectory, "corpus");
        if (System.IO.Directory.Exists(copied))
        {
            return copied;
        }

        // Not copied to the output: look for the source folder above the output directory.
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var source = Path.Combine(dir.FullName, "corpus");
            if (File.Exists(Path.Combine(source, "README.md")))
            {
                return source;
            }
        }

        throw new DirectoryNotFoundException($"no corpus folder next to {AppContext.BaseDirectory} or above it");
    }

    [GeneratedRegex(@"^(?<file>.+?):(?<line>\d+):(?<column>\d+)(?::|\s|$)")]
    private static partial Regex PositionPrefix();
}
