using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using UsbMesh.Configuration.Conversion;
using UsbMesh.Configuration.Model;
using UsbMesh.Configuration.Parsing;

namespace UsbMesh.Configuration;

/// <summary>
/// Typed getters. Without a default, a missing or null path is an error; with one, the default stands in for a
/// missing or null path. A value of the wrong type is an error either way, naming the path, the value and where it
/// was set. Conversions follow the spec: numbers and booleans from strings, strings from numbers and booleans,
/// lists from numerically-indexed objects, durations and sizes from a number with an optional unit.
/// </summary>
public sealed partial class Config
{
    public string GetString(string path) => AsString(path, Required(path, "a string"));

    [return: NotNullIfNotNull(nameof(defaultValue))]
    public string? GetString(string path, string? defaultValue) => Optional(path) is { } value ? AsString(path, value) : defaultValue;

    public int GetInt(string path) => AsInt(path, Required(path, "an integer"));

    public int GetInt(string path, int defaultValue) => Optional(path) is { } value ? AsInt(path, value) : defaultValue;

    public long GetLong(string path) => AsLong(path, Required(path, "an integer"));

    public long GetLong(string path, long defaultValue) => Optional(path) is { } value ? AsLong(path, value) : defaultValue;

    public bool GetBoolean(string path) => AsBoolean(path, Required(path, "a boolean"));

    public bool GetBoolean(string path, bool defaultValue) => Optional(path) is { } value ? AsBoolean(path, value) : defaultValue;

    public double GetDouble(string path) => AsDouble(path, Required(path, "a number"));

    public double GetDouble(string path, double defaultValue) => Optional(path) is { } value ? AsDouble(path, value) : defaultValue;

    /// <summary>A duration: <c>10s</c>, <c>5 minutes</c>, <c>250</c> (milliseconds), <c>infinite</c>.</summary>
    public TimeSpan GetTimeSpan(string path) => AsTimeSpan(path, Required(path, "a duration"));

    public TimeSpan GetTimeSpan(string path, TimeSpan defaultValue) => Optional(path) is { } value ? AsTimeSpan(path, value) : defaultValue;

    /// <summary>A size in bytes: <c>512</c>, <c>10kB</c> (10 000), <c>10KiB</c> or <c>10K</c> (10 240), <c>1 GiB</c>.</summary>
    public long GetByteSize(string path) => AsByteSize(path, Required(path, "a size in bytes"));

    public long GetByteSize(string path, long defaultValue) => Optional(path) is { } value ? AsByteSize(path, value) : defaultValue;

    public IReadOnlyList<string> GetStringList(string path) => AsList(path, Required(path, "a list"), AsString);

    public IReadOnlyList<string> GetStringList(string path, IReadOnlyList<string> defaultValue) =>
        Optional(path) is { } value ? AsList(path, value, AsString) : defaultValue;

    public IReadOnlyList<int> GetIntList(string path) => AsList(path, Required(path, "a list"), AsInt);

    public IReadOnlyList<int> GetIntList(string path, IReadOnlyList<int> defaultValue) =>
        Optional(path) is { } value ? AsList(path, value, AsInt) : defaultValue;

    /// <summary>A list of objects, each as a configuration of its own.</summary>
    public IReadOnlyList<Config> GetConfigList(string path) => AsList(path, Required(path, "a list"), AsConfig);

    private HoconValue Required(string path, string expected)
    {
        var value = Find(path) ?? throw new ConfigurationException($"no configuration value at path '{path}' (expected {expected})", origin: null, path);
        return value is HoconScalar { Kind: ScalarKind.Null } ? throw WrongType(path, value, expected) : value;
    }

    private HoconValue? Optional(string path) => Find(path) is { } value and not HoconScalar { Kind: ScalarKind.Null } ? value : null;

    private static ConfigurationException WrongType(string path, HoconValue value, string expected, string? reason = null)
    {
        var shown = value switch
        {
            HoconScalar { Kind: ScalarKind.String } text => $"the value \"{text.Text}\"",
            HoconScalar scalar => $"the value {scalar.Text}",
            _ => value.KindName,
        };
        return new ConfigurationException(
            $"path '{path}' has {shown}, which is not {expected}{(reason is null ? "" : ": " + reason)}", value.Origin, path);
    }

    private static string AsString(string path, HoconValue value) =>
        value is HoconScalar { Kind: not ScalarKind.Null } scalar ? scalar.Text : throw WrongType(path, value, "a string");

    // Numbers may also be written as strings ("42" from a properties file), in JSON's number syntax as the spec says.
    private static string NumberText(string path, HoconValue value, string expected) => value switch
    {
        HoconScalar { Kind: ScalarKind.Number } number => number.Text,
        HoconScalar { Kind: ScalarKind.String } text when Tokenizer.IsNumber(text.Text.Trim()) => text.Text.Trim(),
        _ => throw WrongType(path, value, expected),
    };

    private static long AsLong(string path, HoconValue value)
    {
        var text = NumberText(path, value, "an integer");
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
        {
            return integer;
        }

        var number = double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
        return number == Math.Floor(number) && number is >= long.MinValue and < long.MaxValue
            ? (long)number
            : throw WrongType(path, value, "an integer", number == Math.Floor(number) ? "out of range" : null);
    }

    private static int AsInt(string path, HoconValue value)
    {
        var number = AsLong(path, value);
        return number is >= int.MinValue and <= int.MaxValue ? (int)number : throw WrongType(path, value, "an integer", "out of range for a 32-bit integer");
    }

    private static double AsDouble(string path, HoconValue value) =>
        double.Parse(NumberText(path, value, "a number"), NumberStyles.Float, CultureInfo.InvariantCulture);

    private static bool AsBoolean(string path, HoconValue value) => value is HoconScalar { Kind: ScalarKind.Boolean or ScalarKind.String } scalar
        ? scalar.Text switch
        {
            "true" or "yes" or "on" => true,
            "false" or "no" or "off" => false,
            _ => throw WrongType(path, value, "a boolean", "write true/false, yes/no or on/off"),
        }
        : throw WrongType(path, value, "a boolean");

    private static TimeSpan AsTimeSpan(string path, HoconValue value) =>
        value is HoconScalar { Kind: ScalarKind.Number or ScalarKind.String } scalar
            ? Units.TryParseDuration(scalar.Text, out var duration, out var error) ? duration : throw WrongType(path, value, "a duration", error)
            : throw WrongType(path, value, "a duration");

    private static long AsByteSize(string path, HoconValue value) =>
        value is HoconScalar { Kind: ScalarKind.Number or ScalarKind.String } scalar
            ? Units.TryParseByteSize(scalar.Text, out var bytes, out var error) ? bytes : throw WrongType(path, value, "a size in bytes", error)
            : throw WrongType(path, value, "a size in bytes");

    private static IReadOnlyList<T> AsList<T>(string path, HoconValue value, Func<string, HoconValue, T> convert)
    {
        var list = value switch
        {
            HoconArray array => array,
            HoconObject obj when obj.TryAsList(out var indexed) => indexed,
            _ => throw WrongType(path, value, "a list"),
        };
        return [.. list.Elements.Select((element, i) => convert($"{path}[{i}]", element))];
    }
}
