using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace UsbMesh.Configuration.Tests;

/// <summary>
/// Structural JSON comparison for the corpus: objects unordered, arrays ordered, strings exact, numbers by value and
/// by kind (a number written with '.', 'e' or 'E' in the expected file must be a decimal, any other an integer).
/// </summary>
internal static class CorpusJson
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>The differences, one line each ("$.a[1]: expected ... but got ..."); empty when equal.</summary>
    public static List<string> Compare(JsonElement expected, JsonNode? actual)
    {
        var differences = new List<string>();
        Compare(expected, actual, "$", differences);
        return differences;
    }

    /// <summary>Indented JSON of a node, "null" for null.</summary>
    public static string Show(JsonNode? node) => node is null ? "null" : node.ToJsonString(Indented);

    private static void Compare(JsonElement expected, JsonNode? actual, string path, List<string> differences)
    {
        switch (expected.ValueKind)
        {
            case JsonValueKind.Null:
                if (actual is not null)
                {
                    differences.Add($"{path}: expected null but got {Describe(actual)}");
                }

                break;
            case JsonValueKind.Object:
                if (actual is not JsonObject obj)
                {
                    differences.Add($"{path}: expected an object but got {Describe(actual)}");
                    break;
                }

                var expectedKeys = new HashSet<string>(StringComparer.Ordinal);
                foreach (var property in expected.EnumerateObject())
                {
                    expectedKeys.Add(property.Name);
                    var childPath = $"{path}{Segment(property.Name)}";
                    if (!obj.TryGetPropertyValue(property.Name, out var child))
                    {
                        differences.Add($"{childPath}: missing (expected {property.Value.GetRawText()})");
                        continue;
                    }

                    Compare(property.Value, child, childPath, differences);
                }

                foreach (var (key, value) in obj)
                {
                    if (!expectedKeys.Contains(key))
                    {
                        differences.Add($"{path}{Segment(key)}: unexpected, got {Describe(value)}");
                    }
                }

                break;
            case JsonValueKind.Array:
                if (actual is not JsonArray array)
                {
                    differences.Add($"{path}: expected an array but got {Describe(actual)}");
                    break;
                }

                var expectedLength = expected.GetArrayLength();
                if (expectedLength != array.Count)
                {
                    differences.Add($"{path}: expected {expectedLength} elements but got {array.Count}: {Describe(array)}");
                }

                var index = 0;
                foreach (var element in expected.EnumerateArray())
                {
                    if (index >= array.Count)
                    {
                        break;
                    }

                    Compare(element, array[index], $"{path}[{index}]", differences);
                    index++;
                }

                break;
            case JsonValueKind.String:
                var expectedString = expected.GetString()!;
                if (actual is not JsonValue stringValue || stringValue.GetValueKind() != JsonValueKind.String)
                {
                    differences.Add($"{path}: expected the string {Quote(expectedString)} but got {Describe(actual)}");
                }
                else if (stringValue.GetValue<string>() is var actualString && actualString != expectedString)
                {
                    differences.Add($"{path}: expected the string {Quote(expectedString)} but got {Quote(actualString)}");
                }

                break;
            case JsonValueKind.Number:
                CompareNumber(expected.GetRawText(), actual, path, differences);
                break;
            case JsonValueKind.True:
            case JsonValueKind.False:
                var expectedKind = expected.ValueKind;
                if (actual is not JsonValue boolValue || boolValue.GetValueKind() != expectedKind)
                {
                    differences.Add($"{path}: expected {expected.GetRawText()} but got {Describe(actual)}");
                }

                break;
            default:
                differences.Add($"{path}: unsupported expected value {expected.GetRawText()}");
                break;
        }
    }

    private static void CompareNumber(string expectedRaw, JsonNode? actual, string path, List<string> differences)
    {
        var expectedInteger = IsIntegerText(expectedRaw);
        if (actual is not JsonValue value || value.GetValueKind() != JsonValueKind.Number)
        {
            differences.Add($"{path}: expected the number {expectedRaw} but got {Describe(actual)}");
            return;
        }

        var (actualInteger, actualExact, actualDouble) = ReadNumber(value);
        var kind = expectedInteger ? "an integer" : "a decimal";
        if (actualInteger != expectedInteger)
        {
            differences.Add($"{path}: expected {kind} {expectedRaw} but got {(actualInteger ? "the integer" : "the decimal")} {Describe(actual)}");
            return;
        }

        var equal = expectedInteger
            ? actualExact == decimal.Parse(expectedRaw, NumberStyles.Float, CultureInfo.InvariantCulture)
            : CloseEnough(double.Parse(expectedRaw, NumberStyles.Float, CultureInfo.InvariantCulture), actualDouble);
        if (!equal)
        {
            differences.Add($"{path}: expected {kind} {expectedRaw} but got {Describe(actual)}");
        }
    }

    private static (bool IsInteger, decimal? Exact, double Value) ReadNumber(JsonValue value)
    {
        if (value.TryGetValue<JsonElement>(out var element))
        {
            var raw = element.GetRawText();
            var integer = IsIntegerText(raw);
            return (integer, integer && element.TryGetDecimal(out var exact) ? exact : null, element.GetDouble());
        }

        return value.GetValue<object>() switch
        {
            long l => (true, l, l),
            int i => (true, i, i),
            short s => (true, s, s),
            sbyte sb => (true, sb, sb),
            byte b => (true, b, b),
            ushort us => (true, us, us),
            uint ui => (true, ui, ui),
            ulong ul => (true, ul, ul),
            double d => (false, null, d),
            float f => (false, null, f),
            decimal m => (false, null, (double)m),
            var other => (false, null, Convert.ToDouble(other, CultureInfo.InvariantCulture)),
        };
    }

    private static bool IsIntegerText(string raw) => raw.IndexOfAny(['.', 'e', 'E']) < 0;

    private static bool CloseEnough(double expected, double actual) =>
        expected.Equals(actual) || Math.Abs(expected - actual) <= 1e-12 * Math.Max(1.0, Math.Abs(expected));

    private static string Segment(string key) =>
        key.Length > 0 && key.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-') ? $".{key}" : $"[{Quote(key)}]";

    private static string Quote(string text) => JsonSerializer.Serialize(text);

    private static string Describe(JsonNode? node) => node is null ? "null" : node.ToJsonString();
}
