using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using UsbMesh.Configuration.Model;

namespace UsbMesh.Configuration.Rendering;

/// <summary>
/// A resolved tree as a JSON node. Numbers keep their HOCON type: written without a fraction or an exponent (and
/// within range) they become <see cref="long"/>, otherwise <see cref="double"/>.
/// </summary>
internal static class JsonRenderer
{
    public static JsonNode? Render(HoconValue value)
    {
        RuntimeHelpers.EnsureSufficientExecutionStack();
        return value switch
        {
            HoconObject obj => new JsonObject(obj.Fields.Select(field => KeyValuePair.Create(field.Key, Render(field.Value)))),
            HoconArray array => new JsonArray([.. array.Elements.Select(Render)]),
            HoconScalar { Kind: ScalarKind.Number } number => Number(number.Text),
            HoconScalar { Kind: ScalarKind.Boolean } boolean => JsonValue.Create(boolean.Text == "true"),
            HoconScalar { Kind: ScalarKind.Null } => null,
            HoconScalar text => JsonValue.Create(text.Text),
            _ => throw new InvalidOperationException($"unresolved {value.KindName} at {value.Origin} cannot be rendered"),
        };
    }

    private static JsonValue Number(string text) =>
        text.AsSpan().IndexOfAny(".eE") < 0 && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer)
            ? JsonValue.Create(integer)
            : JsonValue.Create(double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture));
}
