namespace UsbMesh.Configuration;

/// <summary>A path that holds a value other than an object, and where that value was set.</summary>
/// <param name="Path">A path expression, with elements quoted where they need it (<c>a."b.c"</c>).</param>
/// <param name="Elements">The same path as its unquoted elements.</param>
/// <param name="Origin">Where the value was set.</param>
public sealed record ConfigEntry(string Path, IReadOnlyList<string> Elements, ConfigOrigin Origin);
