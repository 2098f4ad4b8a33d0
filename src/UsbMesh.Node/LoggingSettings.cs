using System.Collections.Immutable;
using Serilog;
using UsbMesh.Actors.Event;

namespace UsbMesh.Node;

/// <summary>How log events are written: <c>usbmesh.logging</c>.</summary>
/// <param name="Level">The lowest level written.</param>
/// <param name="Overrides">Levels for log sources by prefix of their name.</param>
/// <param name="Console">Standard output.</param>
/// <param name="File">A log file; null for none.</param>
public sealed record LoggingSettings(
    LogLevel Level,
    ImmutableDictionary<string, LogLevel> Overrides,
    ConsoleLogSettings Console,
    FileLogSettings? File)
{
    public const string Path = "usbmesh.logging";

    private static readonly (string Name, LogLevel Level)[] Levels =
        [("debug", LogLevel.Debug), ("info", LogLevel.Info), ("warning", LogLevel.Warning), ("error", LogLevel.Error), ("off", LogLevel.Off)];

    private static readonly (string Name, LogFormat Format)[] Formats = [("text", LogFormat.Text), ("json", LogFormat.Json)];

    private static readonly (string Name, RollingInterval Interval)[] RollingIntervals =
    [
        ("infinite", RollingInterval.Infinite), ("year", RollingInterval.Year), ("month", RollingInterval.Month),
        ("day", RollingInterval.Day), ("hour", RollingInterval.Hour), ("minute", RollingInterval.Minute),
    ];

    /// <summary>The lowest level any source writes: the actor system creates no event below it.</summary>
    public LogLevel LowestLevel => Overrides.Values.Append(Level).Where(l => l != LogLevel.Off).DefaultIfEmpty(LogLevel.Off).Min();

    internal static LoggingSettings Read(SettingsReader reader, string stateDirectory)
    {
        var overrides = ImmutableDictionary<string, LogLevel>.Empty;
        foreach (var source in reader.Keys($"{Path}.overrides"))
        {
            overrides = overrides.SetItem(source, reader.OneOf(SettingsReader.Child($"{Path}.overrides", source), Levels));
        }

        var console = new ConsoleLogSettings(
            reader.Boolean($"{Path}.console.enabled"),
            reader.OneOf($"{Path}.console.format", Formats),
            reader.String($"{Path}.console.template"));

        var filePath = reader.String($"{Path}.file.path");
        var file = filePath.Length == 0
            ? null
            : new FileLogSettings(
                System.IO.Path.GetFullPath(filePath, stateDirectory),
                reader.OneOf($"{Path}.file.format", Formats),
                reader.OneOf($"{Path}.file.rolling", RollingIntervals),
                reader.Int($"{Path}.file.retained-files", minimum: 0) is var retained and > 0 ? retained : null,
                reader.ByteSize($"{Path}.file.size-limit") is var limit and > 0 ? limit : null);

        return new LoggingSettings(reader.OneOf($"{Path}.level", Levels), overrides, console, file);
    }
}

public enum LogFormat
{
    /// <summary>One line per event, laid out by an output template.</summary>
    Text,

    /// <summary>One JSON object per line.</summary>
    Json,
}

/// <summary>Logging to standard output.</summary>
/// <param name="Enabled">Whether events are written to standard output at all.</param>
/// <param name="Format">One line of text per event, or one JSON object.</param>
/// <param name="Template">The Serilog output template of the text format (also used by a text log file).</param>
public sealed record ConsoleLogSettings(bool Enabled, LogFormat Format, string Template);

/// <summary>Logging to a file.</summary>
/// <param name="Path">An absolute path; rolling adds the period's start to the file name.</param>
/// <param name="Format">One line of text per event (laid out by the console's template), or one JSON object.</param>
/// <param name="Rolling">When a new file is started.</param>
/// <param name="RetainedFiles">How many files are kept; null keeps all.</param>
/// <param name="SizeLimit">The size in bytes at which a file is continued in a new one; null for no limit.</param>
public sealed record FileLogSettings(string Path, LogFormat Format, RollingInterval Rolling, int? RetainedFiles, long? SizeLimit);
