namespace UsbMesh.Configuration.Loading;

/// <summary>
/// The document being parsed: its description (a file path, or what the caller named a string) for origins, and the
/// directory its relative includes are resolved against.
/// </summary>
internal sealed record SourceInfo(string Description, string Directory);
