using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Encodings.Web;
using UsbMesh.Configuration.Model;

namespace UsbMesh.Configuration.Rendering;

/// <summary>
/// A resolved tree as HOCON that parses back to the same tree: strings quoted JSON-style, numbers as written, and
/// optionally a <c># file:line:col</c> comment above each field (what <c>usbmeshd --print-config</c> shows).
/// </summary>
internal static class HoconRenderer
{
    private const int IndentStep = 4;

    public static string Render(HoconObject root, bool withOrigins)
    {
        var builder = new StringBuilder();
        Fields(builder, root, indent: 0, withOrigins);
        return builder.ToString();
    }

    private static void Fields(StringBuilder builder, HoconObject obj, int indent, bool withOrigins)
    {
        foreach (var (key, value) in obj.Fields)
        {
            if (withOrigins)
            {
                builder.Append(' ', indent).Append("# ").Append(value.Origin).Append('\n');
            }

            builder.Append(' ', indent).Append(HoconPath.Render([key])).Append(value is HoconObject ? " " : " = ");
            Value(builder, value, indent, withOrigins);
            builder.Append('\n');
        }
    }

    private static void Value(StringBuilder builder, HoconValue value, int indent, bool withOrigins)
    {
        RuntimeHelpers.EnsureSufficientExecutionStack();
        switch (value)
        {
            case HoconObject { Count: 0 }:
                builder.Append("{}");
                break;
            case HoconObject obj:
                builder.Append("{\n");
                Fields(builder, obj, indent + IndentStep, withOrigins);
                builder.Append(' ', indent).Append('}');
                break;
            case HoconArray array when array.Elements.All(element => element is HoconScalar):
                builder.Append('[');
                for (var i = 0; i < array.Elements.Count; i++)
                {
                    builder.Append(i == 0 ? "" : ", ");
                    Value(builder, array.Elements[i], indent, withOrigins);
                }

                builder.Append(']');
                break;
            case HoconArray array:
                builder.Append("[\n");
                foreach (var element in array.Elements)
                {
                    builder.Append(' ', indent + IndentStep);
                    Value(builder, element, indent + IndentStep, withOrigins);
                    builder.Append('\n');
                }

                builder.Append(' ', indent).Append(']');
                break;
            case HoconScalar { Kind: ScalarKind.String } text:
                // The encoder escapes as JSON would, without the serializer's reflection (which trimmed builds lack).
                builder.Append('"').Append(JavaScriptEncoder.UnsafeRelaxedJsonEscaping.Encode(text.Text)).Append('"');
                break;
            case HoconScalar scalar:
                builder.Append(scalar.Text);
                break;
            default:
                throw new InvalidOperationException($"unresolved {value.KindName} at {value.Origin} cannot be rendered");
        }
    }
}
