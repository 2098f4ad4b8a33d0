using UsbMesh.Configuration.Merging;
using UsbMesh.Configuration.Model;
using UsbMesh.Configuration.Parsing;

namespace UsbMesh.Configuration.Loading;

/// <summary>
/// Reads documents and resolves includes for one top-level load. It tracks the chain of files being parsed, so an
/// include cycle or a runaway include depth ends in an error that names the include statement.
/// </summary>
internal sealed class SourceLoader
{
    private const int MaxIncludeDepth = 50;

    // In the order the spec gives: a later format overrides an earlier one, HOCON last.
    private static readonly string[] Extensions = [".properties", ".json", ".conf"];

    private readonly List<string> _chain = [];

    public HoconObject ParseText(string text, SourceInfo source) =>
        Parser.ParseDocument(text, Syntax.Hocon, source, [], this);

    /// <summary>One file, its format chosen by extension (anything but .json and .properties is HOCON).</summary>
    public HoconObject LoadFile(string path, IReadOnlyList<string> prefix, ConfigOrigin? includedFrom)
    {
        var fullPath = Path.GetFullPath(path);
        if (_chain.Contains(fullPath, StringComparer.Ordinal))
        {
            throw Error(includedFrom, $"include cycle: {string.Join(" -> ", _chain)} -> {fullPath}");
        }

        if (_chain.Count >= MaxIncludeDepth)
        {
            throw Error(includedFrom, $"includes are nested more than {MaxIncludeDepth} deep (at {fullPath})");
        }

        string text;
        try
        {
            text = File.ReadAllText(fullPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            throw Error(includedFrom, $"cannot read configuration file '{path}': {e.Message}", e);
        }

        var source = new SourceInfo(path, Path.GetDirectoryName(fullPath) ?? Environment.CurrentDirectory);
        _chain.Add(fullPath);
        try
        {
            return Path.GetExtension(path).ToLowerInvariant() switch
            {
                ".json" => Parser.ParseDocument(text, Syntax.Json, source, prefix, this),
                ".properties" => PropertiesParser.Parse(text, source.Description),
                _ => Parser.ParseDocument(text, Syntax.Hocon, source, prefix, this),
            };
        }
        finally
        {
            _chain.RemoveAt(_chain.Count - 1);
        }
    }

    /// <summary>
    /// A file name as includes understand it: with a known extension, that file; without one, every existing
    /// <c>.properties</c>, <c>.json</c> and <c>.conf</c> file of that base name, merged. Null when none exists.
    /// </summary>
    public HoconObject? LoadNamed(string path, IReadOnlyList<string> prefix, ConfigOrigin? includedFrom)
    {
        var candidates = Extensions.Contains(Path.GetExtension(path).ToLowerInvariant())
            ? [path]
            : Extensions.Select(extension => path + extension);
        HoconObject? result = null;
        foreach (var candidate in candidates.Where(File.Exists))
        {
            var loaded = LoadFile(candidate, prefix, includedFrom);
            result = result is null ? loaded : Merger.MergeObjects(loaded, result, mutate: true);
        }

        return result;
    }

    public HoconObject Include(IncludeRequest request, ConfigOrigin at, SourceInfo from, IReadOnlyList<string> prefix)
    {
        var name = request.Name;
        switch (request.Kind)
        {
            case IncludeKind.Url:
                throw Error(at, $"include url(\"{name}\") is not supported; include a file instead");
            case IncludeKind.Classpath:
                throw Error(at, $"include classpath(\"{name}\") is not supported (there is no classpath); include a file instead");
            case IncludeKind.Heuristic when Uri.TryCreate(name, UriKind.Absolute, out var uri) && uri.Scheme.Length > 1:
                if (!uri.IsFile)
                {
                    throw Error(at, $"include of URL \"{name}\" is not supported; include a file instead");
                }

                name = uri.LocalPath;
                break;
        }

        var path = Path.IsPathRooted(name) ? name : Path.Combine(from.Directory, name);
        var included = LoadNamed(path, prefix, at);
        if (included is not null)
        {
            return included;
        }

        if (request.Required)
        {
            var looked = Extensions.Contains(Path.GetExtension(path).ToLowerInvariant())
                ? path
                : string.Join(", ", Extensions.Select(extension => path + extension));
            throw Error(at, $"required include \"{request.Name}\" not found (looked for {looked})");
        }

        // The spec: a missing include is silently ignored, as if it held an empty object.
        return new HoconObject(at);
    }

    private static ConfigurationException Error(ConfigOrigin? at, string message, Exception? inner = null) =>
        at is null ? new ConfigurationException(message, inner) : ConfigErrors.At(at, message, inner);
}
