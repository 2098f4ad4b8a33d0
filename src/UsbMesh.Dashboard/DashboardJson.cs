using System.Text.Json.Serialization;

namespace UsbMesh.Dashboard;

/// <summary>What the page polls: the shell's tables as rows keyed by column name, sessions with their rates
/// (<c>rate-in</c>, <c>rate-out</c>, bytes per second), and what could not be read.</summary>
internal sealed record DashboardState(
    IReadOnlyDictionary<string, string>? Node,
    IReadOnlyList<IReadOnlyDictionary<string, string>> Peers,
    IReadOnlyList<IReadOnlyDictionary<string, string>> Devices,
    IReadOnlyList<IReadOnlyDictionary<string, string>> Sessions,
    IReadOnlyList<string> Errors);

/// <summary>An attach or detach the page asks for.</summary>
internal sealed record ActionRequest(string? Device);

/// <summary>How an attach or detach went: <paramref name="Message"/> is the node's answer or why it was refused.</summary>
internal sealed record ActionResult(bool Ok, string Message, IReadOnlyList<string> Lines);

[JsonSerializable(typeof(DashboardState))]
[JsonSerializable(typeof(ActionRequest))]
[JsonSerializable(typeof(ActionResult))]
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
internal sealed partial class DashboardJson : JsonSerializerContext;
