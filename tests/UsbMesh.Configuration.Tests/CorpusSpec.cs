using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace UsbMesh.Configuration.Tests;

/// <summary>
/// The HOCON conformance corpus (see corpus/README.md): every <c>.conf</c> against its <c>.json</c> or
/// <c>.error</c>, the getter tables and the duration and size tables.
/// </summary>
public sealed class CorpusSpec
{
    /// <summary>A parse that takes longer than this is treated as a hang.</summary>
    private static readonly TimeSpan CaseTimeout = TimeSpan.FromSeconds(10);

    public static TheoryData<string> Cases => new(CorpusFiles.Cases());

    public static TheoryData<string, int, string, string> GetterRows
    {
        get
        {
            var data = new TheoryData<string, int, string, string>();
            foreach (var table in CorpusFiles.Tables("getters"))
            {
                foreach (var (line, columns) in CorpusFiles.Rows(table))
                {
                    data.Add(table, line, columns[0], columns.Length > 1 ? columns[1] : "");
                }
            }

            return data;
        }
    }

    public static TheoryData<string, int, string> UnitRows
    {
        get
        {
            var data = new TheoryData<string, int, string>();
            foreach (var table in CorpusFiles.Tables("units"))
            {
                foreach (var (line, columns) in CorpusFiles.Rows(table))
                {
                    data.Add(table, line, columns[0]);
                }
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Case(string path)
    {
        CorpusFiles.PrepareEnvironment();
        var conf = CorpusFiles.Full(path + ".conf");
        var jsonFile = CorpusFiles.Full(path + ".json");
        var errorFile = CorpusFiles.Full(path + ".error");
        var hasJson = File.Exists(jsonFile);
        Assert.True(hasJson ^ File.Exists(errorFile), $"{path}: needs exactly one of {path}.json and {path}.error");

        var input = await File.ReadAllTextAsync(conf, Encoding.UTF8);
        JsonNode? actual = null;
        Exception? error = null;
        try
        {
            actual = await CorpusFiles.RunBounded(() => CorpusFiles.Load(conf), CaseTimeout);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"{path}: no result after {CaseTimeout.TotalSeconds} s (hang?)\ninput:\n{CorpusFiles.Visible(input)}");
        }
        catch (Exception e)
        {
            error = e;
        }

        if (hasJson)
        {
            ExpectJson(path, input, jsonFile, actual, error);
        }
        else
        {
            ExpectError(path, input, errorFile, actual, error);
        }
    }

    [Theory]
    [MemberData(nameof(GetterRows))]
    public async Task Getter(string table, int line, string path, string getter)
    {
        CorpusFiles.PrepareEnvironment();
        var columns = File.ReadAllLines(CorpusFiles.Full(table), Encoding.UTF8)[line - 1].Split('\t');
        Assert.True(columns.Length is 3 or 4, $"{table}:{line}: expected 3 or 4 tab-separated columns");
        Assert.Equal(path, columns[0]);
        Assert.Equal(getter, columns[1]);
        var expected = columns[2];
        var defaultValue = columns.Length == 4 ? columns[3] : null;
        var confFile = CorpusFiles.Full(table[..^".tsv".Length] + ".conf");
        var config = await CorpusFiles.RunBounded(() => ConfigurationFactory.FromFile(confFile).Resolve(), CaseTimeout);
        var where = $"{table}:{line} ({getter} of '{path}'{(defaultValue is null ? "" : $", default {defaultValue}")})";

        if (expected.StartsWith("error", StringComparison.Ordinal))
        {
            var substring = expected.Length > "error".Length ? expected["error".Length..].TrimStart(':', ' ') : "";
            var exception = Record.Exception(() => Read(config, path, getter, defaultValue));
            var configurationException = Assert.IsAssignableFrom<ConfigurationException>(exception);
            Assert.True(
                configurationException.Message.Contains(substring, StringComparison.OrdinalIgnoreCase),
                $"{where}: the message should contain \"{substring}\": {configurationException.Message}");
            return;
        }

        object? actual;
        try
        {
            actual = Read(config, path, getter, defaultValue);
        }
        catch (Exception e)
        {
            Assert.Fail($"{where}: expected {expected} but threw {e.GetType().Name}: {e.Message}");
            return;
        }

        AssertValue(where, getter, expected, actual);
    }

    [Theory]
    [MemberData(nameof(UnitRows))]
    public async Task Unit(string table, int line, string value)
    {
        var columns = File.ReadAllLines(CorpusFiles.Full(table), Encoding.UTF8)[line - 1].Split('\t');
        Assert.True(columns.Length is 2 or 3, $"{table}:{line}: expected 2 or 3 tab-separated columns");
        Assert.Equal(value, columns[0]);
        var expected = columns[1];
        var durations = table.EndsWith("durations.tsv", StringComparison.Ordinal);
        var where = $"{table}:{line} (v = {value})";

        Func<long> read = durations
            ? () => ConfigurationFactory.ParseString($"v = {value}\n", table).Resolve().GetTimeSpan("v").Ticks
            : () => ConfigurationFactory.ParseString($"v = {value}\n", table).Resolve().GetByteSize("v");
        long actual;
        try
        {
            actual = await CorpusFiles.RunBounded(read, CaseTimeout);
        }
        catch (ConfigurationException e) when (expected == "error")
        {
            Assert.NotNull(e.Message);
            return;
        }
        catch (Exception e)
        {
            Assert.Fail($"{where}: expected {expected} but threw {e.GetType().Name}: {e.Message}");
            return;
        }

        Assert.True(expected != "error", $"{where}: expected a ConfigurationException but got {actual}");
        Assert.True(
            long.Parse(expected, CultureInfo.InvariantCulture) == actual,
            $"{where}: expected {expected} {(durations ? "ticks" : "bytes")} but got {actual}");
    }

    private static void ExpectJson(string path, string input, string jsonFile, JsonNode? actual, Exception? error)
    {
        if (error is not null)
        {
            Assert.Fail($"{path}: expected a result but threw {error.GetType().Name}: {error.Message}\ninput:\n{CorpusFiles.Visible(input)}");
        }

        using var expected = JsonDocument.Parse(File.ReadAllText(jsonFile, Encoding.UTF8));
        var differences = CorpusJson.Compare(expected.RootElement, actual);
        if (differences.Count > 0)
        {
            Assert.Fail(
                $"{path}: the result differs from {path}.json\n  " + string.Join("\n  ", differences) +
                $"\ninput:\n{CorpusFiles.Visible(input)}\nactual:\n{CorpusFiles.Visible(CorpusJson.Show(actual))}");
        }
    }

    private static void ExpectError(string path, string input, string errorFile, JsonNode? actual, Exception? error)
    {
        var lines = File.ReadAllLines(errorFile, Encoding.UTF8);
        Assert.True(lines.Length >= 2, $"{path}.error: needs the position on line 1 and a message substring on line 2");
        var positions = lines[0].Split('|', StringSplitOptions.TrimEntries);
        var substring = lines[1];
        var expectation = $"an error at {string.Join(" or ", positions)} containing \"{substring}\"";

        if (error is null)
        {
            Assert.Fail($"{path}: expected {expectation} but got\n{CorpusFiles.Visible(CorpusJson.Show(actual))}\ninput:\n{CorpusFiles.Visible(input)}");
        }

        if (error is not ConfigurationException configurationException)
        {
            Assert.Fail($"{path}: expected {expectation} but threw {error.GetType().FullName}: {error}\ninput:\n{CorpusFiles.Visible(input)}");
            return;
        }

        var position = CorpusFiles.Position(configurationException);
        var problems = new List<string>();
        if (position is null || !positions.Contains(position))
        {
            problems.Add($"position {position ?? "(none)"}");
        }

        if (!configurationException.Message.Contains(substring, StringComparison.OrdinalIgnoreCase))
        {
            problems.Add("message");
        }

        if (problems.Count > 0)
        {
            Assert.Fail(
                $"{path}: expected {expectation}; wrong {string.Join(" and ", problems)}: {configurationException.Message}" +
                $"\ninput:\n{CorpusFiles.Visible(input)}");
        }
    }

    private static object? Read(Config config, string path, string getter, string? defaultValue) => getter switch
    {
        "string" => defaultValue is null ? config.GetString(path) : config.GetString(path, defaultValue),
        "int" => defaultValue is null ? config.GetInt(path) : config.GetInt(path, int.Parse(defaultValue, CultureInfo.InvariantCulture)),
        "long" => defaultValue is null ? config.GetLong(path) : config.GetLong(path, long.Parse(defaultValue, CultureInfo.InvariantCulture)),
        "bool" => defaultValue is null ? config.GetBoolean(path) : config.GetBoolean(path, bool.Parse(defaultValue)),
        "double" => defaultValue is null ? config.GetDouble(path) : config.GetDouble(path, double.Parse(defaultValue, CultureInfo.InvariantCulture)),
        "duration" => (defaultValue is null
            ? config.GetTimeSpan(path)
            : config.GetTimeSpan(path, TimeSpan.FromTicks(long.Parse(defaultValue, CultureInfo.InvariantCulture)))).Ticks,
        "bytes" => defaultValue is null ? config.GetByteSize(path) : config.GetByteSize(path, long.Parse(defaultValue, CultureInfo.InvariantCulture)),
        "stringlist" => defaultValue is null ? config.GetStringList(path) : config.GetStringList(path, StringArray(defaultValue)),
        "configlist" => config.GetConfigList(path).Count,
        "config-keys" => config.GetConfig(path).Keys.ToList(),
        "haspath" => config.HasPath(path),
        "origin-line" => config.GetOrigin(path)?.Line,
        _ => throw new InvalidOperationException($"unknown getter '{getter}'"),
    };

    private static void AssertValue(string where, string getter, string expected, object? actual)
    {
        switch (getter)
        {
            case "stringlist":
                var list = Assert.IsAssignableFrom<IReadOnlyList<string>>(actual);
                Assert.True(StringArray(expected).SequenceEqual(list), $"{where}: expected {expected} but got {JsonSerializer.Serialize(list)}");
                break;
            case "config-keys":
                var keys = Assert.IsAssignableFrom<IEnumerable<string>>(actual).Order(StringComparer.Ordinal).ToList();
                var expectedKeys = StringArray(expected).Order(StringComparer.Ordinal).ToList();
                Assert.True(expectedKeys.SequenceEqual(keys), $"{where}: expected the keys {expected} but got {JsonSerializer.Serialize(keys)}");
                break;
            case "double":
                var number = Assert.IsType<double>(actual);
                var expectedNumber = double.Parse(expected, CultureInfo.InvariantCulture);
                Assert.True(Math.Abs(number - expectedNumber) <= 1e-12 * Math.Max(1, Math.Abs(expectedNumber)), $"{where}: expected {expected} but got {number}");
                break;
            default:
                var text = actual switch
                {
                    null => "null",
                    bool b => b ? "true" : "false",
                    IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
                    _ => actual.ToString(),
                };
                Assert.True(expected == text, $"{where}: expected {expected} but got {text}");
                break;
        }
    }

    private static List<string> StringArray(string json) =>
        JsonSerializer.Deserialize<List<string>>(json) ?? throw new FormatException($"not a JSON array of strings: {json}");
}
