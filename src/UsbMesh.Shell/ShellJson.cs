using System.Text.Json.Serialization;

namespace UsbMesh.Shell;

/// <summary>Source-generated JSON metadata of the shell's frames.</summary>
[JsonSerializable(typeof(ShellFrame))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
internal sealed partial class ShellJson : JsonSerializerContext;
