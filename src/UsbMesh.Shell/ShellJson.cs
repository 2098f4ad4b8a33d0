using System.Text.Json.Serialization;

namespace UsbMesh.Shell;

/// <summary>
/// Source-generated JSON metadata of the shell's frames. A frame that lacks a member it must have, or has null where
/// null is not allowed, is refused while it is read, instead of reaching code that trusts its types.
/// </summary>
[JsonSerializable(typeof(ShellFrame))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    RespectNullableAnnotations = true, RespectRequiredConstructorParameters = true)]
internal sealed partial class ShellJson : JsonSerializerContext;
