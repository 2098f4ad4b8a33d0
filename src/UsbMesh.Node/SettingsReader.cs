using UsbMesh.Configuration;

namespace UsbMesh.Node;

/// <summary>
/// Reads validated settings from a resolved configuration. A value that is there but unusable throws a
/// <see cref="ConfigurationException"/> that names the path and where the value was set (file:line:col), like the
/// configuration library's own errors.
/// </summary>
internal sealed class SettingsReader(Config config)
{
    public Config Config => config;

    /// <summary>The path of the child <paramref name="key"/> of <paramref name="path"/>, quoting the key where HOCON needs it.</summary>
    public static string Child(string path, string key) =>
        key.Length > 0 && key.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_')
            ? $"{path}.{key}"
            : $"{path}.\"{key.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)}\"";

    public ConfigurationException Invalid(string path, string problem) => new($"{path}: {problem}", config.GetOrigin(path), path);

    /// <summary>
    /// Refuses a key of <paramref name="element"/> (one object of a list at <paramref name="path"/>) that is not one of
    /// <paramref name="known"/>: "unknown <paramref name="what"/> setting; a <paramref name="what"/> has …".
    /// </summary>
    public static void RequireKnownKeys(Config element, string path, string what, IReadOnlyList<string> known)
    {
        if (element.Keys.FirstOrDefault(k => !known.Contains(k)) is { } key)
        {
            var list = known.Count == 1 ? known[0] : $"{string.Join(", ", known.Take(known.Count - 1))} and {known[^1]}";
            throw new ConfigurationException($"{path}.{key}: unknown {what} setting; a {what} has {list}", element.GetOrigin(key), $"{path}.{key}");
        }
    }

    public string String(string path) => config.GetString(path);

    public bool Boolean(string path) => config.GetBoolean(path);

    /// <summary>The keys of the object at <paramref name="path"/>; none when it is missing.</summary>
    public IEnumerable<string> Keys(string path) => config.GetConfig(path).Keys;

    public bool Has(string path) => config.HasPath(path);

    public int Int(string path, int minimum)
    {
        var value = config.GetInt(path);
        return value >= minimum ? value : throw Invalid(path, $"{value} is too small; the least allowed is {minimum}");
    }

    /// <summary>An integer from <paramref name="minimum"/> to <paramref name="maximum"/>, both included.</summary>
    public int Int(string path, int minimum, int maximum)
    {
        var value = config.GetInt(path);
        return value >= minimum && value <= maximum
            ? value
            : throw Invalid(path, $"{value} is out of range; the accepted range is {minimum} to {maximum}");
    }

    public long ByteSize(string path)
    {
        var value = config.GetByteSize(path);
        return value >= 0 ? value : throw Invalid(path, $"a size cannot be negative ({value} bytes)");
    }

    public TimeSpan PositiveDuration(string path)
    {
        var value = config.GetTimeSpan(path);
        return value > TimeSpan.Zero ? value : throw Invalid(path, "expected a positive, finite duration such as 500ms or 5s");
    }

    /// <summary>A duration above zero and at most <paramref name="maximum"/>.</summary>
    public TimeSpan PositiveDuration(string path, TimeSpan maximum)
    {
        var value = config.GetTimeSpan(path);
        return value > TimeSpan.Zero && value <= maximum
            ? value
            : throw Invalid(path, $"{Text(value)} is out of range; the accepted range is above 0 up to {Text(maximum)}");

        static string Text(TimeSpan duration) => duration.Ticks switch
        {
            0 => "0s",
            var ticks when ticks % TimeSpan.TicksPerHour == 0 => $"{ticks / TimeSpan.TicksPerHour}h",
            var ticks when ticks % TimeSpan.TicksPerMinute == 0 => $"{ticks / TimeSpan.TicksPerMinute}m",
            var ticks when ticks % TimeSpan.TicksPerSecond == 0 => $"{ticks / TimeSpan.TicksPerSecond}s",
            var ticks => FormattableString.Invariant($"{ticks / (double)TimeSpan.TicksPerMillisecond:0.###}ms"),
        };
    }

    /// <summary>One of the names in <paramref name="choices"/>, in any case.</summary>
    public T OneOf<T>(string path, IReadOnlyList<(string Name, T Value)> choices)
    {
        var value = config.GetString(path);
        foreach (var (name, choice) in choices)
        {
            if (string.Equals(name, value, StringComparison.OrdinalIgnoreCase))
            {
                return choice;
            }
        }

        throw Invalid(path, $"[{value}] is not one of {string.Join(", ", choices.Select(c => c.Name))}");
    }
}
