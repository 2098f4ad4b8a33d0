namespace UsbMesh.Configuration.Loading;

internal enum IncludeKind
{
    /// <summary><c>include "name"</c>: a file, or a URL if the name is one.</summary>
    Heuristic,
    File,
    Url,
    Classpath,
}

internal sealed record IncludeRequest(string Name, IncludeKind Kind, bool Required);
