using UsbMesh.Configuration.Parsing;

namespace UsbMesh.Configuration.Model;

/// <summary>Builds positioned errors: <c>file:line:col: message</c>, e.g. <c>expected X, found Y</c>.</summary>
internal static class ConfigErrors
{
    public static ConfigurationException At(ConfigOrigin origin, string message, Exception? inner = null, string? path = null) =>
        new(message, origin, path, inner);

    public static ConfigurationException Expected(string expected, Token found, string? context = null) =>
        At(found.Origin, $"expected {expected}{(context is null ? "" : " " + context)}, found {found.Describe()}");
}
