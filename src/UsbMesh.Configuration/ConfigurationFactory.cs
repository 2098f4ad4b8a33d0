using System.Reflection;
using UsbMesh.Configuration.Loading;

namespace UsbMesh.Configuration;

/// <summary>
/// Entry points that turn HOCON text, files and embedded resources into <see cref="Config"/>s. Parsing reports
/// syntax errors at once; substitutions are resolved later (<see cref="Config.Resolve"/> or the first getter), after
/// any <see cref="Config.WithFallback"/>, so a fallback can still provide their values.
/// </summary>
public static class ConfigurationFactory
{
    /// <summary>A configuration without any path.</summary>
    public static Config Empty => Config.Empty;

    /// <summary>
    /// Parses HOCON text whose errors and origins name <paramref name="originDescription"/>; relative includes are
    /// resolved against <paramref name="baseDirectory"/> (default: the current directory).
    /// </summary>
    public static Config ParseString(string hocon, string originDescription = "string", string? baseDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(hocon);
        ArgumentNullException.ThrowIfNull(originDescription);
        var source = new SourceInfo(originDescription, Path.GetFullPath(baseDirectory ?? Environment.CurrentDirectory));
        return Parse(source, loader => loader.ParseText(hocon, source));
    }

    /// <summary>
    /// Parses one file: <c>.json</c> as JSON, <c>.properties</c> as Java properties, anything else as HOCON.
    /// Relative includes are resolved against the file's directory.
    /// </summary>
    public static Config FromFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var source = new SourceInfo(path, Environment.CurrentDirectory);
        return Parse(source, loader => File.Exists(path)
            ? loader.LoadFile(path, [], includedFrom: null)
            : throw new ConfigurationException($"{path}: no such configuration file", origin: null, path: null));
    }

    /// <summary>
    /// Parses an embedded resource of <paramref name="assembly"/> (a reference.conf shipped inside a DLL) as HOCON;
    /// origins name the resource. Relative includes are resolved against <see cref="AppContext.BaseDirectory"/>.
    /// </summary>
    public static Config FromResource(Assembly assembly, string resourceName)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        ArgumentNullException.ThrowIfNull(resourceName);
        var source = new SourceInfo(resourceName, AppContext.BaseDirectory);
        return Parse(source, loader =>
        {
            using var stream = assembly.GetManifestResourceStream(resourceName)
                ?? throw new ConfigurationException($"{resourceName}: no such embedded resource in {assembly.GetName().Name} "
                    + $"(it has: {string.Join(", ", assembly.GetManifestResourceNames())})");
            using var reader = new StreamReader(stream);
            return loader.ParseText(reader.ReadToEnd(), source);
        });
    }

    /// <summary>
    /// <see cref="FromFile"/>(<paramref name="path"/>) when a path is given, <see cref="Empty"/> otherwise, then
    /// <see cref="Config.WithFallback"/>(<paramref name="fallback"/>) when one is given, then <see cref="Config.Resolve"/>.
    /// </summary>
    public static Config Load(string? path = null, Config? fallback = null)
    {
        var config = path is null ? Empty : FromFile(path);
        return (fallback is null ? config : config.WithFallback(fallback)).Resolve();
    }

    private static Config Parse(SourceInfo source, Func<SourceLoader, Model.HoconObject> parse) =>
        Guard.Run(new ConfigOrigin(source.Description, 1, 1), () => Config.FromParsed(parse(new SourceLoader())));
}
