using System.Text.Json;

namespace UsbMesh.Configuration.Tests;

/// <summary>Structural JSON equality: object key order is ignored, numbers compare by value.</summary>
internal static class JsonAssert
{
    public static void Equal(string expectedJson, string actualJson)
    {
        using var expected = JsonDocument.Parse(expectedJson);
        using var actual = JsonDocument.Parse(actualJson);
        Equal(expected.RootElement, actual.RootElement, "$", actualJson);
    }

    private static void Equal(JsonElement expected, JsonElement actual, string path, string actualJson)
    {
        if (expected.ValueKind != actual.ValueKind)
        {
            Fail($"{path}: expected {expected.ValueKind} {expected}, got {actual.ValueKind} {actual}", actualJson);
        }

        switch (expected.ValueKind)
        {
            case JsonValueKind.Object:
                var expectedNames = expected.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ToList();
                var actualNames = actual.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal).ToList();
                if (!expectedNames.SequenceEqual(actualNames))
                {
                    Fail($"{path}: expected keys [{string.Join(", ", expectedNames)}], got [{string.Join(", ", actualNames)}]", actualJson);
                }

                foreach (var property in expected.EnumerateObject())
                {
                    Equal(property.Value, actual.GetProperty(property.Name), $"{path}.{property.Name}", actualJson);
                }

                break;
            case JsonValueKind.Array:
                if (expected.GetArrayLength() != actual.GetArrayLength())
                {
                    Fail($"{path}: expected {expected.GetArrayLength()} elements, got {actual.GetArrayLength()}", actualJson);
                }

                for (var i = 0; i < expected.GetArrayLength(); i++)
                {
                    Equal(expected[i], actual[i], $"{path}[{i}]", actualJson);
                }

                break;
            case JsonValueKind.Number:
                if (expected.GetDouble() != actual.GetDouble())
                {
                    Fail($"{path}: expected {expected}, got {actual}", actualJson);
                }

                break;
            case JsonValueKind.String:
                if (expected.GetString() != actual.GetString())
                {
                    Fail($"{path}: expected \"{expected.GetString()}\", got \"{actual.GetString()}\"", actualJson);
                }

                break;
        }
    }

    private static void Fail(string message, string actualJson) => Assert.Fail($"{message}\nactual document:\n{actualJson}");
}
